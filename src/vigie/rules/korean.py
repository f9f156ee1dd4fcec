"""The Korean particles and endings a variant ending in Hangul accepts, and nothing else.

Korean writes particles and the copula glued to the noun they follow: 김정은이,
김정은의, 북한군에서, 러시아와. A variant such as ``김정은`` must find those, and
must not find a longer word that merely starts with it (``김정은행장``, a bank
manager named 김정은; ``북`` inside ``북대서양조약기구``, NATO; ``러`` inside
``러브``). So a variant ending in Hangul is expanded, at compile time, into one
whole-word key per ending below (plus the bare word): a hash lookup per token,
as for every other whole word, never a prefix scan.

The list, decided for news text (headlines and summaries):

* case particles: 이 가 은 는 을 를 의 에 에서 에게 한테 께 께서 로 으로 와 과
  (subject, topic, object, genitive, locative, dative, instrumental, comitative);
* auxiliary particles: 도 만 까지 부터 마저 조차 보다 처럼 이나 나 이랑 랑 하고 뿐
  (also, only, until, from, even, than, like, or, with);
* the usual stacks of two: 에서는 에서도 에서의 에게는 에게도 에는 에도 에의 으로는
  로는 으로도 로도 으로의 로의 와의 과의 와는 과는 와도 과도 까지는 부터는 만의 만은
  만이 에선 엔 으론 론;
* the copula and the quoting forms headlines use: 이다 다 이며 며 이고 이라는 라는
  이라고 라고 이란 란 이라며 라며 이었다 였다 이지만 지만;
* the plural 들 with its commonest particles: 들 들이 들은 들의 들을 들에게 들과 들도.

Compounds (``북한군``, ``대러``, ``친러``) are other words: an analyst who wants
them writes the variant with ``*`` (``북한*`` finds 북한군, 북한산) or lists them.
One-syllable abbreviations take the endings too (``북은``, ``러와``); some of those
forms are common words of their own (``중에``, "during", beside ``중`` for China),
so prefer the full names (``북한``, ``러시아``, ``중국``) as variants.
"""

from __future__ import annotations

ENDINGS: tuple[str, ...] = tuple(dict.fromkeys((
    # case particles
    "이", "가", "은", "는", "을", "를", "의", "에", "에서", "에게", "한테", "께", "께서", "로", "으로", "와", "과",
    # auxiliary particles
    "도", "만", "까지", "부터", "마저", "조차", "보다", "처럼", "이나", "나", "이랑", "랑", "하고", "뿐",
    # stacks of two
    "에서는", "에서도", "에서의", "에게는", "에게도", "에는", "에도", "에의", "으로는", "로는", "으로도", "로도",
    "으로의", "로의", "와의", "과의", "와는", "과는", "와도", "과도", "까지는", "부터는", "만의", "만은", "만이",
    "에선", "엔", "으론", "론",
    # copula and quoting forms
    "이다", "다", "이며", "며", "이고", "이라는", "라는", "이라고", "라고", "이란", "란", "이라며", "라며",
    "이었다", "였다", "이지만", "지만",
    # plural
    "들", "들이", "들은", "들의", "들을", "들에게", "들과", "들도",
)))


def is_hangul(ch: str) -> bool:
    """A Hangul syllable or jamo (the script whose words take the endings above)."""
    o = ord(ch)
    return 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F


def with_endings(word: str) -> tuple[str, ...]:
    """``word`` and ``word`` followed by each ending: the whole tokens a Hangul variant matches."""
    return (word, *(word + e for e in ENDINGS))
