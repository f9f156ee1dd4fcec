"""Stories are events, on real entries (SQLite and PostgreSQL): each failure of issue 10 as a test.

The entries are real items of the corpus (``../shared/corpus``), matched by vigie's real
matcher with a rule file written here: outlets that word one event differently, an
English and a French report of one event under a one-entity rule, several rules on one
article, an article published earlier but fetched later.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import feedparser
import pytest
from sqlalchemy import select

from support_store import CORPUS, article, config, engine, store_url  # noqa: F401 - fixtures
from vigie.delivery.record import record
from vigie.models import Article
from vigie.rules import compile_rules
from vigie.rules.loader import load_text
from vigie.store import schema as t

RULES = """
version: 1
entities:
  north-korea: {name: North Korea, kind: place, variants: [North Korea, North Korean, DPRK, Pyongyang, Corée du Nord]}
  russia: {name: Russia, kind: place, variants: [Russia, Russian, Russians, Moscow, Kremlin, Russie, russe, Moscou]}
rules:
  - id: north-korea
    name: North Korea in the news
    match: {entity: north-korea}
  - id: missiles
    name: Missile launches
    query: '@north-korea AND (missile OR missiles)'
    notify: [analysts]
  - id: russia
    name: Russia (one entity)
    match: {entity: russia}
"""


@lru_cache(maxsize=1)
def _rules() -> tuple[Any, dict[str, Any]]:
    loaded = load_text(RULES)
    assert not loaded.errors, loaded.errors
    return compile_rules(loaded), loaded.policies()


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html or "")).strip()


@lru_cache(maxsize=1)
def _geopolitics() -> dict[str, dict[str, Any]]:
    path = CORPUS / "articles" / "en_rss_items_2022_geopolitics.jsonl"
    if not path.exists():
        pytest.skip(f"corpus not found at {path}")
    return {(it := json.loads(line))["url"]: it for line in path.open(encoding="utf-8")}


def corpus_article(url_part: str, **changes: Any) -> Article:
    """The geopolitics corpus item whose link holds ``url_part``, as an Article."""
    it = next(v for k, v in _geopolitics().items() if url_part in k)
    published = datetime.fromisoformat(it["date_published"]).astimezone(timezone.utc)
    fields = dict(source=it["feed_url"], url=it["url"], published=published)
    fields.update(changes)
    return article("url:" + it["url"], it["title"], _plain(it.get("description") or ""), **fields)


def run(engine, arts: list[Article], now: datetime, cfg) -> Any:  # type: ignore[no-untyped-def]  # noqa: F811
    matcher, policies = _rules()
    ms = [m for a in arts for m in matcher.match(a)]
    return record(engine, arts, ms, policies, cfg, now)


def stories_of(engine, arts: list[Article]) -> list[int]:  # type: ignore[no-untyped-def]  # noqa: F811
    with engine.connect() as conn:
        dup = dict(conn.execute(select(t.articles.c.id, t.articles.c.duplicate_of)).all())
        held = dict(conn.execute(select(t.story_articles.c.article_id, t.story_articles.c.story_id)).all())
    return [held[dup.get(a.id) or a.id] for a in arts]


def alerts(engine) -> list[Any]:  # type: ignore[no-untyped-def]  # noqa: F811
    with engine.connect() as conn:
        return list(conn.execute(select(t.alerts).order_by(t.alerts.c.id)).all())


# The North Korean missile barrage of 2 November 2022, as four outlets first reported it
# (Guardian, BBC, Le Monde in English, CNN): 0-40% of their headline and lede words in common.
BARRAGE = [
    "theguardian.com/world/2022/nov/02/north-korea-has-fired-three-ballistic-missiles",
    "bbc.co.uk/news/world-asia-63481183",
    "lemonde.fr/en/international/article/2022/11/02/seoul-issues-shelter-warning",
]
NOON = datetime(2022, 11, 2, 12, tzinfo=timezone.utc)


def test_outlets_wording_one_event_differently_make_one_story_and_one_alert(engine, tmp_path) -> None:  # noqa: F811
    arts = [corpus_article(u) for u in BARRAGE]
    run(engine, arts, NOON, config(tmp_path))
    assert len(set(stories_of(engine, arts))) == 1
    rows = alerts(engine)
    assert [r.kind for r in rows] == ["new_story"]  # one message: both rules fired, one alert lists them
    assert rows[0].payload["rules"] == ["Missile launches", "North Korea in the news"]


def test_several_rules_on_one_article_give_one_message_per_target(engine, tmp_path) -> None:  # noqa: F811
    cfg = config(tmp_path, targets=[("ops", "json://127.0.0.1:9/a", ()), ("analysts", "json://127.0.0.1:9/b", ("analysts",))])
    run(engine, [corpus_article(BARRAGE[0])], NOON, cfg)
    with engine.connect() as conn:
        targets = sorted(conn.execute(select(t.deliveries.c.target)).scalars())
    assert len(alerts(engine)) == 1 and targets == ["analysts", "ops"]


def test_a_target_hears_only_of_its_own_rules(engine, tmp_path) -> None:  # noqa: F811
    cfg = config(tmp_path, targets=[("mail", "json://127.0.0.1:9/a", ("analysts",)), ("chat", "json://127.0.0.1:9/b", ("chat",))])
    run(engine, [corpus_article(BARRAGE[0])], NOON, cfg)
    with engine.connect() as conn:
        rows = conn.execute(select(t.alerts.c.payload, t.deliveries.c.target)
                            .join(t.deliveries, t.deliveries.c.alert_id == t.alerts.c.id)).all()
    sent = sorted((tuple(p.get("rules") or [p["rule_name"]]), target) for p, target in rows)
    # "missiles" routes to the analysts only; "north-korea" to everyone: one message each, never a foreign rule.
    assert sent == [(("Missile launches", "North Korea in the news"), "mail"), (("North Korea in the news",), "chat")], sent


def test_an_article_published_earlier_but_fetched_later_is_no_development(engine, tmp_path) -> None:  # noqa: F811
    cfg = config(tmp_path)
    first, later = [corpus_article(u) for u in BARRAGE[:2]]
    run(engine, [later], NOON, cfg)  # the later report comes in first
    rep = run(engine, [first], NOON + timedelta(hours=1), cfg)  # the earliest one, with its figures, is fetched last
    assert (rep.new_stories, rep.developments, rep.alerts) == (0, 0, 0)
    assert len(set(stories_of(engine, [first, later]))) == 1


def test_the_same_entries_give_the_same_stories_in_one_run_or_in_polls(store_url, tmp_path) -> None:  # noqa: F811
    from vigie.store.db import connect

    arts = [corpus_article(u) for u in BARRAGE]
    at_once = connect(store_url)
    run(at_once, arts, NOON, config(tmp_path))
    one = [r.kind for r in alerts(at_once)]
    at_once.dispose()
    # A second store (SQLite: another file; PostgreSQL: the same schema emptied first).
    polled = connect(store_url.replace("vigie.db", "polled.db"))
    if polled.dialect.name == "postgresql":
        with polled.begin() as conn:
            for table in reversed(t.metadata.sorted_tables):
                if table.name != "schema_migrations":
                    conn.execute(table.delete())
    for a in arts:
        run(polled, [a], NOON, config(tmp_path))
    assert [r.kind for r in alerts(polled)] == one == ["new_story"]
    polled.dispose()


# --- the English-French pair: the Moscow concert hall attack of March 2024 --------------------

def _bbc_title(url_part: str) -> tuple[str, str, str]:
    path = CORPUS / "articles" / "en_bbc_russia_ukraine_2020-2024_titles_bias.csv"
    if not path.exists():
        pytest.skip(f"corpus not found at {path}")
    with path.open(encoding="utf-8-sig") as fh:
        row = next(r for r in csv.DictReader(fh) if url_part in r["url"])
    return row["url"], row["title"].removesuffix(" - BBC News"), row["published_date"]


def _lemonde(title_part: str) -> Article:
    parsed = feedparser.parse(str(CORPUS / "feeds" / "lemonde_2.xml"))
    e = next(x for x in parsed.entries if title_part in x.title)
    published = datetime(*e.published_parsed[:6], tzinfo=timezone.utc)
    return article("url:" + e.link, e.title, _plain(e.summary), source="https://www.lemonde.fr/rss/une.xml", url=e.link,
                   published=published, language="fr")


def test_one_entity_rule_joins_an_english_and_a_french_report_of_one_event(engine, tmp_path) -> None:  # noqa: F811
    url, title, _day = _bbc_title("world-europe-68663043")  # Moscow attack: Russia blames West and Kyiv ...
    english = article("url:" + url, title, "", source="http://feeds.bbci.co.uk/news/rss.xml", url=url,
                      published=datetime(2024, 3, 26, 12, tzinfo=timezone.utc))
    french = _lemonde("après avoir accusé Kiev, Moscou désigne les Occidentaux")
    other = _lemonde("En tuant Navalny")  # another story of the same entity, the next morning
    cfg = config(tmp_path)
    run(engine, [english], datetime(2024, 3, 26, 13, tzinfo=timezone.utc), cfg)
    rep = run(engine, [french, other], datetime(2024, 3, 27, 9, tzinfo=timezone.utc), cfg)
    s_en, s_fr, s_other = stories_of(engine, [english, french, other])
    assert s_en == s_fr != s_other
    assert (rep.new_stories, rep.developments) == (1, 0)  # the French report adds no fact; Navalny is news


# --- rewording is not a development ------------------------------------------------------------

def test_rewording_variants_fuller_names_and_dates_are_not_developments() -> None:
    from vigie.stories.developments import development
    from vigie.stories.features import features
    from vigie.stories.joining import StoredStory

    def feats(title: str, summary: str, terms: tuple[str, ...] = ("Russia",), aliases: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        return features(article("sha:x", title, summary), terms, aliases or {"moscow": "russia", "russia": "russia"})

    first = feats("Putin admits situation in four occupied Ukrainian territories is 'extremely complicated'",
                  "Russian President Vladimir Putin met Kim on 13 September in Moscow.")
    # Every party of the story has acted already (Russia speaking for the first time would be news):
    # what is checked here is that variants are no new names.
    story = StoredStory(1, "t", first.terms, first.names, first.facts, first.keywords, frozenset({"en"}), NOON, NOON,
                        first.entities, first.events, NOON, actors=first.entities)
    again = feats("Vladimir Putin admits situation in occupied territories is complicated, Moscow says",
                  "On 14 September Kim Jong Un and Putin met again. The Kremlin's ties | First Thing")
    dev = development(story, again)
    assert not dev.moves_story, dev.new  # Moscow is Russia; "Vladimir Putin" is Putin; "Kim Jong Un" is Kim; a date


def test_a_new_figure_actor_or_event_is_a_development_said_in_its_sentence() -> None:
    from vigie.stories.developments import development
    from vigie.stories.features import features
    from vigie.stories.joining import StoredStory

    base = features(corpus_article(BARRAGE[0]), ("North Korea",), {"north korea": "north korea"})
    story = StoredStory(1, "t", base.terms, base.names, base.facts, base.keywords, frozenset({"en"}), NOON, NOON,
                        base.entities, base.events, NOON)
    later = corpus_article("cnn.com/2022/11/01/asia/north-korea-missiles-wednesday")  # "North Korea fires 10 missiles, ..."
    dev = development(story, features(later, ("North Korea",), {"north korea": "north korea"}), later)
    assert dev.moves_story and "10" in dev.new.facts
    assert "10" in dev.new.sentence


def test_labels_and_topic_words_are_not_names() -> None:
    from vigie.stories.names import figures_in, name_phrases, without_labels

    assert without_labels("For Ukrainians, poetry isn't a luxury, it's a necessity during war | Charlotte Higgins") == \
        "For Ukrainians, poetry isn't a luxury, it's a necessity during war"
    assert without_labels("Biden hosts French president Macron at White House – US politics live") == \
        "Biden hosts French president Macron at White House"
    names = name_phrases("The Ukraine war is deepening Russia's ties with North Korea as well as Iran", frozenset(), frozenset())
    assert names == ["ukraine", "russia", "north korea", "iran"]
    assert figures_in("On 13 September, 30 soldiers were killed at 10:30 on day 289, 13 years after 2009 and the 3rd") == {"30"}
    # Real headlines of one aid package (2022-12-21): one figure, however written or rounded.
    from vigie.stories.names import new_figures

    package = figures_in("US to send $1.8bn aid to Ukraine, including Patriot system: Media")
    assert package == figures_in("Biden to announce $1.8 billion in new assistance") == figures_in("Biden is set to unveil $1.8B")
    assert not new_figures(figures_in("U.S. Announces Nearly $2 Billion Arms Package"), package)
    assert new_figures(figures_in("Congress's spending bill carries $44.9bn"), package) == {"44900000000"}


def test_a_story_growing_fast_escalates_once(engine, tmp_path) -> None:  # noqa: F811
    from vigie.models import Escalation, RulePolicy

    matcher, policies = _rules()
    policies = dict(policies)
    policies["north-korea"] = RulePolicy("north-korea", escalate=Escalation(3, timedelta(hours=2)))
    arts = [corpus_article(u) for u in BARRAGE]
    ms = [m for a in arts for m in matcher.match(a)]
    cfg = config(tmp_path)
    record(engine, arts[:2], [m for m in ms if m.article_id in {a.id for a in arts[:2]}], policies, cfg, NOON)
    record(engine, arts, ms, policies, cfg, NOON)
    record(engine, arts, ms, policies, cfg, NOON)
    assert [r.kind for r in alerts(engine)].count("escalation") == 1


def test_an_aside_of_a_story_does_not_pull_another_event_into_it(engine, tmp_path) -> None:  # noqa: F811
    """21 December 2022: Putin is an aside of reports of Zelensky's visit to Washington; his own
    speech to his generals that day is another story (the labels' putin-defence-board)."""
    from vigie.models import RulePolicy

    rules = load_text(
        "version: 1\nentities:\n"
        "  zelensky: {name: Volodymyr Zelensky, kind: person, variants: [Zelensky, Zelenskiy, Zelenskyy]}\n"
        "  putin: {name: Vladimir Putin, kind: person, variants: [Putin, Vladimir Putin, Poutine]}\n"
        "rules:\n  - id: zelensky\n    match: {entity: zelensky}\n  - id: putin\n    match: {entity: putin}\n"
    )
    matcher = compile_rules(rules)
    titles = ["Retired colonel predicts how Putin will respond", "Zelensky plans US visit in first trip abroad",
              "Zelensky Will Meet With Biden in Washington", "Zelenskyy to meet with Biden and Congress in D.C.",
              "Russia will continue improving combat capabilities, Putin says",
              "Putin supports plans for Russia to expand its armed forces"]
    items = {it["title"]: it for it in _geopolitics().values() if it["date_published"].startswith("2022-12-21")}
    arts = []
    for prefix in titles:
        it = next(v for k, v in items.items() if k.startswith(prefix))
        arts.append(corpus_article(it["url"]))
    ms = [m for a in arts for m in matcher.match(a)]
    record(engine, arts, ms, {p: RulePolicy(p) for p in ("zelensky", "putin")}, config(tmp_path),
           datetime(2022, 12, 22, tzinfo=timezone.utc))
    *visit, speech, plans = stories_of(engine, arts)
    assert len(set(visit[1:])) == 1 and speech == plans and speech not in visit


def test_stories_of_an_older_store_merge_even_when_they_share_an_article(engine, tmp_path) -> None:  # noqa: F811
    """Before migration 0003 stories were per rule, and one article could be in two of them."""
    from vigie.stories import story_rows
    from vigie.stories.joining import StoredStory

    arts = [corpus_article(u) for u in BARRAGE[:2]]
    run(engine, arts, NOON, config(tmp_path))
    with engine.begin() as conn:
        first = conn.execute(select(t.stories)).one()
        other = conn.execute(t.stories.insert().values(
            rule_id="old-rule", title="old", terms=[], first_article_id=first.first_article_id, created_at=NOON,
            updated_at=NOON, article_count=1, source_count=1, names=[], facts=[], keywords=[], languages=["en"],
            development_count=0, silent_count=0).returning(t.stories.c.id)).scalar_one()
        conn.execute(t.story_articles.insert().values(story_id=other, article_id=first.first_article_id, added_at=NOON,
                                                      development=False))
        rows = conn.execute(select(t.stories).order_by(t.stories.c.id)).all()
        merged = story_rows.merge_stories(conn, StoredStory.from_row(rows[0]), [StoredStory.from_row(rows[1])])
        held = conn.execute(select(t.story_articles.c.story_id)).scalars().all()
    assert merged.id == first.id and set(held) == {first.id} and len(held) == 2


def test_an_acronym_opening_a_headline_and_a_title_case_speaker_are_names() -> None:
    from vigie.stories.features import function_words, name_phrases, title_case_speaker

    stop = function_words("en")
    assert "nato" in name_phrases("NATO envoys to meet after explosion in Poland", stop, frozenset())
    assert title_case_speaker("Biden Says Missile That Killed 2 in Poland Was Probably Not Fired From Russia", stop) == "biden"
    assert title_case_speaker("Officials Say Missile Came From Ukraine", stop) is None  # a common word, not a name
