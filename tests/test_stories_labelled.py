"""Story decisions on real entries of the labelled days (bench/stories_labels), on SQLite and PostgreSQL.

Each test replays a few entries of one day, one poll each in publication order, through the
seam a run uses (``vigie.delivery.record.record``) with the day's own rules, and checks the
decision a careful reader takes (the entries' labels). Each was wrong before the change it
guards: a headline about a story that did not join it, two events of one day merged, a fact
told in a summary alerted again later, a count of new missiles missed, a known party's new
line taken for news, a number that names taken for a count, an address or a venue missed, a
named party acting for the first time missed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import select

from support_store import config, engine, store_url  # noqa: F401 - fixtures
from vigie.delivery.record import record
from vigie.stories.names import figures_in
from vigie.store import schema as t

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the bench package (and its labelled days) lives beside src/

from bench.stories_days import load_days, match_all, matcher_of  # noqa: E402

NK, POLAND, ZELENSKY = "2022-11-02-north-korea", "2022-11-15-poland-missile", "2022-12-21-zelensky-washington"


def replay(engine, tmp_path: Path, day_name: str, titles: list[str], *, through: str = "") -> dict[str, tuple[int, list[str]]]:  # type: ignore[no-untyped-def]  # noqa: F811
    """Record the day's entries whose headline starts with one of ``titles`` (the first such entry each), and
    with ``through`` every entry up to the one whose headline starts so, one poll per entry in publication
    order; {title prefix (or the headline, for the entries ``through`` adds): (story id, alert kinds)}."""
    day = load_days([day_name])[0]
    chosen = {}
    for prefix in titles:
        chosen[prefix] = next(e for e in day.entries if e.title.startswith(prefix))
    if through:
        last = next(i for i, e in enumerate(day.entries) if e.title.startswith(through))
        chosen.update({e.url: e for e in day.entries[: last + 1] if e not in chosen.values()})
    matcher, policies = matcher_of(day.rules_path)
    cfg = config(tmp_path)
    out: dict[str, tuple[int, list[str]]] = {}
    for prefix, entry in sorted(chosen.items(), key=lambda kv: (kv[1].published, kv[1].url)):
        art = entry.article()
        with engine.connect() as conn:
            before = set(conn.execute(select(t.alerts.c.id)).scalars())
        record(engine, [art], match_all(matcher, [art]), policies, cfg, entry.published)
        with engine.connect() as conn:
            kinds = [r.kind for r in conn.execute(select(t.alerts.c.id, t.alerts.c.kind)) if r.id not in before]
            story = conn.execute(select(t.story_articles.c.story_id).where(t.story_articles.c.article_id == art.id)).scalar()
        if story is not None:  # None: the store took it for an article it had (same text, headline recased)
            out[prefix] = (story, kinds)
    # A merge after the fact moves articles: read every entry's story as it ends.
    with engine.connect() as conn:
        held = dict(conn.execute(select(t.story_articles.c.article_id, t.story_articles.c.story_id)).all())
    return {p: (held[chosen[p].article().id], kinds) for p, (_, kinds) in out.items()}


VISIT = [
    "Retired colonel predicts how Putin will respond",
    "Zelensky Will Meet With Biden in Washington",
    "Zelenskyy to meet with Biden and Congress",
    "Ukrainian President Zelenskyy to meet Biden",
    "Ukraine's Zelensky gets White House welcome",
]


def test_a_headline_naming_only_what_a_story_is_about_joins_it(engine, tmp_path) -> None:  # noqa: F811
    """"Zelensky, in Crew Neck and Cargo Pants ..." and "Zelensky's Message: ..." share few words with
    the reports of the visit but name nothing else: they are the visit, not two new stories."""
    got = replay(engine, tmp_path, ZELENSKY, [*VISIT, "Zelensky, in Crew Neck", "Zelensky’s Message"])
    assert len({story for story, _ in got.values()}) == 1
    assert got["Zelensky, in Crew Neck"][1] == [] and got["Zelensky’s Message"][1] == []


def test_two_events_of_one_day_stay_two_stories(engine, tmp_path) -> None:  # noqa: F811
    """Putin's speech to his generals and Zelensky's visit share "Ukraine", "military", "support" and
    Putin's name; reports that bridge them do not make them one story."""
    speech = ["Russia will continue improving combat capabilities", "Putin supports plans for Russia to expand",
              "Putin vows to win in Ukraine", "Vladimir Putin promises army anything", "Putin to Boost Russian Military"]
    got = replay(engine, tmp_path, ZELENSKY, [*VISIT, *speech, "Zelensky aims to rally", "Volodymyr Zelenskiy visits US"])
    visit = {got[p][0] for p in [*VISIT, "Volodymyr Zelenskiy visits US"]}
    putin = {got[p][0] for p in speech}
    assert len(visit) == 1 and len(putin) == 1 and visit != putin


def test_a_fact_told_in_an_earlier_summary_is_no_development(engine, tmp_path) -> None:  # noqa: F811
    """The first report of the launch over Japan tells of evacuation warnings in its summary; the next
    headline saying "triggers evacuation warnings" brings nothing new."""
    got = replay(engine, tmp_path, NK, ["Air raid warning on South Korean island", "North Korea launches ballistic missile",
                                        "North Korean missile launch triggers evacuation"])
    assert got["North Korea launches ballistic missile"][1] == ["development"]
    assert got["North Korean missile launch triggers evacuation"][1] == []


def test_more_missiles_are_a_new_count(engine, tmp_path) -> None:  # noqa: F811
    """"Fires 3 More Missiles" after "fires three ballistic missiles": the same figure, new missiles."""
    got = replay(engine, tmp_path, NK, ["Air raid warning on South Korean island", "North Korea Fires 3 More Missiles"])
    assert got["North Korea Fires 3 More Missiles"][1] == ["development"]
    assert figures_in("North Korea Fires 3 More Missiles") == {"3 more"} and figures_in("another two killed") == {"2 more"}


def test_a_known_partys_new_line_is_no_development(engine, tmp_path) -> None:  # noqa: F811
    """Putin saying Russia is not to blame, then vowing to win, are lines of the speech already reported."""
    got = replay(engine, tmp_path, ZELENSKY, ["Russia will continue improving combat capabilities",
                                              "Ukraine war: Russia not to blame", "Putin supports plans for Russia to expand",
                                              "Putin vows to win in Ukraine"])
    assert got["Ukraine war: Russia not to blame"][1] == [] and got["Putin vows to win in Ukraine"][1] == []


def test_a_denial_by_a_party_of_the_story_is_a_development(engine, tmp_path) -> None:  # noqa: F811
    """Russia denying responsibility for the blast in Poland is an event of that story (a denial is no mere
    position), and its headline, naming only Poland, joins the story on the few words it shares."""
    got = replay(engine, tmp_path, POLAND, ["Russian missiles hit Poland", "Ukraine war: Russia denies"],
                 through="Ukraine war: Russia denies")
    assert got["Ukraine war: Russia denies"] == (got["Russian missiles hit Poland"][0], ["development"])


def test_numbers_that_name_or_describe_are_no_counts() -> None:
    """Seen in ledes: "the Group of 20 Summit", "the two-time Olympic gold medalist", "Three-hundred days
    after ..."; a count in words is still a count."""
    assert figures_in("Biden begins his final day at the Group of 20 Summit") == set()
    assert figures_in("the two-time Olympic gold medalist has been freed") == set()
    assert figures_in("Three-hundred days after his country was invaded") == set()
    assert figures_in("fired three hundred shells") == {"300"} and figures_in("killed two people") == {"2"}



def test_a_seat_of_government_counts_as_its_country_when_joining() -> None:
    """"Russia denies ..." names Moscow and Kyiv in its lede where the story of the blast names Russia and
    Ukraine: two more entities in common, not two strangers."""
    from datetime import timedelta

    from vigie.stories.batch import matched_terms
    from vigie.stories.features import features
    from vigie.stories.joining import StoredStory, parties, shared_entities

    day = load_days([POLAND])[0]
    matcher, _ = matcher_of(day.rules_path)
    denial = next(e for e in day.entries if e.title.startswith("Ukraine war: Russia denies"))
    art = denial.article()
    ms = match_all(matcher, [art])
    feats = features(art, tuple(sorted({x for m in ms for x in matched_terms(m)})),
                     {sp.text.lower(): sp.term.lower() for m in ms for sp in m.spans if sp.term[:1].isupper()})
    assert {"moscow", "kyiv"} <= feats.entities
    core = frozenset({"russia", "ukraine", "poland", "nato"})
    story = StoredStory(id=1, title="", terms=frozenset(), names=frozenset(), facts=frozenset(), keywords=frozenset(),
                        languages=frozenset({"en"}), updated_at=denial.published - timedelta(hours=1),
                        created_at=denial.published - timedelta(hours=8), entities=core)
    assert shared_entities(feats.entities, core) == 1  # Poland only, read as written
    assert shared_entities(parties(feats.entities), parties(story.core_entities())) == 3


def test_a_speaker_to_an_audience_with_their_words_is_an_address(engine, tmp_path) -> None:  # noqa: F811
    """"Zelensky to US Congress: 'Your money is not charity ...'" has no verb, yet reports the address; the
    next headline saying "addresses members of Congress" brings nothing new."""
    from vigie.stories.events import headline_events

    got = replay(engine, tmp_path, ZELENSKY, ["President Zelensky addresses members of Congress"],
                 through="Ukraine President Zelensky to US Congress")
    day = load_days([ZELENSKY])[0]
    speech = next(e for e in day.entries if e.title.startswith("Ukraine President Zelensky to US Congress"))
    assert headline_events(speech.title) == {"addressed"}
    assert got[speech.url][1] == ["development"]
    assert got["President Zelensky addresses members of Congress"][1] == []
    assert headline_events("Zelensky to address Congress: what to expect") == set()


def test_the_venue_a_headline_gives_its_event_is_a_new_fact(engine, tmp_path) -> None:  # noqa: F811
    """"... from Oval Office", "at 2019 Normandy meeting": where the event happens, news the story did not
    have; "seen in Poland" or "in Washington" is where the story takes place."""
    from vigie.stories.features import venues_in

    day = load_days([ZELENSKY])[0]
    oval, normandy = (next(e for e in day.entries if e.title.startswith(p))
                      for p in ("Listen to Zelensky's message to Americans", "Zelenskyy says Putin lied"))
    got = replay(engine, tmp_path, ZELENSKY, [], through="Zelenskyy says Putin lied")
    assert got[oval.url][1] == ["development"] and got[normandy.url][1] == ["development"]
    assert venues_in(oval.title, ["zelensky", "americans", "oval office"]) == {"oval office"}
    assert venues_in("Watch: Ukraine's Zelenskyy seen in Poland heading to U.S.", ["zelenskyy", "poland"]) == set()


def test_a_named_party_acting_for_the_first_time_is_a_new_actor(engine, tmp_path) -> None:  # noqa: F811
    """Reports of the blast name Biden and "Nato territory"; "Biden Says Missile ... Probably Not Fired From
    Russia" (a Headline In Title Case, its speaker opening it) and "NATO envoys to meet" are the first time
    each acts: developments. "..., Biden says" after that brings nothing new."""
    got = replay(engine, tmp_path, POLAND, ["Poland missile ‘unlikely’"], through="NATO envoys to meet")
    day = load_days([POLAND])[0]
    says, envoys = (next(e for e in day.entries if e.title.startswith(p)) for p in ("Biden Says Missile", "NATO envoys to meet"))
    assert got[says.url][1] == ["development"] and got[envoys.url][1] == ["development"]
    assert got["Poland missile ‘unlikely’"][1] == []


def test_who_undergoes_an_event_or_meets_a_party_has_acted(engine, tmp_path) -> None:  # noqa: F811
    """"Griner freed in swap" is a passive: Griner acting later ("Griner Lands") is news, Bout acting after
    the swap ("Hear what Viktor Bout said after he landed") too; Biden met Zelensky when "Zelensky Will Meet
    With Biden", so "Biden Meets With Zelensky" is no new actor."""
    from vigie.stories.actors import actors_in, counterparts

    griner = replay(engine, tmp_path, "2022-12-08-griner-swap", ["US basketball star Brittney Griner freed"],
                    through="Hear what Viktor Bout said")
    assert griner["US basketball star Brittney Griner freed"][1] == []
    bout = next(e for e in load_days(["2022-12-08-griner-swap"])[0].entries if e.title.startswith("Hear what Viktor Bout"))
    assert griner[bout.url][1] == ["development"]
    assert actors_in("US basketball star Brittney Griner freed in US-Russia prisoner swap", ["brittney griner"],
                     by_verb=True) == set()
    assert actors_in("North Korea: Air raid warning triggered", ["north korea"], by_verb=True) == set()
    assert counterparts("Zelensky Will Meet With Biden in Washington", ["zelensky", "biden", "washington"]) == {"biden"}


def test_a_meeting_reported_from_the_other_side_is_no_new_actor(engine, tmp_path) -> None:  # noqa: F811
    """Zelensky meeting Biden is Biden meeting Zelensky: "Biden Meets With Zelensky" after it is a repeat."""
    got = replay(engine, tmp_path, ZELENSKY, ["Biden Meets With Zelensky, Pledges"], through="Biden Meets With Zelensky")
    assert got["Biden Meets With Zelensky, Pledges"][1] == []


def test_the_lede_subject_is_read_in_its_first_paragraph_only() -> None:
    """The Guardian's standfirst on Przewodów has no full stop: the text runs on into the article's first
    paragraph, where a priest "said mass". He is a witness, not a party of the story."""
    from vigie.stories.features import features

    day = load_days([POLAND])[0]
    village = next(e for e in day.entries if e.title.startswith("Polish village struck by Ukraine war missile"))
    feats = features(village.article(), ("Poland",), {"poland": "poland", "polish": "poland"})
    assert "father bogdan wazny" in feats.entities  # still named, for joining
    assert not feats.actors and not feats.acted


def test_a_source_named_after_the_event_is_no_new_actor(engine, tmp_path) -> None:  # noqa: F811
    """"North Korea fires 10 missiles, South Korea says" and "Pyongyang fires suspected long-range missile,
    says Seoul" report North Korea's launches and credit their source: no new actor, no alert. A speaker
    after words only ("NATO must keep 'cool head' ..., says Estonian PM") is the news itself."""
    from vigie.stories.actors import actors_in

    got = replay(engine, tmp_path, NK, ["North Korea fires 10 missiles, South Korea says"],
                 through="North Korea: Pyongyang fires suspected long-range missile")
    assert got["North Korea fires 10 missiles, South Korea says"][1] == []
    seoul = next(e for e in load_days([NK])[0].entries if e.title.startswith("North Korea: Pyongyang fires"))
    assert got[seoul.url][1] == []
    assert actors_in("North Korea fires 10 missiles, South Korea says", ["north korea", "south korea"]) == {"north korea"}
    assert actors_in("NATO must keep 'cool head' over missile incident in Poland, says Estonian PM",
                     ["nato", "estonian pm"]) == {"estonian pm"}


def test_a_commentators_reaction_is_no_new_actor(engine, tmp_path) -> None:  # noqa: F811
    """"Hillary Clinton reacts to Zelensky's speech" (its lede: "CNN's Anderson Cooper talks to Hillary
    Clinton ...") is a segment of commentary on the address: a repeat. "Hear McCarthy's reaction", the
    reaction of a party's leader told as his, stays his."""
    from vigie.stories.actors import reacts
    from vigie.stories.features import features

    day = load_days([ZELENSKY])[0]
    clinton = next(e for e in day.entries if e.title.startswith("Hillary Clinton reacts"))
    feats = features(clinton.article(), ("Volodymyr Zelensky",), {"zelensky": "volodymyr zelensky"})
    assert not feats.title_actors and "anderson cooper" not in feats.actors
    assert not reacts("Hear McCarthy's reaction to Brittney Griner's release")
    got = replay(engine, tmp_path, ZELENSKY, ["Hillary Clinton reacts"], through="Hillary Clinton reacts")
    assert got["Hillary Clinton reacts"][1] == []


def test_a_headline_naming_a_hot_storys_subject_among_other_names_joins_it(engine, tmp_path) -> None:  # noqa: F811
    """"Watch: Ukraine's Zelenskyy seen in Poland heading to U.S." names Poland beside Zelensky and shares
    a third of its words with the reports of his visit, the latest an hour old: it is the visit seen
    from the train station, not a new story to alert on."""
    got = replay(engine, tmp_path, ZELENSKY, VISIT, through="Watch: Ukraine's Zelenskyy seen in Poland")
    day = load_days([ZELENSKY])[0]
    seen = next(e for e in day.entries if e.title.startswith("Watch: Ukraine's Zelenskyy seen in Poland"))
    assert got[seen.url] == (got[VISIT[1]][0], [])


def test_a_digest_of_the_day_opens_no_story_and_brings_no_actor(engine, tmp_path) -> None:  # noqa: F811
    """"Your Thursday Briefing: A Truce in Tigray" retells the missile barrage among the day's news, and
    "Russia-Ukraine war at a glance", led by Putin on the grain deal, the shells shipped to Russia: each
    joins the story it retells, without an alert for the other stories its headline or lede lead with."""
    from vigie.stories.features import features

    got = replay(engine, tmp_path, NK, [], through="Russia-Ukraine war at a glance")
    day = load_days([NK])[0]
    briefing, glance = (next(e for e in day.entries if e.title.startswith(p))
                        for p in ("Your Thursday Briefing", "Russia-Ukraine war at a glance"))
    barrage = next(e for e in day.entries if e.title.startswith("North Korea fires 10 missiles"))
    assert got[briefing.url] == (got[barrage.url][0], []) and got[glance.url][1] == []
    assert features(briefing.article(), ("North Korea",), {"north korea": "north korea"}).roundup
    assert not features(barrage.article(), ("North Korea",), {"north korea": "north korea"}).roundup


def test_a_report_naming_a_hot_storys_subject_and_a_new_venue_joins_it_as_a_development(engine, tmp_path) -> None:  # noqa: F811
    """"Biden holds emergency roundtable with world leaders at G20 Summit after 'Russian-made missile' falls
    on Polish village" shares a fifth of its words with the reports of the blast an hour old and names
    Poland: it joins them, the G20 roundtable its development (the same headline from another outlet
    eight minutes later then brings nothing new)."""
    got = replay(engine, tmp_path, POLAND, [], through="Biden holds emergency roundtable")
    day = load_days([POLAND])[0]
    first = next(e for e in day.entries if e.title.startswith("Biden holds emergency roundtable"))
    blast = next(e for e in day.entries if e.title.startswith("Stray Russian missiles"))
    assert got[first.url] == (got[blast.url][0], ["development"])


def test_whom_a_party_tells_is_news(engine, tmp_path) -> None:  # noqa: F811
    """"Viktor Bout Tells Maria Butina the US Is Trying to 'Destroy' Russia": Bout has spoken before, but not
    to the Russian MP: a development of the swap's story."""
    from vigie.stories.actors import audiences

    assert audiences("Viktor Bout Tells Maria Butina the US Is Trying to ‘Destroy’ Russia",
                     ["viktor bout", "maria butina", "us", "russia"]) == {"maria butina"}
    day = load_days(["2022-12-08-griner-swap"])[0]
    butina = next(e for e in day.entries if e.title.startswith("Viktor Bout Tells Maria Butina"))
    got = replay(engine, tmp_path, "2022-12-08-griner-swap", [], through="Viktor Bout Tells Maria Butina")
    swap = next(e for e in day.entries if e.title.startswith("US basketball star Brittney Griner freed"))
    assert got[butina.url] == (got[swap.url][0], ["development"])


def test_a_reaction_headline_retells_what_is_reacted_to(engine, tmp_path) -> None:  # noqa: F811
    """"Brother of Paul Whelan reacts after sibling remains detained in Russia": Whelan left behind was the
    news of "Brittney Griner's Release Puts a Spotlight on Paul Whelan"; his brother's reaction retells it."""
    day = load_days(["2022-12-08-griner-swap"])[0]
    brother = next(e for e in day.entries if e.title.startswith("Brother of Paul Whelan reacts"))
    got = replay(engine, tmp_path, "2022-12-08-griner-swap", [], through="Brother of Paul Whelan reacts")
    assert got[brother.url][1] == []
