"""The failures of issue 10 as small cases on real entries (``bench/stories_labels/cases.yaml``).

A case is a few entries of a labelled day (by link; or written out in full, with its own
rules, for the English-French pair), the rules that apply, the order they arrive in (default:
one poll per entry, in publication order) and what must come out: which entries share a
story, which alert each entry gets (``new_story``, ``development`` or ``none``), how many
alerts an entry gets at most.

    python -m bench.stories_cases [baseline|vigie]   # which cases each stage fails

Cases of ``check: delivery`` are about what an alert shows (its channels' text, its counts);
they are data for tests of the delivery stage and are not run here.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench import bench_stories as bs
from bench.stories_days import LABELS, LabelledEntry, load_days, match_all, utc_time
from vigie.models import Match, RulePolicy

CASES = LABELS / "cases.yaml"


@dataclass(frozen=True)
class Case:
    id: str
    failure: str
    check: str  # "stories" (run here) or "delivery"
    entries: tuple[LabelledEntry, ...]  # in publication order
    rules_text: str
    rules: tuple[str, ...]  # the rule ids that apply (all of the file's when empty)
    arrival: tuple[tuple[str, ...], ...]  # polls of entry urls
    expect: dict[str, Any]


def _entry(item: dict[str, Any], known: dict[str, LabelledEntry]) -> LabelledEntry:
    if "title" not in item or item["url"] in known:
        return known[item["url"]]
    return LabelledEntry(url=item["url"], title=item["title"], summary=item.get("summary", ""), published=utc_time(item["published"]),
                         source=item["source"], publisher=item.get("publisher", item["source"]), language=item.get("language", "en"),
                         story="", kind="")


def load_cases() -> list[Case]:
    doc = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    days = {d.name: d for d in load_days()}
    out = []
    for c in doc["cases"]:
        day = days.get(c.get("day", ""))
        known = {e.url: e for e in day.entries} if day else {}
        url = {i["key"]: i["url"] for i in c["entries"]}
        entries = tuple(sorted((_entry(i, known) for i in c["entries"]), key=lambda e: (e.published, e.url)))
        rules_text = c["rules_yaml"] if "rules_yaml" in c else day.rules_path.read_text(encoding="utf-8")  # type: ignore[union-attr]
        arrival = tuple(tuple(url[k] for k in p) for p in c.get("arrival", [])) or tuple((e.url,) for e in entries)
        expect = dict(c.get("expect", {}))
        for name in ("same_story", "different_stories"):
            expect[name] = [[url[k] for k in group] for group in expect.get(name, [])]
        for name in ("alerts", "at_most_alerts"):
            expect[name] = {url[k]: v for k, v in expect.get(name, {}).items()}
        out.append(Case(c["id"], c["failure"], c.get("check", "stories"), entries, rules_text, tuple(c.get("rules", ())),
                        arrival, expect))
    return out


@dataclass(frozen=True)
class Outcome:
    stories: dict[str, str]  # entry url -> predicted story
    alerts: dict[str, list[str]]  # entry url -> kinds of its alerts


def run_case(case: Case, replay: bs.Replay) -> Outcome:
    """Replay the case's entries, poll by poll, with the stage ``replay``."""
    from vigie.rules import compile_rules, load_text

    loaded = load_text(case.rules_text, path=f"<case {case.id}>")
    if loaded.errors:
        raise ValueError(f"case {case.id}: {loaded.errors[0]}")
    wanted = set(case.rules) or {r.id for r in loaded.rules}
    policies: dict[str, RulePolicy] = {k: v for k, v in loaded.policies().items() if k in wanted}
    arts = [e.article() for e in case.entries]
    matches: list[Match] = [m for m in match_all(compile_rules(loaded), arts) if m.rule_id in wanted]
    by_url = {e.url: a for e, a in zip(case.entries, arts)}
    polls = []
    for urls in case.arrival:
        got = [by_url[u] for u in urls]
        polls.append((got, max(a.published for a in got)))
    for i in range(1, len(polls)):  # a poll never happens before an earlier one
        polls[i] = (polls[i][0], max(polls[i][1], polls[i - 1][1]))
    with tempfile.TemporaryDirectory(prefix="vigie-case-") as tmp:
        result = replay(polls, matches, policies, Path(tmp))
    return Outcome(bs.predicted_stories(case.entries, arts, result), bs.alerts_per_entry(case.entries, arts, result))


def unmet(case: Case, replay: bs.Replay) -> list[str]:
    """What ``replay`` does that the case does not expect ([] when it behaves)."""
    got = run_case(case, replay)
    out = []
    for group in case.expect.get("same_story", []):
        if len({got.stories[u] for u in group}) != 1:
            out.append(f"not one story: {len({got.stories[u] for u in group})} stories for {len(group)} entries")
    for group in case.expect.get("different_stories", []):
        if len({got.stories[u] for u in group}) != len(group):
            out.append("entries of different events share a story")
    for url, kind in case.expect.get("alerts", {}).items():
        kinds = got.alerts[url]
        if (kind == "none" and kinds) or (kind != "none" and kind not in kinds):
            out.append(f"{_short(case, url)}: expected {kind}, got {', '.join(kinds) or 'no alert'}")
    for url, most in case.expect.get("at_most_alerts", {}).items():
        if len(got.alerts[url]) > most:
            out.append(f"{_short(case, url)}: {len(got.alerts[url])} alerts, at most {most} expected")
    return out


def _short(case: Case, url: str) -> str:
    return next(e.title[:50] for e in case.entries if e.url == url)


def main(argv: list[str]) -> int:
    replay = bs.ALGORITHMS["vigie" if argv[:1] == ["vigie"] else "baseline 7ffabeb"]
    for case in load_cases():
        if case.check != "stories":
            print(f"{case.id}: {case.check} case, not run here")
            continue
        problems = unmet(case, replay)
        print(f"{case.id}: {'FAILS: ' + '; '.join(problems) if problems else 'ok'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

