"""The labelled days of the stories benchmark: reading them, and extracting a new one from the corpus.

A day (``bench/stories_labels/days.yaml``) is a window of real RSS items, a rule file and the
labelled entries the rules match (``<name>.jsonl``, see ``bench/stories_labels/GUIDE.md``).
Entries become ``Article`` values through vigie's own ``normalize_entry``, as a feed's entries do,
and are matched by vigie's real matcher.

    python -m bench.stories_days extract NAME   # (re)write NAME.jsonl from the corpus, keeping labels

Extraction keeps the labels already written for an entry (by its link), so re-running it after a
rule change only adds or drops entries; new entries come without a label, to be labelled by hand.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from vigie.models import Article, Entry, Match, RulePolicy

LABELS = Path(__file__).resolve().parent / "stories_labels"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
KINDS = ("new_story", "development", "repeat")
ENTRY_KEYS = ("title", "summary", "url", "published", "source", "publisher", "language")
LABEL_KEYS = ("story", "kind", "fact", "note")


@dataclass(frozen=True)
class LabelledEntry:
    """One matching entry of a day and its label."""

    url: str
    title: str
    summary: str
    published: datetime
    source: str  # the feed URL: one source per feed
    publisher: str
    language: str
    story: str
    kind: str  # new_story | development | repeat
    fact: str = ""  # what a development brings

    def article(self) -> Article:
        """The entry as vigie's normalize stage makes it (identity, clean text, detected language)."""
        from vigie.ingest.normalize import normalize_entry

        entry = Entry(source_id=self.source, guid=None, link=self.url, title=self.title, summary=self.summary, content="",
                      published=self.published, updated=None, language=self.language)
        return normalize_entry(entry, self.published)


@dataclass(frozen=True)
class Day:
    name: str
    start: datetime
    end: datetime
    about: str
    entries: tuple[LabelledEntry, ...]

    @property
    def rules_path(self) -> Path:
        return LABELS / f"{self.name}.rules.yaml"

    @property
    def outlets(self) -> int:
        return len({e.publisher for e in self.entries})

    def labelled_alerts(self) -> int:
        return sum(1 for e in self.entries if e.kind != "repeat")


def utc_time(value: Any) -> datetime:
    d = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return d.astimezone(timezone.utc) if d.tzinfo else d.replace(tzinfo=timezone.utc)


def manifest() -> dict[str, Any]:
    return dict(yaml.safe_load((LABELS / "days.yaml").read_text(encoding="utf-8")))


def load_days(names: list[str] | None = None) -> list[Day]:
    """The labelled days (all, or those named), each with its entries in publication order."""
    out = []
    for d in manifest()["days"]:
        if names and d["name"] not in names:
            continue
        path = LABELS / f"{d['name']}.jsonl"
        entries = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            item = json.loads(line)
            if item.get("kind") not in KINDS or not item.get("story"):
                raise ValueError(f"{path}:{n}: entry without a valid label (story, kind in {KINDS}): {item.get('title')!r}")
            entries.append(LabelledEntry(
                url=item["url"], title=item["title"], summary=item["summary"], published=utc_time(item["published"]),
                source=item["source"], publisher=item["publisher"], language=item["language"], story=item["story"],
                kind=item["kind"], fact=item.get("fact") or "",
            ))
        out.append(Day(d["name"], utc_time(d["start"]), utc_time(d["end"]), d.get("about", ""),
                       tuple(sorted(entries, key=lambda e: (e.published, e.url)))))
    return out


def matcher_of(rules_path: Path) -> tuple[Any, dict[str, RulePolicy]]:
    """The compiled rules of a day's rule file and their policies (a broken file is an error)."""
    from vigie.rules import compile_rules, load_rules

    loaded = load_rules([rules_path])
    if loaded.errors:
        raise ValueError(f"{rules_path}: {loaded.errors[0]}")
    return compile_rules(loaded), loaded.policies()


def match_all(matcher: Any, articles: list[Article]) -> list[Match]:
    return [m for a in articles for m in matcher.match(a)]


def extract(name: str) -> int:
    """Write ``<name>.jsonl`` from the corpus: the window's items the rules match, keeping known labels."""
    spec = next(d for d in manifest()["days"] if d["name"] == name)
    start, end = utc_time(spec["start"]), utc_time(spec["end"])
    path = LABELS / f"{name}.jsonl"
    old = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                old[item["url"]] = {k: item[k] for k in LABEL_KEYS if item.get(k)}
    matcher, _ = matcher_of(LABELS / f"{name}.rules.yaml")
    rows = []
    with (CORPUS / manifest()["corpus"]).open(encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            published = utc_time(item["date_published"])
            if not start <= published < end:
                continue
            e = LabelledEntry(url=item["url"], title=item["title"], summary=item.get("description") or "",
                              published=published, source=item["feed_url"], publisher=item["publisher"],
                              language=item.get("language") or "en", story="", kind="")
            if matcher.match(e.article()):
                rows.append({"title": e.title, "summary": e.summary, "url": e.url,
                             "published": published.isoformat().replace("+00:00", "Z"), "source": e.source,
                             "publisher": e.publisher, "language": e.language, **old.get(e.url, {})})
    rows.sort(key=lambda r: (r["published"], r["url"]))
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return len(rows)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "extract":
        sys.exit("usage: python -m bench.stories_days extract NAME")
    print(f"{extract(sys.argv[2])} entries")
