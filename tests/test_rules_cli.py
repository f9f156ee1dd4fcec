"""`vigie rules check|test|schema`, the published schema and the README rule reference."""

from __future__ import annotations

import http.server
import json
import re
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from support_rules import CORPUS, REPO
from vigie.cli.main import app
from vigie.rules.schema import schema_keys, schema_text

runner = CliRunner()

GOOD = """\
entities:
  kju: {name: Kim Jong Un, variants: [Kim Jong Un]}
rules:
  - id: kju
    query: '@kju'
    severity: high
"""
BROKEN = """\
rules:
  - id: a
    query: (x OR
  - id: b
    match: {entity: nobody}
"""


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def rules_dir(tmp_path: Path) -> Path:
    d = tmp_path / "rules"
    d.mkdir()
    (d / "good.yaml").write_text(GOOD, encoding="utf-8")
    return d


def test_check_ok(rules_dir: Path) -> None:
    code, out, err = run("rules", "check", str(rules_dir))
    assert (code, err) == (0, "")
    assert "1 file(s), 1 valid rule(s), 0 error(s)" in out


def test_check_reports_every_error_as_file_line_col_and_exits_1(rules_dir: Path) -> None:
    (rules_dir / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    code, out, err = run("rules", "check", str(rules_dir))
    broken = rules_dir / "broken.yaml"
    assert code == 1
    assert err.splitlines() == [
        f"{broken}:3:17: query: empty alternative: nothing after OR",
        f"{broken}:5:13: unknown entity 'nobody' (known: none defined)",
    ]
    assert "2 file(s), 1 valid rule(s), 2 error(s) in 1 file(s)" in out


def test_check_the_shipped_rules() -> None:
    code, out, err = run("rules", "check", str(REPO / "rules"))
    assert (code, err) == (0, "")


def test_test_command_shows_rules_scores_and_spans(rules_dir: Path, tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("Parade in Pyongyang\nKIM Jong-Un reviewed the troops.\n", encoding="utf-8")
    code, out, err = run("rules", "test", "--rules", str(rules_dir), str(article))
    assert code == 0, err
    assert "kju  score=1  severity=high  terms: Kim Jong Un" in out
    assert "body[0:11] 'KIM Jong-Un'  (Kim Jong Un)" in out


def test_test_command_json_lines_one_object_per_article(rules_dir: Path, tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text(
        json.dumps({"title": "Kim Jong Un speaks", "summary": "x", "url": "https://e.example/1", "language": "en"}) + "\n"
        + json.dumps({"title": "Nothing here", "description": "<p>at all</p>"}) + "\n", encoding="utf-8")
    code, out, err = run("rules", "test", "--rules", str(rules_dir), "--json", str(items))
    assert code == 0, err
    objs = [json.loads(line) for line in out.splitlines()]
    assert len(objs) == 2
    assert objs[0]["matches"][0]["rule"] == "kju"
    assert objs[0]["matches"][0]["spans"] == [{"field": "title", "start": 0, "end": 11, "text": "Kim Jong Un", "term": "Kim Jong Un"}]
    assert objs[1]["matches"] == [] and objs[1]["url"] is None


def test_test_command_on_a_feed_url_served_on_loopback(rules_dir: Path, tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><language>en</language>'
        "<item><title>Kim Jong Un visits a factory</title><link>https://n.example/1</link>"
        "<description>&lt;a href=\"https://n.example/kim-jong-un\"&gt;link&lt;/a&gt; report</description></item>"
        "<item><title>Football</title><link>https://n.example/2</link></item>"
        "</channel></rss>", encoding="utf-8")
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
        code, out, err = run("rules", "test", "--rules", str(rules_dir), "--json", url)
    finally:
        server.shutdown()
        server.server_close()
    assert code == 0, err
    objs = [json.loads(line) for line in out.splitlines()]
    assert [o["title"] for o in objs] == ["Kim Jong Un visits a factory", "Football"]
    assert [[s["field"] for s in m["spans"]] for m in objs[0]["matches"]] == [["title"]]  # not the link
    assert objs[1]["matches"] == []


def test_test_command_reports_a_bad_input_and_goes_on(rules_dir: Path, tmp_path: Path) -> None:
    good = tmp_path / "a.txt"
    good.write_text("Kim Jong Un\n", encoding="utf-8")
    code, out, err = run("rules", "test", "--rules", str(rules_dir), str(tmp_path / "missing.txt"), str(good))
    assert code == 1
    assert "missing.txt: no such file, folder or URL" in err
    assert "kju" in out


def test_test_command_on_the_seed_article() -> None:
    seed = CORPUS / "seed-article-fr.txt"
    if not seed.is_file():
        pytest.skip("corpus absent: ../shared/corpus beside the repository")
    code, out, err = run("rules", "test", "--rules", str(REPO / "rules"), "--json", str(seed))
    assert code == 0, err
    rules = {m["rule"] for m in json.loads(out)["matches"]}
    assert {"kim-jong-un", "kursk-north-korea", "nk-troops-russia"} <= rules


def test_published_schema_is_up_to_date() -> None:
    committed = (REPO / "rules" / "schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "run: vigie rules schema -o rules/schema.json"
    code, out, _ = run("rules", "schema")
    assert code == 0 and out == committed


def rules_reference() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- rules-reference:start -->(.*)<!-- rules-reference:end -->", readme, re.S)
    assert m, "README.md lacks the rules-reference markers"
    return m.group(1)


@pytest.mark.parametrize("key", sorted(schema_keys()))
def test_every_schema_key_is_documented_in_the_readme(key: str) -> None:
    assert f"`{key}" in rules_reference(), f"README rule reference does not document `{key}`"


@pytest.mark.parametrize("op", ["AND", "OR", "NOT", "-a", "NEAR/n", "ONEAR/n", "title:", "summary:", "body:", "site:", "source:", "lang:", "deploy*", "@entity-id", "#term-id", '"a phrase"'])
def test_every_query_operator_is_documented_in_the_readme(op: str) -> None:
    assert op in rules_reference()


def test_check_takes_the_rule_paths_from_the_configuration(rules_dir: Path, tmp_path: Path) -> None:
    (rules_dir / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    config = tmp_path / "vigie.yaml"
    config.write_text("rules: [rules/good.yaml]\n", encoding="utf-8")
    assert run("rules", "check", "--config", str(config))[0] == 0
    config.write_text("rules: [rules]\n", encoding="utf-8")
    assert run("rules", "check", "--config", str(config))[0] == 1
    code, _, err = run("rules", "check", "--config", str(tmp_path / "nope.yaml"))
    assert code == 2 and "no such configuration file" in err


@pytest.mark.parametrize(
    "doc, valid",
    [
        ({"rules": [{"id": "a", "query": "x"}]}, True),
        ({"rules": [{"id": "a", "match": {"all": [{"entity": "k"}, {"near": [{"text": "a"}, {"term": "t"}], "distance": 3}]}}]}, True),
        ({"rules": [{"id": "a", "query": "x", "severty": "high"}]}, False),  # unknown key
        ({"rules": [{"id": "a", "query": "x", "severity": "urgent"}]}, False),
        ({"entities": {"k": {"name": "K"}}}, False),  # variants missing
        ({"rules": [{"id": "a", "match": {"near": [{"text": "a"}]}}]}, False),  # near needs two items
    ],
)
def test_the_published_schema_checks_files_as_editors_will(doc: dict, valid: bool) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((REPO / "rules" / "schema.json").read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
    assert (not errors) is valid, [e.message for e in errors]


def test_the_seed_file_is_valid_against_the_published_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from vigie.common.yamlsrc import load_yaml, plain

    schema = json.loads((REPO / "rules" / "schema.json").read_text(encoding="utf-8"))
    doc = plain(load_yaml(REPO / "rules" / "north-korea-russia.yaml").data)
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(doc)) == []


NOTIFY_RULES = """\
entities:
  kju: {name: Kim Jong Un, variants: [Kim Jong Un]}
rules:
  - {id: typo, query: '@kju', notify: [korea-dsk]}
  - {id: half, query: '@kju', notify: [ops, nobody]}
  - {id: fine, query: '@kju', notify: [ops]}
  - {id: all, query: '@kju'}
"""


def test_check_warns_of_notify_tags_no_configured_target_has(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_text(NOTIFY_RULES, encoding="utf-8")
    config = tmp_path / "vigie.yaml"
    config.write_text("rules: [r.yaml]\ntargets:\n  - name: desk\n    url: mailto://a@example.com\n    tags: [korea-desk, ops]\n",
                      encoding="utf-8")
    code, out, err = run("rules", "check", "--config", str(config))
    rules = tmp_path / "r.yaml"
    assert code == 0  # a warning, not an error: the rules still load and run
    assert err.splitlines() == [
        f"{rules}:4:5: warning: rule 'typo': no target has the notify tag 'korea-dsk' (did you mean 'korea-desk'?); "
        "its alerts go to every target",
        f"{rules}:5:5: warning: rule 'half': no target has the notify tag 'nobody'",
    ]
    assert "4 valid rule(s), 0 error(s) in 0 file(s), 2 warning(s)" in out
    # Rule files named alone, with no configuration given: no targets to check the tags against.
    code, out, err = run("rules", "check", str(rules))
    assert (code, err) == (0, "")
    # A target without tags takes what no tagged target does: the warning says so.
    config.write_text("rules: [r.yaml]\ntargets:\n  - name: console\n    url: vigie://\n", encoding="utf-8")
    err = run("rules", "check", "--config", str(config))[2]
    assert "rule 'typo': no target has the notify tag 'korea-dsk'; only targets without tags get its alerts" in err


@pytest.mark.parametrize("words", [["rules", "check"], ["rules", "test", "article.txt"]])
def test_in_a_folder_without_rules_or_configuration_the_error_says_what_to_do(tmp_path: Path, words: list[str],
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("VIGIE_CONFIG", raising=False)
    (tmp_path / "article.txt").write_text("Kim Jong Un\n\nA text.\n", encoding="utf-8")
    result = runner.invoke(app, words)
    assert result.exit_code == 2, result.output
    assert "rules:1:1" not in result.output
    assert f"error: no rules to read: {tmp_path} has no rules/ folder and no vigie.yaml" in " ".join(result.output.split())
    assert "vigie init" in result.output
