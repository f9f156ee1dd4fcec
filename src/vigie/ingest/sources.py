"""Sources named on the command line (``vigie feeds check``, ``vigie rules test``).

A URL or a file is a feed; a directory stands for every file under it, none skipped
silently: its article files (.txt, .md, .html) together as one folder source, every
other file as a feed. Configured sources come from ``Config.source_objects``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from vigie.ingest.local import ARTICLE_SUFFIXES  # suffix -> content type of article files
from vigie.models import Source, SourceKind


def files_under(root: Path) -> list[Path]:
    """Every file under ``root`` in a stable order, hidden files and folders left out."""
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts))


def sources_from_paths(targets: Iterable[str], *, skip_suffixes: frozenset[str] = frozenset()) -> list[Source]:
    """Sources for command-line targets; files whose suffix is in ``skip_suffixes`` are left to the caller."""
    out: list[Source] = []
    for target in targets:
        path = Path(target).expanduser()
        if "://" not in target and path.is_dir():
            files = [p for p in files_under(path) if p.suffix.lower() not in skip_suffixes]
            if any(p.suffix.lower() in ARTICLE_SUFFIXES for p in files):
                root = str(path.resolve())
                out.append(Source(id=root, kind=SourceKind.FOLDER, location=root, name=root))
            out += [Source(id=str(p), kind=SourceKind.FEED, location=str(p), name=str(p))
                    for p in files if p.suffix.lower() not in ARTICLE_SUFFIXES]
        else:
            loc = target if "://" in target else str(path.resolve())
            out.append(Source(id=loc, kind=SourceKind.FEED, location=loc, name=target))
    return out
