"""A large vigie.yaml read by libyaml: the same settings as ruamel's careful read, and errors still located."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigie.common.settings_file import FAST_READ_BYTES, FastDocument, load_settings
from vigie.common.yamlsrc import YamlDocument, load_yaml
from vigie.config import load_config
from vigie.errors import ConfigError


def _big_config(tmp_path: Path, extra: str = "", feeds: int = 400) -> Path:
    sources = "".join(f"  - url: https://example.org/feed/{i}.xml  # publisher {i}\n    name: Feed {i}\n"
                      f"    language: {'no' if i % 2 else 'fr'}\n" for i in range(feeds))
    path = tmp_path / "vigie.yaml"
    path.write_text("data_dir: state\nfetch:\n  timeout: 20\n  max_connections: 0x10\n" + extra + f"sources:\n{sources}",
                    encoding="utf-8")
    assert path.stat().st_size >= FAST_READ_BYTES
    return path


def test_a_large_file_is_read_fast_with_the_careful_readers_data(tmp_path: Path) -> None:
    path = _big_config(tmp_path)
    doc = load_settings(path)
    assert isinstance(doc, FastDocument)
    assert doc.plain() == load_yaml(path).plain()  # "no" stays text, 0x10 is 16: YAML 1.2 both ways
    cfg = load_config(path)
    assert len(cfg.sources) == 400 and cfg.sources[1].language == "no" and cfg.fetch.max_connections == 16
    assert doc.locate(("sources", 3, "name")) == (16, 5)  # feed 3 starts on line 15


def test_a_small_file_is_read_by_the_careful_reader(tmp_path: Path) -> None:
    path = tmp_path / "vigie.yaml"
    path.write_text("sources:\n  - url: https://example.org/rss\n", encoding="utf-8")
    assert isinstance(load_settings(path), YamlDocument)


def test_a_mistake_in_a_large_file_is_located(tmp_path: Path) -> None:
    path = _big_config(tmp_path, extra="fetch_typo: 3\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "vigie.yaml:5" in str(info.value) and "unknown key" in str(info.value)


def test_a_large_file_with_anchors_or_repeated_keys_goes_to_the_careful_reader(tmp_path: Path) -> None:
    assert isinstance(load_settings(_big_config(tmp_path, extra="shared: &a [1]\nagain: *a\n")), YamlDocument)
    with pytest.raises(ConfigError) as info:
        load_config(_big_config(tmp_path, extra="data_dir: twice\n"))
    assert "vigie.yaml:" in str(info.value)
