"""The rule editor's work, without the web around it: which files may be edited, what a text checks to,
what it would have caught, and writing it back.

Only the rule files of the configuration (``rules:``, folders expanded as ``vigie rules check`` does)
can be opened or saved: a file is looked up by the exact name the listing gave it, never joined from
what a request says, and its real location must lie inside one of the configured rule paths
(a symlink leading out is refused). Saving writes the analyst's own text, comments and all, through
a temporary file in the same folder and a rename, so a run reading the file sees the old text or the
new one, never half of it; and only a text that checks clean is written.

May import: vigie.common, vigie.models, vigie.config, vigie.errors, vigie.rules, vigie.runtime, vigie.store.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import Engine

from vigie.config import Config
from vigie.errors import RuleError
from vigie.rules import RuleSet, load_rules
from vigie.rules.loader import MAX_RULE_FILE_BYTES, load_file, rule_files
from vigie.runtime.backtest import BacktestReport, backtest

# The editor replays the rules over this much of the archive on each keystroke pause: enough to see what a
# change catches, short enough to answer while the analyst types.
PREVIEW_WINDOW = timedelta(days=30)


def editable_files(config: Config) -> dict[str, Path]:
    """The configured rule files by the name pages show them under (as ``vigie rules check`` lists them)."""
    roots = [Path(p).resolve() for p in config.rules]
    out = {}
    for name in rule_files(list(config.rules)).files:
        real = Path(name).resolve()
        if any(real == root or real.is_relative_to(root) for root in roots):
            out[name] = real
    return out


def lookup(config: Config, name: str) -> Path | None:
    """The file a page named, or None when it is not one of the configured rule files."""
    return editable_files(config).get(name)


def check_text(config: Config, name: str, text: str) -> tuple[RuleSet, list[RuleError]]:
    """The rules of ``text`` shown as file ``name``, and every problem: its own, and rule ids that
    another configured file already defines (a run would skip one of the two files)."""
    if len(text.encode("utf-8")) > MAX_RULE_FILE_BYTES:
        return RuleSet(files=[name]), [RuleError(name, 1, 1, f"larger than {MAX_RULE_FILE_BYTES // 1024} KB")]
    loaded = load_file(Path(name), text=text)
    errors = list(loaded.errors)
    others = load_rules([f for f in editable_files(config) if f != name])
    elsewhere = {lr.id: f"{lr.path}:{lr.line}:{lr.col}" for lr in others.rules}
    for lr in loaded.rules:
        if lr.id in elsewhere:
            errors.append(RuleError(name, lr.line, lr.col, f"duplicate rule id {lr.id!r} (first defined at {elsewhere[lr.id]})"))
    return loaded, sorted(errors, key=lambda e: (e.line, e.col))


def preview(engine: Engine, config: Config, name: str, tested: RuleSet, *, samples: int = 5,
            window: timedelta | None = PREVIEW_WINDOW) -> BacktestReport:
    """What ``tested`` (the edited file's rules) would have caught over the recent archive, against the
    file as saved (gained and lost articles)."""
    path = lookup(config, name)
    current = load_file(path) if path is not None else None
    since = datetime.now(timezone.utc) - window if window is not None else None
    return backtest(engine, tested, config, since=since, current=current, samples=samples, workers=1)


@dataclass(frozen=True)
class Saved:
    path: Path
    errors: tuple[RuleError, ...]  # empty: written

    @property
    def ok(self) -> bool:
        return not self.errors


def version(text: str) -> str:
    """A short fingerprint of a rule file's text: the editor sends back the one it opened."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def save(config: Config, name: str, text: str, opened: str | None = None) -> Saved | None:
    """Write ``text`` over rule file ``name`` when it checks clean and, given ``opened`` (the
    ``version`` of the text the editor opened), when nobody changed the file since (None: no such rule file)."""
    path = lookup(config, name)
    if path is None:
        return None
    if opened is not None and version(path.read_text(encoding="utf-8")) != opened:
        return Saved(path, (RuleError(name, 1, 1, "the file changed on disk since the editor opened it: "
                                                 "copy your text, reload the page and apply it again"),))
    _, errors = check_text(config, name, text)
    if errors:
        return Saved(path, tuple(errors))
    write_atomically(path, text)
    return Saved(path, ())


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path``'s content with ``text`` by a rename (its permission bits kept)."""
    mode = path.stat().st_mode & 0o777
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
