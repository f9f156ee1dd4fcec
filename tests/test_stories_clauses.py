"""Story decisions on a headline's second clause, on real entries of the labelled days (bench/stories_labels), on
SQLite and PostgreSQL: a party opening a clause of what happens meanwhile ("... as House Republicans grow
skeptical ...") acts in it. It was a labelled development missed before the change it guards.
"""

from __future__ import annotations

from support_store import config, engine, store_url  # noqa: F401 - fixtures
from test_stories_labelled import ZELENSKY, load_days, replay


def test_a_party_opening_a_clause_of_what_happens_meanwhile_acts(engine, tmp_path) -> None:  # noqa: F811
    """"Zelenskyy to address Congress as House Republicans grow skeptical about more aid": the planned address
    is known, the Republicans' doubts are the news. "Republicans" is a party's name, not a nationality as
    "Americans" is; a name after "as" followed by no verb is no party acting ("as Ukraine's president")."""
    from vigie.stories.actors import concurrent
    from vigie.stories.features import features, function_words
    from vigie.stories.names import name_phrases

    stop = function_words("en")
    title = "Zelenskyy to address Congress as House Republicans grow skeptical about more aid"
    assert "house republicans" in name_phrases(title, stop, frozenset())
    assert "americans" not in name_phrases("Poll: Most Americans back aid", stop, frozenset())
    assert concurrent(title, ["congress", "house republicans"], stop) == {"house republicans"}
    assert not concurrent("Zelensky speaks as Ukraine's president", ["zelensky", "ukraine"], stop)
    day = load_days([ZELENSKY])[0]
    doubts = next(e for e in day.entries if e.title == title)
    feats = features(doubts.article(), ("Volodymyr Zelensky", "Congress"), {"zelenskyy": "volodymyr zelensky"})
    assert "house republicans" in feats.actors
    got = replay(engine, tmp_path, ZELENSKY, [], through=title)
    assert got[doubts.url][1] == ["development"]
