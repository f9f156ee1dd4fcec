"""Digest settings: one grammar (immediate, hourly, daily at HH:MM) for the rule file and for delivery."""

from __future__ import annotations

from datetime import datetime, time, timezone

import pytest

from vigie.delivery.digest import window_end
from vigie.rules import DigestSpec, load_text, parse_digest

PARIS = "Europe/Paris"
ACCEPTED = [("immediate", DigestSpec("immediate")), ("hourly", DigestSpec("hourly")),
            ("daily at 08:00", DigestSpec("daily", time(8, 0))), ("daily at 00:00", DigestSpec("daily", time(0, 0))),
            ("daily at 23:59", DigestSpec("daily", time(23, 59)))]
# Spellings outside the documented grammar, a few of which an older parser used to take.
REFUSED = ["weekly", "daily at 25:00", "daily at 12:60", "every hour", "now", "daily", "", "Daily at 07:30",
           "daily at 7:30", "daily  at 07:30", " hourly", "HOURLY", "daily at 07:30 "]


@pytest.mark.parametrize(("spec", "parsed"), ACCEPTED)
def test_the_documented_forms_parse(spec, parsed) -> None:
    assert parse_digest(spec) == parsed


@pytest.mark.parametrize("spec", REFUSED)
def test_other_spellings_say_what_is_accepted(spec) -> None:
    with pytest.raises(ValueError, match=r"^invalid digest .*: use immediate, hourly or 'daily at HH:MM'$"):
        parse_digest(spec)


@pytest.mark.parametrize("spec", [s for s, _ in ACCEPTED] + REFUSED)
def test_the_rule_file_accepts_what_delivery_reads(spec) -> None:
    loaded = load_text(f"rules:\n  - id: a\n    query: x\n    digest: '{spec}'\n")
    rules, errors = loaded.rules, loaded.errors
    try:
        parsed: DigestSpec | None = parse_digest(spec)
    except ValueError:
        parsed = None
    assert (parsed is not None) == (not errors)
    if parsed is None:
        assert [e.message for e in errors] == [f"invalid digest {spec!r}: use immediate, hourly or 'daily at HH:MM'"]
    else:
        assert rules[0].policy().digest == spec


@pytest.mark.parametrize(
    ("spec", "created", "tz", "due"),
    [
        ("immediate", datetime(2022, 3, 1, 10, 0), "UTC", None),
        ("hourly", datetime(2022, 3, 1, 10, 20), "UTC", datetime(2022, 3, 1, 11, 0)),
        ("daily at 08:00", datetime(2022, 3, 1, 6, 59), PARIS, datetime(2022, 3, 1, 7, 0)),  # 07:59 Paris: today 08:00
        ("daily at 08:00", datetime(2022, 3, 1, 7, 0), PARIS, datetime(2022, 3, 2, 7, 0)),  # 08:00 Paris: tomorrow
        ("daily at 08:00", datetime(2022, 3, 26, 12, 0), PARIS, datetime(2022, 3, 27, 6, 0)),  # DST starts: 08:00 CEST
        ("daily at 07:30", datetime(2022, 3, 1, 8, 0), "UTC", datetime(2022, 3, 2, 7, 30)),
    ],
)
def test_digest_window_end(spec, created, tz, due) -> None:
    utc = timezone.utc
    expected = due.replace(tzinfo=utc) if due else None
    assert window_end(spec, created.replace(tzinfo=utc), tz) == expected
    assert window_end(parse_digest(spec), created.replace(tzinfo=utc), tz) == expected
