"""Korean variants: the word and its listed particles and endings, never a longer word; ``*`` for compounds."""

from __future__ import annotations

import json

import pytest

from support_rules import CORPUS, article, fired, matcher, one, query_matcher
from vigie.rules.korean import ENDINGS, with_endings

KOREAN = """
entities:
  north: {name: the North, variants: [북]}
  russia: {name: Russia, variants: [러, 러시아]}
  kju: {name: Kim Jong Un, variants: [김정은, 김정은 위원장]}
  nk: {name: North Korea, variants: [북한]}
  nk-all: {name: North Korea and its compounds, variants: ["북한*"]}
  korea: {name: South Korea, variants: [한국]}
  the-one: {name: one, variants: [한]}
rules:
  - {id: north, match: {entity: north}}
  - {id: russia, match: {entity: russia}}
  - {id: kju, match: {entity: kju}}
  - {id: nk, match: {entity: nk}}
  - {id: nk-all, match: {entity: nk-all}}
  - {id: korea, match: {entity: korea}}
  - {id: the-one, match: {entity: the-one}}
"""


@pytest.mark.parametrize(
    "title, not_fired",
    [
        ("북대서양조약기구(NATO) 정상회의, 헤이그에서 개막", {"north"}),  # NATO is not "the North"
        ("러브 스토리, 20년 만에 다시 극장가로", {"russia"}),  # love is not Russia
        ("김정은행장, 취임 첫날 지점 방문", {"kju"}),  # a bank manager called 김정은
        ("북한군, 쿠르스크 전선에 추가 배치", {"nk"}),  # a compound: only asked for with *
        ("대러 제재 강화 방침", {"russia"}),  # 대러 (towards Russia) is a compound too
        ("한국 경제, 이미 저성장 진입?", {"the-one"}),  # 한 is not the start of every word
    ],
)
def test_a_longer_word_is_not_the_variant(title: str, not_fired: set[str]) -> None:
    got = set(fired(matcher(KOREAN), article(title=title, language="ko")))
    assert not got & not_fired, got


@pytest.mark.parametrize(
    "title, rules",
    [
        ("김정은이 푸틴에게 친서", {"kju"}),  # subject particle
        ("김정은의 러시아 방문 임박", {"kju", "russia"}),  # genitive particle; Russia as written
        ("김정은 위원장이 말했다", {"kju"}),  # a two-word variant takes the particle on its last word
        ("북, 동해상으로 탄도미사일 발사", {"north"}),  # the bare abbreviation
        ("북은 러와 군사협력 강화", {"north", "russia"}),  # topic and comitative particles
        ("러시아에서 열린 회담", {"russia"}),  # a stack of two particles
        ("북한군, 쿠르스크 전선에 추가 배치", {"nk-all"}),  # 북한* asks for the compounds
        ("북한이 러시아와 조약 체결", {"nk", "nk-all", "russia"}),  # * keeps the word itself
    ],
)
def test_the_word_with_its_particles_matches(title: str, rules: set[str]) -> None:
    got = set(fired(matcher(KOREAN), article(title=title, language="ko")))
    assert rules <= got, got


def test_the_span_is_the_whole_token_with_its_particle() -> None:
    m = one(matcher(KOREAN), article(title="김정은이 푸틴에게 친서", language="ko"))
    assert m is not None and [s.text for s in m.spans] == ["김정은이"]


def test_particles_in_queries_and_star_for_compounds() -> None:
    assert fired(query_matcher("@kju"), article(title="김정은의 친서", language="ko")) == ["q"]
    assert fired(query_matcher("@kju"), article(title="김정은행장 취임", language="ko")) == []
    assert fired(query_matcher("북한*"), article(title="북한군 파병", language="ko")) == ["q"]
    assert fired(query_matcher("북한"), article(title="북한군 파병", language="ko")) == []
    assert fired(query_matcher("북한"), article(title="북한으로 간 러시아 대표단", language="ko")) == ["q"]


def test_the_endings_are_hangul_and_listed_once() -> None:
    assert len(ENDINGS) == len(set(ENDINGS)) and all(e and all("\uac00" <= ch <= "\ud7a3" for ch in e) for e in ENDINGS)
    assert with_endings("김정은")[:3] == ("김정은", "김정은이", "김정은가")


def test_real_korean_headlines_of_the_corpus() -> None:
    path = CORPUS / "articles" / "newsapi_cache_2020-2023" / "worldNews.json"
    if not path.is_file():
        pytest.skip("corpus absent: ../shared/corpus beside the repository")
    titles = [a["title"] for a in json.loads(path.read_text(encoding="utf-8"))["articles"]
              if any("\uac00" <= ch <= "\ud7a3" for ch in a["title"] or "")]
    assert titles, "the corpus has a Korean headline"
    got = {r for t in titles for r in fired(matcher(KOREAN), article(title=t, language="ko"))}
    assert got == {"korea"}, (titles, got)  # 한국 경제: South Korea, and neither 한 nor 북 nor 러 in longer words
