"""`vigie web` in a real browser: Debian's headless Chromium driven by Selenium through Debian's
chromedriver (nothing is downloaded: both paths are given and Selenium Manager is kept offline).

On a store filled by a real run over the demo feeds, it opens every page, retries a failed alert,
edits a rule in the editor (an error appears, then goes; the backtest changes), saves, checks the
file on disk, and checks that the next run uses the saved rule. With VIGIE_SCREENSHOTS=1 it saves a
screenshot of each page into docs/screenshots/ (the README shows them).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from sqlalchemy import select, update

from vigie.config import Config, load_config
from vigie.runtime.cycle import run_cycle
from vigie.store import schema as t
from vigie.store.db import connect

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SHOTS = REPO / "docs" / "screenshots"
OLD_QUERY = "query: '@kursk AND (@north-korea OR @kim-jong-un OR title:@kursk)'"
NEW_QUERY = "query: '@russia AND NOT @kursk'"

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip("needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver; .ci/run installs them)",
                allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (pip install -e '.[test]')")


def demo_here(root: Path) -> tuple[Config, Path]:
    """The demo (configuration, feeds, inbox, rules) copied under ``root`` and run once."""
    for part in ("demo", "rules"):
        shutil.copytree(REPO / part, root / part)
    text = (REPO / "vigie.yaml").read_text(encoding="utf-8").replace("data_dir: .vigie", "data_dir: state")
    (root / "vigie.yaml").write_text(text, encoding="utf-8")
    cfg = load_config(root / "vigie.yaml")
    engine = connect(cfg.store_url)
    assert run_cycle(cfg, engine, datetime.now(timezone.utc)).alerts_recorded > 0
    with engine.begin() as conn:  # one delivery failed, for the alerts page to show its reason and a retry button
        first = conn.execute(select(t.alerts.c.id).order_by(t.alerts.c.id)).scalars().first()
        conn.execute(update(t.deliveries).where(t.deliveries.c.alert_id == first)
                     .values(status="failed", attempts=3, last_error="console: target unreachable (connection refused)"))
    engine.dispose()
    return cfg, root / "rules" / "north-korea-russia.yaml"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Config, Path]]:
    import uvicorn

    from vigie.web.app import create_app

    cfg, rule_file = demo_here(tmp_path / "demo")
    engine = connect(cfg.store_url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(cfg, engine), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "vigie web did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", cfg, rule_file
    server.should_exit = True
    thread.join(10)
    engine.dispose()


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not fetch a browser or a driver
    options = Options()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000",
                "--no-first-run", "--disable-extensions", "--disable-background-networking", "--lang=en"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def shot(driver: Any, name: str) -> None:
    """A screenshot of the whole page for the README, when VIGIE_SCREENSHOTS=1."""
    if os.environ.get("VIGIE_SCREENSHOTS") != "1":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return Math.min(document.documentElement.scrollHeight, 1800)")
    driver.set_window_size(1400, max(700, height))
    driver.save_screenshot(str(SHOTS / f"{name}.png"))
    driver.set_window_size(1400, 1000)


def wait_for(what: Callable[[], Any], timeout: float = 60, message: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            got = what()
        except Exception:  # noqa: BLE001 - the element may be swapped out while we read it
            got = None
        if got:
            return got
        assert time.monotonic() < deadline, f"timed out waiting: {message}"
        time.sleep(0.1)


def type_into(driver: Any, text: str, at: int) -> int:
    """Make the editor hold ``text`` as typing would: all of it but the character at ``at`` set at
    once, then that one typed for real at the caret. Returns the number of the last check answered."""
    from selenium.webdriver.common.by import By

    area = driver.find_element(By.ID, "rule-text")
    answered = int(driver.find_element(By.TAG_NAME, "body").get_attribute("data-checked") or 0)
    driver.execute_script("arguments[0].value = arguments[1]; arguments[0].focus(); arguments[0].setSelectionRange(arguments[2], arguments[2]);",
                          area, text[:at] + text[at + 1:], at)
    area.send_keys(text[at])
    return answered


def test_every_page_and_the_rule_editor_in_a_browser(served: tuple[str, Config, Path], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    base, cfg, rule_file = served
    driver = browser
    engine = connect(cfg.store_url)
    with engine.connect() as conn:
        stories = conn.execute(select(t.stories.c.id, t.stories.c.title).order_by(t.stories.c.id)).all()

    driver.get(base + "/")
    titles = [a.text for a in driver.find_elements(By.CSS_SELECTOR, ".story a.title")]
    assert {s.title for s in stories} <= set(titles) | {s.title for s in stories if len(s.title) > 200}
    shot(driver, "stories")

    richest = max(stories, key=lambda s: len(driver.find_elements(By.CSS_SELECTOR, f'a[href="/stories/{s.id}"]')))
    driver.find_element(By.CSS_SELECTOR, f'a.title[href="/stories/{richest.id}"]').click()
    wait_for(lambda: driver.find_element(By.TAG_NAME, "h1").text == richest.title, message="the story page")
    assert driver.find_elements(By.CSS_SELECTOR, ".steps .mark.new")
    shot(driver, "story")

    driver.get(base + "/alerts")
    assert "target unreachable (connection refused)" in driver.find_element(By.CSS_SELECTOR, ".why").text
    shot(driver, "alerts")
    driver.find_element(By.XPATH, "//button[text()='Retry']").click()
    wait_for(lambda: "back to pending" in driver.find_element(By.CSS_SELECTOR, ".notice").text, message="the retry")
    assert not driver.find_elements(By.XPATH, "//button[text()='Retry']")

    driver.get(base + "/feeds")
    assert {"NYT World", "Inbox"} <= {b.text for b in driver.find_elements(By.CSS_SELECTOR, "td b")}
    shot(driver, "feeds")

    driver.get(base + "/rules")
    assert "rules/north-korea-russia.yaml" in driver.find_element(By.CSS_SELECTOR, ".rulefile h2").text
    shot(driver, "rules")

    driver.find_element(By.LINK_TEXT, "Edit").click()
    original = rule_file.read_text(encoding="utf-8")
    wait_for(lambda: driver.find_element(By.ID, "backtest"), message="the first backtest")

    def kursk_block() -> str:
        return str(driver.find_element(By.CSS_SELECTOR, '.rule-result[data-rule="kursk-north-korea"]').text)

    before = kursk_block()
    matched_before = int(re.search(r"(\d+) articles? matched", before).group(1))  # type: ignore[union-attr]

    def answered(after: int) -> Callable[[], bool]:
        return lambda: int(driver.find_element(By.TAG_NAME, "body").get_attribute("data-checked") or 0) > after

    # An error appears: an unknown severity, named by line and column.
    broken = original.replace("severity: high", "severity: urgent", 1)
    asked = type_into(driver, broken, broken.index("urgent") + 5)
    wait_for(answered(asked), message="the check of the broken text")
    problems = wait_for(lambda: driver.find_element(By.ID, "problems"), message="the problems")
    line = original[: original.index("severity: high")].count("\n") + 1
    assert f"{line}:" in problems.text and "severity" in problems.text
    assert not driver.find_elements(By.ID, "backtest")
    shot(driver, "editor-problem")

    # ... and goes; the backtest changes with the query.
    changed = original.replace(OLD_QUERY, NEW_QUERY)
    asked = type_into(driver, changed, changed.index(NEW_QUERY) + len(NEW_QUERY) - 1)
    wait_for(answered(asked), message="the check of the changed rule")
    wait_for(lambda: driver.find_element(By.ID, "backtest"), message="the backtest again")
    assert not driver.find_elements(By.ID, "problems")
    after = kursk_block()
    assert after != before and "against the saved file" in after
    gained, lost = (int(x) for x in re.search(r"\+(\d+) gained\s+−(\d+) lost", after).groups())  # type: ignore[union-attr]
    assert gained > 0 and lost == matched_before
    assert driver.find_elements(By.CSS_SELECTOR, '.rule-result[data-rule="kursk-north-korea"] mark')
    shot(driver, "editor")

    driver.find_element(By.ID, "save").click()
    wait_for(lambda: driver.find_element(By.ID, "saved"), message="the saved notice")
    assert rule_file.read_text(encoding="utf-8") == changed  # the analyst's text, comments kept
    assert "# Seed rules of vigie" in rule_file.read_text(encoding="utf-8")

    # The next run uses the saved rule: on a fresh store, the Kursk rule now matches what the backtest gained.
    fresh = load_config(cfg.path)
    fresh_engine = connect(f"sqlite:///{Path(cfg.path).parent / 'state' / 'next.db'}")
    run_cycle(fresh, fresh_engine, datetime.now(timezone.utc))
    with fresh_engine.connect() as conn:
        kursk = conn.execute(select(t.matches.c.article_id).where(t.matches.c.rule_id == "kursk-north-korea")).scalars().all()
    assert len(set(kursk)) == gained + (matched_before - lost)
    fresh_engine.dispose()
    engine.dispose()
