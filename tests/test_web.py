"""`vigie web` through Starlette's test client, on a store filled by a real run over the demo feeds:
every page shows what the run recorded; whatever came from a feed stays text; every POST needs the
CSRF token and a same-origin request; a token, when set, guards every request; the editor checks,
backtests and saves only clean rule files, and only the configured ones."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient
from typer.testing import CliRunner

from tests.support_web import Demo, build_demo, copy_demo
from vigie.cli.main import app as cli
from vigie.store import schema as t
from vigie.web.app import create_app
from vigie.web.highlight import pieces

BASE = "http://127.0.0.1:8700"
PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', "' onmouseover='alert(3)", "javascript:alert(4)"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    d = build_demo(tmp_path_factory.mktemp("web") / "demo")
    yield d
    d.engine.dispose()


@pytest.fixture
def own(demo: Demo, tmp_path: Path) -> Iterator[Demo]:
    """A copy of the demo this test may change."""
    d = copy_demo(demo, tmp_path / "demo")
    yield d
    d.engine.dispose()


def client(d: Demo, **kw: object) -> TestClient:
    return TestClient(create_app(d.config, d.engine, **kw), base_url=BASE)  # type: ignore[arg-type]


def csrf_of(c: TestClient) -> str:
    page = c.get("/rules").text
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_every_page_shows_what_the_run_recorded(demo: Demo) -> None:
    with demo.engine.connect() as conn:
        stories = conn.execute(select(t.stories.c.id, t.stories.c.title)).all()
        alerts = conn.execute(select(t.alerts.c.id, t.alerts.c.title)).all()
    assert stories and alerts
    c = client(demo)
    page = c.get("/").text
    for s in stories:
        assert f'href="/stories/{s.id}"' in page and html.escape(s.title) in page
    assert "<h2>kursk-north-korea" in page and "NYT World" in page
    one = c.get(f"/stories/{stories[0].id}")
    assert one.status_code == 200 and html.escape(stories[0].title) in one.text and "opened the story" in one.text
    assert 'class="mark new"' in one.text
    assert c.get("/stories/999999").status_code == 404
    listed = c.get("/alerts").text
    assert all(f"<td>{a.id}</td>" in listed for a in alerts)
    feeds = c.get("/feeds").text
    for name in ("NYT World", "BBC News", "Le Monde International", "Inbox"):
        assert name in feeds
    assert "never fetched" not in feeds
    rules = c.get("/rules").text
    assert demo.rule_name in rules and "checks clean" in rules and "kim-jong-un" in rules
    editor = c.get("/rules/edit", params={"file": demo.rule_name}).text
    assert "# Seed rules of vigie" in editor  # the file's own text, comments included
    assert 'id="backtest"' in editor and "<mark>" in editor  # the backtest with its spans marked
    css = c.get("/static/style.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert "default-src 'self'" in c.get("/").headers["content-security-policy"]


def test_story_filters(demo: Demo) -> None:
    c = client(demo)
    every = c.get("/").text.count('class="story"')
    assert every > 0
    only = c.get("/", params={"rule": "kim-jong-un"}).text
    assert "<h2>kim-jong-un" in only and "<h2>kursk-north-korea" not in only
    assert "<h2>nk-russia-watch" not in c.get("/", params={"severity": "high"}).text  # an info rule
    assert "No stories match these filters" in c.get("/", params={"severity": "critical"}).text
    assert "No stories match these filters" in c.get("/", params={"since": "2999-01-01"}).text
    assert "No stories match these filters" in c.get("/", params={"until": "2000-01-01"}).text
    fr, en = (c.get("/", params={"language": x}).text.count('class="story"') for x in ("fr", "en"))
    assert 0 < fr < every and 0 < en <= every


def _poison(d: Demo) -> None:
    """Every text a feed or a failing target controls, set to the injection payloads."""
    evil = " ".join(PAYLOADS)
    with d.engine.begin() as conn:
        conn.execute(update(t.stories).values(title=evil))
        conn.execute(update(t.articles).values(title=evil, url="javascript:alert(5)"))
        conn.execute(update(t.alerts).values(title=evil))
        conn.execute(update(t.deliveries).values(status="failed", last_error=f"console: {evil}", attempts=3))
        conn.execute(update(t.feeds).values(last_error=evil, consecutive_failures=2))


def test_text_from_feeds_is_escaped_everywhere(own: Demo) -> None:
    _poison(own)
    c = client(own)
    story = own.engine.connect().execute(select(t.stories.c.id)).scalars().first()
    pages = {p: c.get(p).text for p in ("/", f"/stories/{story}", "/alerts", "/alerts?status=failed", "/feeds",
                                         f"/rules/edit?file={own.rule_name}")}
    for where, text in pages.items():
        assert "<script>alert" not in text and "<img src=x" not in text, where
        assert "onmouseover='alert" not in text and 'href="javascript:' not in text.lower(), where
    for where in ("/", f"/stories/{story}", "/alerts", "/feeds"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[where], where
        assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in pages[where], where
    assert "&#39; onmouseover=&#39;alert(3)" in pages["/alerts"]


def test_every_post_needs_the_csrf_token_and_our_origin(own: Demo) -> None:
    with own.engine.begin() as conn:
        alert_id = conn.execute(select(t.alerts.c.id)).scalars().first()
        conn.execute(update(t.deliveries).where(t.deliveries.c.alert_id == alert_id).values(status="failed", last_error="console: down"))
    c = client(own)
    token = csrf_of(c)
    original = own.rule_file.read_text(encoding="utf-8")
    posts = [(f"/alerts/{alert_id}/retry", {}), ("/rules/preview", {"file": own.rule_name, "text": original}),
             ("/rules/save", {"file": own.rule_name, "text": original + "\n# changed\n"})]
    for url, fields in posts:
        assert c.post(url, data=fields).status_code == 403  # no token
        assert c.post(url, data={**fields, "csrf": "x" * 43}).status_code == 403  # a wrong one
        assert c.post(url, data={**fields, "csrf": token}, headers={"Origin": "https://evil.example"}).status_code == 403
        bare = TestClient(create_app(own.config, own.engine), base_url=BASE)  # another browser: its own cookie, not ours
        assert bare.post(url, data={**fields, "csrf": token}).status_code == 403
    assert own.rule_file.read_text(encoding="utf-8") == original
    with own.engine.connect() as conn:
        assert set(conn.execute(select(t.deliveries.c.status).where(t.deliveries.c.alert_id == alert_id)).scalars()) == {"failed"}

    done = c.post(f"/alerts/{alert_id}/retry", data={"csrf": token}, headers={"Origin": BASE}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/alerts?retried=")
    with own.engine.connect() as conn:
        assert set(conn.execute(select(t.deliveries.c.status).where(t.deliveries.c.alert_id == alert_id)).scalars()) == {"pending"}
    assert "back to pending" in c.get(done.headers["location"]).text
    by_header = c.post("/rules/preview", data={"file": own.rule_name, "text": original}, headers={"X-CSRF-Token": token})
    assert by_header.status_code == 200 and by_header.headers["x-vigie-problems"] == "0"


def test_loopback_server_refuses_other_host_names(demo: Demo) -> None:
    c = client(demo)
    assert c.get("/", headers={"Host": "rebound.evil.example:8700"}).status_code == 400
    assert c.get("/", headers={"Host": "localhost:8700"}).status_code == 200


def test_a_token_guards_every_request(demo: Demo) -> None:
    secret = "s3cret-token-for-the-test-0123456789"
    c = client(demo, token=secret, allowed_hosts=None)
    for path in ("/", "/alerts", "/feeds", "/rules", "/static/style.css", f"/rules/edit?file={demo.rule_name}"):
        assert c.get(path).status_code == 401, path
    assert c.get("/", params={"token": "wrong"}).status_code == 401
    first = c.get("/alerts", params={"token": secret, "status": "sent"}, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/alerts?status=sent"  # the token leaves the address
    assert "httponly" in first.headers["set-cookie"].lower() and "samesite=strict" in first.headers["set-cookie"].lower()
    assert c.get("/feeds").status_code == 200  # the cookie now carries it
    other = client(demo, token=secret, allowed_hosts=None)
    assert other.get("/feeds", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert other.get("/feeds", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_vigie_web_refuses_to_listen_beyond_loopback_without_a_token(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIGIE_WEB_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["web", "--host", "0.0.0.0", "-c", str(demo.config_path)])
    assert result.exit_code == 2 and "give a token" in result.output
    short = CliRunner().invoke(cli, ["web", "--host", "0.0.0.0", "--token", "short", "-c", str(demo.config_path)])
    assert short.exit_code == 2 and "too short" in short.output


def test_editor_checks_backtests_and_saves_only_clean_configured_files(own: Demo) -> None:
    c = client(own)
    token = csrf_of(c)
    original = own.rule_file.read_text(encoding="utf-8")
    old_query = "query: '@kursk AND (@north-korea OR @kim-jong-un OR title:@kursk)'"

    broken = c.post("/rules/preview", data={"file": own.rule_name, "text": original.replace("severity: high", "severity: urgent", 1),
                                            "csrf": token})
    assert broken.headers["x-vigie-problems"] == "1" and 'id="backtest"' not in broken.text
    line = original[: original.index("severity: high")].count("\n") + 1
    assert f'data-line="{line}"' in broken.text and "severity" in broken.text

    changed = original.replace(old_query, "query: '@russia AND NOT @kursk'")
    preview = c.post("/rules/preview", data={"file": own.rule_name, "text": changed, "csrf": token})
    assert preview.headers["x-vigie-problems"] == "0"
    block = preview.text.split('data-rule="kursk-north-korea"')[1].split('class="rule-result"')[0]
    gained, lost = (int(x) for x in re.search(r"\+(\d+) gained</span> <span class=\"lost\">−(\d+) lost", block).groups())  # type: ignore[union-attr]
    assert gained > 0 and lost > 0 and "<mark>" in block
    assert preview.text.count("against the saved file") == 1  # the other rules did not change

    refused = c.post("/rules/save", data={"file": own.rule_name, "text": changed + "\n  - id: [oops\n", "csrf": token})
    assert refused.status_code == 422 and "Not saved" in refused.text
    assert own.rule_file.read_text(encoding="utf-8") == original

    kept = changed.replace("# Seed rules of vigie", "# Seed rules of vigie (edited in the browser)")
    saved = c.post("/rules/save", data={"file": own.rule_name, "text": kept.replace("\n", "\r\n"), "csrf": token}, follow_redirects=False)
    assert saved.status_code == 303
    assert own.rule_file.read_text(encoding="utf-8") == kept  # the analyst's text as typed, comments and all
    assert not list(own.rule_file.parent.glob(".*.tmp"))
    assert "Saved." in c.get(saved.headers["location"]).text

    page = c.get("/rules/edit", params={"file": own.rule_name}).text
    opened = re.search(r'name="opened" value="([0-9a-f]+)"', page).group(1)  # type: ignore[union-attr]
    own.rule_file.write_text(kept + "# changed by someone else meanwhile\n", encoding="utf-8")
    late = c.post("/rules/save", data={"file": own.rule_name, "text": kept, "opened": opened, "csrf": token})
    assert late.status_code == 422 and "changed on disk since the editor opened it" in late.text
    assert own.rule_file.read_text(encoding="utf-8").endswith("meanwhile\n")  # the other change is not overwritten

    outside = own.root / "vigie.yaml"
    for name in ("../vigie.yaml", str(outside), "/etc/passwd", own.rule_name + "/../../vigie.yaml", ""):
        assert c.get("/rules/edit", params={"file": name}).status_code == 404, name
        assert c.post("/rules/save", data={"file": name, "text": "x: 1\n", "csrf": token}).status_code == 404, name
    assert "x: 1" not in outside.read_text(encoding="utf-8")


def test_a_rule_file_symlinked_from_outside_the_rules_folder_is_not_editable(own: Demo, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text("version: 1\nrules: []\n", encoding="utf-8")
    (own.rule_file.parent / "linked.yaml").symlink_to(elsewhere)
    c = client(own)
    name = str(Path(own.config.rules[0]) / "linked.yaml")
    assert c.get("/rules/edit", params={"file": name}).status_code == 404
    assert c.get("/rules/edit", params={"file": own.rule_name}).status_code == 200


@pytest.mark.parametrize("text, spans, expected", [
    ("Kim in Kursk", [(0, 3), (7, 12)], [("Kim", True), (" in ", False), ("Kursk", True)]),
    ("abcdef", [(2, 4), (3, 5)], [("ab", False), ("cd", True), ("e", True), ("f", False)]),  # overlaps do not repeat text
    ("abc", [(1, 99), (-5, 0)], [("a", False), ("bc", True)]),  # clipped to the text
])
def test_pieces_cut_the_text_at_the_spans_without_losing_any(text: str, spans: list[tuple[int, int]],
                                                             expected: list[tuple[str, bool]]) -> None:
    assert list(pieces(text, spans)) == expected
    assert "".join(p for p, _ in pieces(text, spans)) == text
