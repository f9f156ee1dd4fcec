"""A store filled by a real run over the demo feeds, for the web tests: built once per test module
(a run takes seconds), then copied for each test that changes it (rule files, deliveries)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from tests.test_backtest import demo_store
from vigie.config import Config, load_config
from vigie.store.db import connect


@dataclass
class Demo:
    root: Path
    config_path: Path
    config: Config
    engine: Engine

    @property
    def rule_file(self) -> Path:
        return self.root / "rules" / "north-korea-russia.yaml"

    @property
    def rule_name(self) -> str:
        """The rule file as the pages name it (as the configuration's rules folder lists it)."""
        return str(Path(self.config.rules[0]) / "north-korea-russia.yaml")


def build_demo(root: Path) -> Demo:
    root.mkdir(parents=True, exist_ok=True)
    path, cfg, engine = demo_store(root, f"sqlite:///{root / 'state' / 'vigie.db'}")
    engine.dispose()
    return open_demo(root)


def open_demo(root: Path) -> Demo:
    cfg = load_config(root / "vigie.yaml")
    return Demo(root, root / "vigie.yaml", cfg, connect(cfg.store_url))


def copy_demo(demo: Demo, root: Path) -> Demo:
    """A copy of ``demo`` of its own under ``root`` (its store, rules and configuration)."""
    demo.engine.dispose()
    shutil.copytree(demo.root, root)
    text = (root / "vigie.yaml").read_text(encoding="utf-8").replace(str(demo.root), str(root))
    (root / "vigie.yaml").write_text(text, encoding="utf-8")
    return open_demo(root)
