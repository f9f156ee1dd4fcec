"""Story decisions that read the lede, on real entries of the labelled days (bench/stories_labels), on SQLite
and PostgreSQL: the event a lede tells under a headline that reports none, a venue the lede names in full, the
other side answering after a "but". Each was a labelled development missed before the change it guards.
"""

from __future__ import annotations

from support_store import config, engine, store_url  # noqa: F401 - fixtures
from test_stories_labelled import NK, POLAND, ZELENSKY, load_days, replay


def test_a_continuing_story_s_headline_leaves_its_event_to_the_lede(engine, tmp_path) -> None:  # noqa: F811
    """"North Korea continues missile barrage" says only that the story goes on; its lede's event ("... forced
    the Japanese government to issue evacuation alerts and temporarily halt trains") is the day's development.
    A headline with an event of its own still speaks for itself: "In the Deal to Free Griner, Putin Used a
    Familiar Lever" does not continue anything, its lede's "By seizing the basketball star" is background."""
    from vigie.stories.features import features

    day = load_days([NK])[0]
    barrage = next(e for e in day.entries if e.title.startswith("North Korea continues missile barrage"))
    feats = features(barrage.article(), ("North Korea",), {"north korea": "north korea"})
    assert feats.continues and not feats.title_events and "halted" in feats.lede_events
    griner = load_days(["2022-12-08-griner-swap"])[0]
    lever = next(e for e in griner.entries if e.title.startswith("In the Deal to Free Griner"))
    assert not features(lever.article(), ("Brittney Griner",), {}).continues
    got = replay(engine, tmp_path, NK, [], through="North Korea continues missile barrage")
    assert got[barrage.url][1] == ["development"]


def test_a_venue_the_lede_names_in_full_is_a_new_fact(engine, tmp_path) -> None:  # noqa: F811
    """"Brittney Griner Lands in U.S. After Russia Prisoner Exchange" retells the landing; its lede's "is being
    evaluated at Brooke Army Medical Center" is the news. A one-word venue of a lede is the story's setting:
    "World leaders at Bali summit gather ..." under the live page's headline is no new fact."""
    from vigie.stories.features import features

    griner = load_days(["2022-12-08-griner-swap"])[0]
    lands = next(e for e in griner.entries if e.title.startswith("Brittney Griner Lands in U.S. After")
                 and "Brooke" in (e.article().summary or ""))
    assert features(lands.article(), ("Brittney Griner",), {}).lede_venues == {"brooke army medical center"}
    bali = next(e for e in load_days([POLAND])[0].entries if e.title.startswith("Russia-Ukraine war live news: emergency G20"))
    assert not features(bali.article(), ("Poland",), {}).lede_venues
    got = replay(engine, tmp_path, "2022-12-08-griner-swap", [], through="What happened in the Russia-Ukraine war this week")
    assert got[lands.url][1] == ["development"]


def test_the_other_side_answering_after_a_but_is_a_new_actor(engine, tmp_path) -> None:  # noqa: F811
    """"Poland says no evidence to suggest missile was launched by Russia – but Kyiv insists 'it was not our
    rocket'": Ukraine's answer is the news of the Guardian's evening report, whose headline retells the finding."""
    from vigie.stories.features import rejoinders_in

    lede = "Poland says no evidence to suggest missile was launched by Russia – but Kyiv insists ‘it was not our rocket’"
    assert rejoinders_in(lede, ["poland", "russia", "kyiv"]) == {"kyiv"}
    assert not rejoinders_in("Russia fired, but the missile that fell on Poland was Ukrainian", ["russia", "poland"])
    day = load_days([POLAND])[0]
    evening = next(e for e in day.entries if e.title.startswith("Missile that hit Poland likely came from Ukraine"))
    got = replay(engine, tmp_path, POLAND, [], through="Missile that hit Poland likely came from Ukraine")
    assert got[evening.url][1] == ["development"]


def test_a_lede_opened_by_a_party_acting_tells_the_event_its_headline_leaves_out(engine, tmp_path) -> None:  # noqa: F811
    """"Biden: U.S. committed to ensuring Ukrainian people can continue to defend their country" reports no event;
    its lede, opened by Biden acting ("In a joint press conference ..., President Biden expresses ..."), is the
    news. A week's wrap ("What happened in the Russia-Ukraine war this week? Catch up ...") is a digest."""
    from vigie.stories.features import features

    day = load_days([ZELENSKY])[0]
    conference = next(e for e in day.entries if e.title.startswith("Biden: U.S. committed to ensuring"))
    feats = features(conference.article(), ("Joe Biden", "Volodymyr Zelensky"), {"biden": "joe biden"})
    assert feats.lede_subject and not feats.title_events
    wrap = next(e for e in load_days(["2022-12-08-griner-swap"])[0].entries if e.title.startswith("What happened in the"))
    assert features(wrap.article(), ("Brittney Griner",), {}).roundup
    got = replay(engine, tmp_path, ZELENSKY, [], through="Biden: U.S. committed to ensuring")
    assert got[conference.url][1] == ["development"]


def test_a_digest_leading_with_the_story_is_read_by_its_lead_item(engine, tmp_path) -> None:  # noqa: F811
    """"Your Wednesday Briefing" leads with the visit ("As the war in Ukraine enters its 11th month, Volodymyr
    Zelensky is planning to address Congress in person today"): whom its lead item addresses, a body the story
    never named, is the news, as a headline's would be. A digest whose lede opens with another story ("Also,
    Donald Trump's tax returns show ...") still brings nothing; the live page that says it again after it
    ("Zelenskiy to address US Congress ...") is a repeat."""
    from vigie.stories.actors import audiences
    from vigie.stories.features import features

    assert audiences("Zelensky to address Congress in person", ["zelensky", "congress"]) == {"congress"}
    day = load_days([ZELENSKY])[0]
    briefing = next(e for e in day.entries if e.title == "Your Wednesday Briefing")
    feats = features(briefing.article(), ("Volodymyr Zelensky",), {"volodymyr zelensky": "volodymyr zelensky"})
    assert feats.roundup and feats.lead_audiences == {"congress"}
    thursday = next(e for e in day.entries if e.title.startswith("Your Thursday Briefing: Zelensky"))
    assert not features(thursday.article(), ("Volodymyr Zelensky",), {}).lede_subject
    live = next(e for e in day.entries if e.title.startswith("Russia-Ukraine war live: Zelenskiy to address US Congress"))
    got = replay(engine, tmp_path, ZELENSKY, [], through="Russia-Ukraine war live: Zelenskiy to address US Congress")
    assert got[briefing.url][1] == ["development"]
    assert got[live.url][1] == []


def test_a_headline_retelling_known_events_leaves_a_new_one_to_its_lede(engine, tmp_path) -> None:  # noqa: F811
    """CNN's second "Zelensky aims to rally US support for Ukraine's defense in Washington visit" retells the
    visit; its summary's first line, of the headline's party ("Live: Zelensky says he is en route to US ..."),
    says the trip is under way: the news, and "Volodymyr Zelensky embarks on a surprise visit" after it a repeat."""
    from vigie.stories.events import events_in

    assert events_in("Zelensky says he is en route to US") == {"departed"}
    assert events_in("Zelenskyy heads to U.S.") == {"departed"}
    assert not events_in("Zelenskyy may travel to Washington")
    day = load_days([ZELENSKY])[0]
    rally = next(e for e in day.entries if e.title.startswith("Zelensky aims to rally") and "en route" in e.article().summary)
    embarks = next(e for e in day.entries if "embarks on a surprise visit" in e.title)
    got = replay(engine, tmp_path, ZELENSKY, [], through="War in Ukraine: Volodymyr Zelensky embarks")
    assert got[rally.url][1] == ["development"]
    assert got[embarks.url][1] == []


def test_a_lede_about_another_party_than_the_headline_s_is_background(engine, tmp_path) -> None:  # noqa: F811
    """"Poland Calls a Crisis Meeting After Grain Plant Explosion" retells the blast; its lede's "... came on the
    same day that Russia launched a widespread missile attack on Ukraine" is background, no development."""
    crisis = next(e for e in load_days([POLAND])[0].entries if e.title.startswith("Poland Calls a Crisis Meeting"))
    got = replay(engine, tmp_path, POLAND, [], through="Poland Calls a Crisis Meeting")
    assert got[crisis.url][1] == []


def test_the_alert_quotes_the_bullet_that_carries_the_fact() -> None:
    """The live page's summary is two bullets with no full stop between them; the alert's sentence is the
    bullet that says the party is on its way, not the whole list."""
    from vigie.stories.developments import new_sentence

    day = load_days([ZELENSKY])[0]
    rally = next(e for e in day.entries if e.title.startswith("Zelensky aims to rally") and "en route" in e.article().summary)
    said = new_sentence(rally.article(), (), (), ("departed",))
    assert said == "Live: Zelensky says he is en route to US to meet Biden and address Congress"
