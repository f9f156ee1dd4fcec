"""vigie.yaml loading: valid files load with absolute paths; every mistake is one clear error."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from vigie.config import load_config
from vigie.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "vigie.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_demo_config_loads(repo: Path) -> None:
    cfg = load_config(repo / "vigie.yaml")
    assert cfg.data_dir == repo / ".vigie"
    assert cfg.store_url == f"sqlite:///{repo / '.vigie' / 'vigie.db'}"
    assert [s.kind.value for s in cfg.source_objects()].count("folder") == 1
    assert all(Path(s.location).exists() for s in cfg.source_objects())
    assert cfg.targets[0].url.get_secret_value() == "vigie://"


def test_paths_resolve_against_the_file_not_the_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "data_dir: state\nrules: my-rules\nsources:\n  - url: feeds/a.xml\n  - url: https://example.org/rss\n  - folder: inbox\n")
    monkeypatch.chdir("/")
    cfg = load_config(path)
    assert cfg.data_dir == tmp_path / "state"
    assert cfg.rules == (tmp_path / "my-rules",)
    assert [s.location for s in cfg.source_objects()] == [str(tmp_path / "feeds/a.xml"), "https://example.org/rss", str(tmp_path / "inbox")]


def test_env_references_expand_and_secrets_stay_hidden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIE_TEST_TOKEN", "s3cr3t")
    cfg = load_config(write(tmp_path, "targets:\n  - name: slack\n    url: slack://${VIGIE_TEST_TOKEN}/x/y\n    tags: [urgent]\n"))
    target = cfg.targets[0]
    assert target.url.get_secret_value() == "slack://s3cr3t/x/y"
    assert target.display_url == "slack://${VIGIE_TEST_TOKEN}/x/y"
    assert "s3cr3t" not in repr(cfg) and "s3cr3t" not in str(target)


def test_durations_and_schedule(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, "schedule:\n  cron: '0 7 * * *'\n  timezone: Europe/Paris\nnovelty:\n  story_window: 3d\nretention: 30d\n"))
    assert cfg.schedule.cron == "0 7 * * *" and cfg.schedule.interval is None
    assert cfg.novelty.story_window == timedelta(days=3)
    assert cfg.retention == timedelta(days=30)
    assert cfg.alert_retention == timedelta(days=365)  # the default: a year
    assert load_config(write(tmp_path, "alert_retention: 730d\n")).alert_retention == timedelta(days=730)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sorces: []\n", "vigie.yaml:1: sorces: unknown key (did you mean 'sources'?)"),
        ("sources:\n  - url: a.xml\n    lang: fr\n", "vigie.yaml:3: sources.0.lang: unknown key"),
        ("targets:\n  - name: a\n    url: mailto://a@example.com\n    tag: [ops]\n",
         "vigie.yaml:4: targets.0.tag: unknown key (did you mean 'tags'?)"),
        ("sources:\n  - name: x\n", "vigie.yaml:2: sources.0: give exactly one of 'url' (a feed) or 'folder' (article files)"),
        ("schedule:\n  interval: soon\n", "vigie.yaml:2: schedule.interval: not a duration: 'soon'"),
        ("schedule:\n  interval: 5m\n  cron: '* * * * *'\n", "vigie.yaml:1: schedule: give 'interval' or 'cron', not both"),
        ("timezone: Mars/Olympus\n", "vigie.yaml:1: timezone: unknown time zone 'Mars/Olympus'"),
        ("fetch:\n  timeout: forever\n", "vigie.yaml:2: fetch.timeout: Input should be a valid number"),
        ("targets:\n  - name: a\n    url: mailto://${VIGIE_SURELY_UNSET_VAR}@x\n", "vigie.yaml:3: targets.0.url: environment variable ${VIGIE_SURELY_UNSET_VAR} is not set"),
        ("alert_retention: 12h\n", "vigie.yaml:1: alert_retention: must be at least 1d"),
        ("sources: [\n", "vigie.yaml:2: invalid YAML"),
        ("- just\n- a list\n", "vigie.yaml:1: expected a mapping of settings at the top level"),
    ],
)
def test_each_mistake_is_one_clear_error(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    message = str(info.value)
    assert message.replace(str(tmp_path) + "/", "").startswith(expected), message


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="nope.yaml: no such configuration file"):
        load_config(tmp_path / "nope.yaml")


def test_a_target_url_is_masked_by_apprise_only_when_shown(tmp_path: Path) -> None:
    # Loading apprise's plugins costs 0.3 CPU-s: a run that sends nothing must not pay it to mask a URL.
    path = write(tmp_path, "targets:\n  - name: mail\n    url: mailtos://bob:pw-secret@example.org?to=a@example.org\n")
    code = ("import sys; from pathlib import Path; from vigie.config import load_config; "
            f"c = load_config(Path({str(path)!r})); print('apprise' in sys.modules); print(c.targets[0].shown_url)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded, shown = done.stdout.splitlines()
    assert loaded == "False"
    assert shown.startswith("mailtos://bob:") and "example.org" in shown and "pw-secret" not in shown


def test_apprise_config_file_adds_targets_with_their_tags_and_hidden_secrets(tmp_path: Path) -> None:
    (tmp_path / "notify.yml").write_text(
        "urls:\n  - mailto://user:pw-secret@example.org?to=a@example.org:\n      - tag: daily, ops\n"
        "  - slack://T1/B1/TOKENSECRET:\n      - tag: urgent\n", encoding="utf-8")
    cfg = load_config(write(tmp_path, "apprise_config: notify.yml\ntargets:\n  - name: console\n    url: vigie://\n"))
    assert [(t.name, t.tags) for t in cfg.targets] == [("console", ()), ("notify-1", ("daily", "ops")), ("notify-2", ("urgent",))]
    assert "pw-secret" in cfg.targets[1].url.get_secret_value()
    assert all("secret" not in t.shown_url.lower() for t in cfg.targets)


@pytest.mark.parametrize(
    ("files", "text", "expected"),
    [
        ({}, "apprise_config: nope.yml\n", "vigie.yaml:1: apprise_config: no such apprise configuration file"),
        ({"empty.yml": "urls: []\n"}, "apprise_config: empty.yml\n", "vigie.yaml:1: apprise_config: empty.yml: no notification URL could be read"),
        ({}, "targets:\n  - name: a\n    url: vigie://\n  - name: a\n    url: json://localhost\n",
         "vigie.yaml:1: targets: target names must be unique; repeated: a"),
    ],
)
def test_target_mistakes(tmp_path: Path, files: dict[str, str], text: str, expected: str) -> None:
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert str(info.value).replace(str(tmp_path) + "/", "").startswith(expected), str(info.value)


def test_a_feed_url_secret_never_becomes_the_sources_id_or_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIE_TEST_FEED_KEY", "k3y-s3cret")
    cfg = load_config(write(tmp_path, "sources:\n  - url: https://api.example.org/rss?key=${VIGIE_TEST_FEED_KEY}\n"
                                      "  - url: https://bob:pa55word@feeds.example.org/private.xml\n"))
    keyed, userinfo = cfg.source_objects()
    assert keyed.location == "https://api.example.org/rss?key=k3y-s3cret"  # what is fetched
    assert keyed.id == keyed.name == "https://api.example.org/rss?key=${VIGIE_TEST_FEED_KEY}"  # what is stored and shown
    assert userinfo.location.endswith("bob:pa55word@feeds.example.org/private.xml")
    assert userinfo.id == "https://bob:****@feeds.example.org/private.xml"


@pytest.mark.parametrize(
    ("text", "interval", "cron"),
    [
        ("", timedelta(minutes=15), None),
        ("schedule:\n  timezone: Europe/Paris\n", timedelta(minutes=15), None),  # only the zone: the default interval
        ("schedule:\n  interval: 1h30m\n", timedelta(hours=1, minutes=30), None),
        ("schedule:\n  cron: '0 7 * * *'\n  timezone: Europe/Paris\n", None, "0 7 * * *"),
    ],
)
def test_schedule_becomes_a_prefect_schedule(tmp_path: Path, text: str, interval: timedelta | None, cron: str | None) -> None:
    schedule = load_config(write(tmp_path, text)).schedule
    assert (schedule.interval, schedule.cron) == (interval, cron)
    from vigie.runtime.schedule import prefect_schedule

    trigger = prefect_schedule(schedule)
    if cron is None:
        assert trigger.interval == interval
        # Anchored at a fixed point, not at the moment it is built: a restart keeps the same slots.
        assert trigger.anchor_date is not None and trigger.anchor_date.replace(tzinfo=None) == datetime(2000, 1, 1)
        assert prefect_schedule(schedule).anchor_date == trigger.anchor_date
    else:
        assert trigger.cron == cron and trigger.timezone == "Europe/Paris"


@pytest.mark.parametrize(("text", "shown"), [
    ("", "every 15m (UTC)"),
    ("schedule:\n  interval: 90m\n  timezone: Europe/Paris\n", "every 1h30m (Europe/Paris)"),
    ("schedule:\n  interval: 2d\n", "every 2d (UTC)"),
    ("schedule:\n  interval: 90s\n", "every 1m30s (UTC)"),
    ("schedule:\n  cron: '0 7 * * *'\n", "cron 0 7 * * * (UTC)"),
])
def test_a_schedule_is_shown_as_people_write_it(tmp_path: Path, text: str, shown: str) -> None:
    assert load_config(write(tmp_path, text)).schedule.describe() == shown


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgres://x", "store: postgres:// is not a database SQLAlchemy knows; PostgreSQL is written postgresql+psycopg://"),
        ("postgresql://u@x/db", "store: postgresql:// needs the Python driver psycopg2, which is not installed; write postgresql+psycopg://"),
        ("sqlite://vigie.db", "store: 'sqlite://vigie.db': an SQLite URL has three slashes before a path"),
        ("not a url", "store: 'not a url' is not a database URL; write sqlite:///"),
        ("http://example.org/db", "store: http:// is not a database SQLAlchemy knows; write sqlite:///"),
    ],
)
def test_a_malformed_store_url_is_refused_when_the_configuration_loads(tmp_path: Path, url: str, says: str) -> None:
    from typer.testing import CliRunner

    from vigie.cli.main import app

    cfg = tmp_path / "vigie.yaml"
    cfg.write_text(f"data_dir: state\nstore: '{url}'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(cfg)
    assert f"{cfg}:2: {says}" in str(caught.value)
    result = CliRunner().invoke(app, ["config", "-c", str(cfg)])  # vigie config says so, not the first run
    assert result.exit_code == 2 and says in result.output
    assert not (tmp_path / "state").exists()  # refused before anything was opened


@pytest.mark.parametrize("url", ["sqlite:///state/v.db", "sqlite://", "postgresql+psycopg://vigie:pw@db.example.org/vigie"])
def test_a_well_formed_store_url_passes_without_connecting(tmp_path: Path, url: str) -> None:
    cfg = tmp_path / "vigie.yaml"
    cfg.write_text(f"store: '{url}'\n", encoding="utf-8")
    assert load_config(cfg).store is not None


def test_timeouts_have_defaults_and_take_durations(tmp_path: Path) -> None:
    defaults = load_config(write(tmp_path, "")).timeouts
    assert (defaults.run, defaults.stage) == (timedelta(minutes=30), timedelta(minutes=15))
    given = load_config(write(tmp_path, "timeouts:\n  run: 10m\n  stage: 90s\n")).timeouts
    assert (given.run, given.stage) == (timedelta(minutes=10), timedelta(seconds=90))
    with pytest.raises(ConfigError, match="timeouts.run"):
        load_config(write(tmp_path, "timeouts:\n  run: 0s\n"))
