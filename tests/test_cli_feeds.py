"""`vigie feeds check`: real feeds over a loopback server and from disk, text and --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from support_http import Reply, serve_routes
from vigie.cli.main import app

runner = CliRunner()
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
FEED = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Local</title>
<item><title>A</title><guid>a</guid><pubDate>Mon, 01 Jan 2024 10:00:00 GMT</pubDate></item>
<item><title>B</title><guid>b</guid><pubDate>Wed, 03 Jan 2024 10:00:00 GMT</pubDate></item>
<item><title>C</title><guid>c</guid></item></channel></rss>"""
BROKEN = b"""<rss version="2.0"><channel><title>Broken & co</title><item><title>Still here</title></item></channel></rss>"""


def lines_of(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_check_urls_and_files_as_json(tmp_path: Path) -> None:
    local = tmp_path / "local.xml"
    local.write_bytes(FEED)
    routes = {"/ok.xml": Reply(body=FEED, etag='"1"'), "/broken.xml": Reply(body=BROKEN), "/gone.xml": Reply(status=410)}
    with serve_routes(routes) as server:
        result = runner.invoke(app, ["feeds", "check", "--json", server.url("/ok.xml"), server.url("/broken.xml"),
                                     server.url("/gone.xml"), str(local)])
        served = len(server.log)
    assert result.exit_code == 1, result.output  # one feed failed
    reports = lines_of(result.stdout)
    assert [r["status"] for r in reports] == ["ok", "ok", "error", "ok"]
    ok, broken, gone, disk = reports
    assert (ok["entries"], ok["first_date"], ok["last_date"], ok["undated"]) == (3, "2024-01-01T10:00:00Z", "2024-01-03T10:00:00Z", 1)
    assert ok["title"] == "Local" and ok["http_status"] == 200 and ok["warnings"] == [] and ok["elapsed"] >= 0
    assert broken["entries"] == 1 and broken["warnings"]  # not well-formed: a warning, the entry still counts
    assert "410" in str(gone["error"]) and "/gone.xml" in str(gone["error"])
    assert disk["entries"] == 3 and disk["location"] == str(local)
    assert served == 3  # nothing stored, nothing else fetched
    assert "4 feeds: 3 ok, 0 not modified, 1 errors; 7 entries" in result.stderr


def test_check_text_output_and_directory_expansion(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(FEED)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.rss").write_bytes(FEED)
    (tmp_path / "notes.txt").write_text("An article file\n\nWith a body.")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["feeds", "check", str(tmp_path)])
    assert result.exit_code == 1, result.output  # the CSV file is not a feed: said, not skipped
    assert result.output.count("3 entries  2024-01-01..2024-01-03 (1 undated)") == 2
    lines = result.output.splitlines()
    bad = next(i for i, ln in enumerate(lines) if ln.startswith("error") and ln.endswith("data.csv"))
    assert lines[bad + 1].startswith("    error: not a feed")  # the feed named once, on its own line
    assert "4 feeds: 3 ok, 0 not modified, 1 errors; 7 entries" in result.output  # the folder gave 1 article


def test_check_the_configured_sources(tmp_path: Path) -> None:
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "f.xml").write_bytes(FEED)
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "one.txt").write_text("Un titre\n\nLe texte.", encoding="utf-8")
    config = tmp_path / "vigie.yaml"
    config.write_text("sources:\n  - url: feeds/f.xml\n    name: Local feed\n  - folder: articles\n", encoding="utf-8")
    result = runner.invoke(app, ["feeds", "check", "--json", "--config", str(config)])
    assert result.exit_code == 0, result.output
    reports = lines_of(result.stdout)
    assert [(r["kind"], r["entries"]) for r in reports] == [("feed", 3), ("folder", 1)]


def test_bad_config_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "vigie.yaml"
    config.write_text("sources:\n  - nope: 1\n", encoding="utf-8")
    result = runner.invoke(app, ["feeds", "check", "--config", str(config)])
    assert result.exit_code == 2 and "vigie.yaml" in result.output


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus (../shared/corpus) is not beside the repository")
def test_check_the_whole_corpus_reports_every_file() -> None:
    files = [p for d in ("feeds", "edge/feedparser") for p in (CORPUS / d).rglob("*") if p.is_file()]
    result = runner.invoke(app, ["feeds", "check", "--json", str(CORPUS / "feeds"), str(CORPUS / "edge" / "feedparser")])
    reports = lines_of(result.stdout)
    assert len(reports) == len(files)
    assert {r["location"] for r in reports} == {str(p) for p in files}
    errors = [r["location"] for r in reports if r["status"] == "error"]
    assert errors == [str(CORPUS / "edge/feedparser/illformed/rss_empty_document.xml")]
    assert result.exit_code == 1
    assert sum(int(r["entries"]) for r in reports) > 2000  # type: ignore[call-overload]


def test_status_shows_each_feeds_stored_health_in_the_configured_zone(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from vigie.config import load_config
    from vigie.ingest.fetch import fetch_sources
    from vigie.ingest.health import assess, load_states, record_polls
    from vigie.ingest.parse import parse_fetched
    from vigie.store import connect

    with serve_routes({"/down.xml": Reply(status=500)}) as server:
        config_file = tmp_path / "vigie.yaml"
        config_file.write_text(f"timezone: Europe/Paris\nsources:\n  - url: {server.url('/down.xml')}\n    name: Down\n"
                               f"  - url: {server.url('/new.xml')}\n    name: Never polled\n", encoding="utf-8")
        cfg = load_config(config_file)
        down = cfg.source_objects()[0]
        engine = connect(cfg.store_url)
        for hour in (9, 10):  # two polls, two failures (the real fetch against a server answering 500)
            fetched = fetch_sources([down], load_states(engine, [down]), cfg.fetch)
            with engine.begin() as conn:
                record_polls(conn, assess(fetched, [parse_fetched(f) for f in fetched]), cfg.health,
                             datetime(2026, 1, 5, hour, tzinfo=timezone.utc))
        engine.dispose()
    as_json = runner.invoke(app, ["feeds", "status", "--json", "-c", str(config_file)])
    assert as_json.exit_code == 0, as_json.output
    failing, fresh = lines_of(as_json.stdout)
    assert failing["name"] == "Down" and failing["failures_in_a_row"] == 2 and "HTTP 500" in str(failing["last_error"])
    assert failing["last_error_at"] == "2026-01-05T10:00:00Z" and failing["next_try"] is not None
    assert fresh["name"] == "Never polled" and fresh["failures_in_a_row"] == 0 and fresh["last_success"] is None
    text = runner.invoke(app, ["-c", str(config_file), "feeds", "status"])
    assert text.exit_code == 0, text.output
    assert "2 failure(s) in a row" in text.output and "last error 2026-01-05 11:00 CET: " in text.output
    assert "never fetched" in text.output


NOT_FEEDS = {
    # Markdown that mentions feed markup: feedparser's loose parser guesses "rss" from the text.
    "notes.md": b'# Reading feeds\n\nAn RSS feed starts with <rss version="2.0"> and <channel>; Atom with <feed>.\n',
    "plain.txt": b"Just an article, in plain text.\n\nA second paragraph.\n",
    # An HTML page: feedparser reads its <body> as a feed summary, with no error.
    "page.html": b"<html><head><title>Page</title></head><body>Hello</body></html>",
}


@pytest.mark.parametrize("name", sorted(NOT_FEEDS))
def test_check_an_article_file_named_as_a_feed_is_an_error_pointing_to_folder(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(NOT_FEEDS[name])
    result = runner.invoke(app, ["feeds", "check", "--json", str(path)])
    assert result.exit_code == 1, result.output
    (report,) = lines_of(result.stdout)
    assert report["status"] == "error" and report["entries"] == 0
    assert f"{path}: not a feed" in str(report["error"]) and "'folder:'" in str(report["error"])


def test_check_a_served_html_page_is_not_a_feed_and_gets_no_folder_hint() -> None:
    with serve_routes({"/page.html": Reply(body=NOT_FEEDS["page.html"], content_type="text/html")}) as server:
        result = runner.invoke(app, ["feeds", "check", "--json", server.url("/page.html")])
    assert result.exit_code == 1, result.output
    (report,) = lines_of(result.stdout)
    assert "not a feed" in str(report["error"]) and "folder:" not in str(report["error"])


def test_check_an_empty_but_real_feed_file_is_ok(tmp_path: Path) -> None:
    path = tmp_path / "quiet.xml"
    path.write_bytes(b'<?xml version="1.0"?>\n<!-- nothing yet -->\n<rss version="2.0"><channel><title>Quiet</title></channel></rss>')
    result = runner.invoke(app, ["feeds", "check", "--json", str(path)])
    assert result.exit_code == 0, result.output
    assert [(r["status"], r["entries"]) for r in lines_of(result.stdout)] == [("ok", 0)]


def test_a_fetch_error_is_printed_once_by_feeds_check_and_rules_test(tmp_path: Path, repo: Path) -> None:
    """In a real process: the fetch stage's own warning must not repeat what the command prints."""
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nobody listens there
    down, missing = f"http://127.0.0.1:{port}/feed.xml", str(tmp_path / "missing.xml")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(repo / "src"), str(repo)])}
    for words in (["feeds", "check", down, missing], ["rules", "test", "--rules", str(repo / "rules"), down, missing]):
        done = subprocess.run([sys.executable, "-m", "vigie", *words], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=120)
        said = done.stdout + done.stderr
        assert done.returncode == 1, said
        assert said.count("cannot connect: ") == 1 and "Connection refused" in said, said
        assert said.count("missing.xml") in (1, 2) and said.lower().count("no such file") == 1, said
        assert "Traceback" not in said
