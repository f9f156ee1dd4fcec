"""The stories benchmark: its labelled days hold together, its scoring is right, and it runs.

The labels are ground truth (bench/stories_labels/GUIDE.md): these tests check their shape
(every matching entry labelled, each story opened by its first entry, the issue's minimum of
entries and outlets) and that the day's rules still match every labelled entry, not the
labels' content. The benchmark's figures are not checked: it measures, it does not pass.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the bench package lives beside src/, not inside it

from bench import bench_stories as bs  # noqa: E402
from bench.stories_days import KINDS, load_days, match_all, matcher_of  # noqa: E402


def test_labelled_days_meet_the_issue_minimum() -> None:
    days = load_days()
    assert len(days) >= 3
    assert sum(len(d.entries) for d in days) >= 150
    for day in days:
        assert day.outlets >= 4, day.name
        assert {e.kind for e in day.entries} <= set(KINDS)
        assert all(e.fact for e in day.entries if e.kind == "development"), day.name


def test_each_story_is_opened_by_its_first_entry_in_publication_order() -> None:
    for day in load_days():
        seen: set[str] = set()
        for e in day.entries:
            assert (e.kind == "new_story") == (e.story not in seen), (day.name, e.title)
            seen.add(e.story)
        assert day.labelled_alerts() == sum(Counter(e.kind for e in day.entries)[k] for k in ("new_story", "development"))


def test_every_labelled_entry_matches_its_days_rules() -> None:
    for day in load_days():
        matcher, policies = matcher_of(day.rules_path)
        arts = [e.article() for e in day.entries]
        matched = {m.article_id for m in match_all(matcher, arts)}
        assert [e.title for e, a in zip(day.entries, arts) if a.id not in matched] == [], day.name
        assert all(p.alert == "developments" for p in policies.values())


def test_bcubed_of_known_clusterings() -> None:
    gold = {"a": "x", "b": "x", "c": "y"}
    assert bs.bcubed(gold, {"a": "1", "b": "1", "c": "2"}) == (1.0, 1.0, 1.0)
    p, r, f = bs.bcubed(gold, {"a": "1", "b": "2", "c": "3"})  # every entry alone
    assert (p, r) == (1.0, pytest.approx(2 / 3)) and f == pytest.approx(0.8)
    p, r, _ = bs.bcubed(gold, {"a": "1", "b": "1", "c": "1"})  # one story for all
    assert p == pytest.approx(5 / 9) and r == 1.0


def test_polls_cover_every_entry_once_and_never_poll_before_publication() -> None:
    day = load_days()[0]
    arts = [e.article() for e in day.entries]
    for name, cut in bs.ARRIVALS.items():
        polls = cut(arts)
        got = [a.id for batch, _ in polls for a in batch]
        assert sorted(got) == sorted(a.id for a in arts), name
        assert all(a.published <= now for batch, now in polls for a in batch), name
        assert [now for _, now in polls] == sorted(now for _, now in polls), name
    assert len(bs.by_publication(arts)) > 1 and len(bs.shuffled(arts)) == bs.POLLS


def test_tiny_run_prints_labels_baseline_and_vigie_rows() -> None:
    from bench.support import format_table

    table = bs.run("tiny")
    rows = [dict(zip(table.columns, r)) for r in table.rows]
    assert [(r["algorithm"], r["arrival"]) for r in rows] == [("labels", "-")] + [
        (algo, arrival) for algo in bs.ALGORITHMS for arrival in bs.ARRIVALS
    ]
    labels = rows[0]
    assert labels["B3 F1"] == 1.0 and labels["alerts"] == labels["labelled"] > 0
    for r in rows[1:]:
        assert 0 < r["B3 F1"] <= 1 and r["alerts"] > 0 and r["targets missed"]
        assert (r["same as one run"] is None) == (r["arrival"] == "one run")
    assert "B3 F1" in format_table(table).splitlines()[2]


def test_every_case_of_the_issue_fails_with_the_frozen_baseline() -> None:
    from bench.stories_cases import load_cases, unmet

    cases = load_cases()
    assert len({c.id for c in cases}) == len(cases)
    run = [c for c in cases if c.check == "stories"]
    assert len(run) >= 10 and {c.check for c in cases} == {"stories", "delivery"}
    for case in run:
        assert unmet(case, bs.replay_baseline), f"{case.id} no longer fails with the baseline: not a failing case"


def test_explain_puts_each_entrys_label_beside_the_outcome() -> None:
    day = load_days()[0]
    lines = bs.explain(day.name, "baseline 7ffabeb", "one run")
    assert len(lines) == len(day.entries)
    assert lines[0].split()[3] == "new_story" and "story   1 new_story" in lines[0]
