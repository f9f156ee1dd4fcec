"""The YAML of ``vigie.yaml``: libyaml's fast read for a large file, ruamel's careful one for positions.

A configuration of a thousand feeds is about 80 KB: ruamel's round-trip reader, pure Python, takes
half a second or more to read it on every run, for positions only an error needs. As the rule
loader does, a large file is read by :func:`vigie.common.yamlfast.fast_load` (None for anything
it cannot vouch for: anchors, deep nesting, repeated keys, a syntax error), and the careful
reader runs only when a position is asked for (an error to locate) or the fast read gave up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from vigie.common.yamlfast import fast_load
from vigie.common.yamlsrc import MAX_YAML_BYTES, YamlDocument, load_yaml, plain, read_text
from vigie.errors import YamlSyntaxError

FAST_READ_BYTES = 16 * 1024  # below this, ruamel reads the file in a few milliseconds: one reader, the careful one


class FastDocument:
    """A settings file read by libyaml: its data now, the positions of its keys from ruamel on demand."""

    def __init__(self, path: str, text: str, data: Any) -> None:
        self.path = path
        self.text = text
        self.data = data
        self._careful: YamlDocument | None = None

    def plain(self) -> Any:
        """The data as plain dicts and lists, keys as text (what the careful reader's ``plain`` gives)."""
        return plain(self.data, self.path)

    def locate(self, loc: Sequence[str | int]) -> tuple[int, int]:
        """1-based (line, col) of the deepest node of ``loc`` that exists, from the careful reader."""
        if self._careful is None:
            try:
                self._careful = load_yaml(self.path, self.text)
            except YamlSyntaxError as exc:  # a file libyaml read and ruamel refuses: the error's own place
                return exc.line, 1
        return self._careful.locate(loc)


def load_settings(path: str | Path) -> YamlDocument | FastDocument:
    """``path`` read within the careful reader's caps (YamlSyntaxError otherwise); OSError left to the caller."""
    text = read_text(path, MAX_YAML_BYTES)
    if len(text) >= FAST_READ_BYTES:
        got = fast_load(text, "sources")
        if got is not None:
            return FastDocument(str(path), text, got[0])
    return load_yaml(path, text)
