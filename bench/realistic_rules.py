"""Rules the way analysts write them, mined from the news corpus itself (reproducible, fixed seed).

    python -m bench.realistic_rules 1000 > rules.yaml

``bench_match.generate_rules`` draws words at random from spaCy's lemma tables: its rules rarely fire
(about 0.2 matches per item), so it measures the cost of *not* matching. Analysts watch what the news
is about, so here every piece comes from the corpus items (title + summary):

* entities: real names (capitalised word runs, 1-4 words, seen at least 3 times, not sentence
  openers), grouped by a shared stem of their last word ("Vladimir Putin", "President Putin",
  "Putin"; "Zelensky", "Zelenskiy", "Volodymyr Zelenskyy"), topped up with the names they appear
  beside most often ("Kremlin" with "Putin") to 3-10 variants;
* phrases: frequent two-word runs of content words ("nuclear weapons", "grain exports");
* words: frequent content words, written bare, so they match with their inflections.

Rule shapes: entity AND word, entity AND (phrase OR words), entity NEAR/10 entity, OR groups of
entities AND a phrase, phrase AND word NOT word, title-scoped entities, word NEAR/5 word, and inline
OR groups of quoted names. Picks are weighted by corpus frequency, so a typical item fires several rules.
"""

from __future__ import annotations

import collections
import functools
import itertools
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

CORPUS_ITEMS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "articles" / "en_rss_items_2022_geopolitics.jsonl"
SEED = 20261202

_NAME_RUN = re.compile(r"(?<![.!?:]\s)(?<!^)\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,3}\b")
_CALENDAR = frozenset("monday tuesday wednesday thursday friday saturday sunday january february march april may june "
                      "july august september october november december continue".split())
_WORD = re.compile(r"[A-Za-z]{4,}")
_MARKUP = re.compile(r"<[^>]*>|&\w+;|https?://\S+")


@dataclass(frozen=True)
class Vocabulary:
    """What the corpus talks about, with weights (frequencies)."""

    entities: list[tuple[str, list[str], int]]  # key, variants, weight
    phrases: list[tuple[str, int]]
    words: list[tuple[str, int]]


def _texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        return [_MARKUP.sub(" ", f"{it.get('title') or ''}. {it.get('description') or ''}") for it in map(json.loads, fh)]


@functools.lru_cache(maxsize=2)
def mine(path: Path = CORPUS_ITEMS) -> Vocabulary:
    """Names, phrases and words of the corpus items, by frequency (the same input gives the same output)."""
    from vigie.common.stopwords import stop_words

    stops = stop_words()["en"]
    texts = _texts(path)
    names: collections.Counter[str] = collections.Counter()
    words: collections.Counter[str] = collections.Counter()
    written_lower: collections.Counter[str] = collections.Counter()
    pairs: collections.Counter[str] = collections.Counter()
    per_text: list[set[str]] = []
    for text in texts:
        found = set()
        for m in _NAME_RUN.finditer(text):
            parts = m.group(0).split()
            while parts and parts[0].lower() in stops:  # "The Kremlin" -> "Kremlin"
                parts.pop(0)
            if parts and parts[-1].lower() not in stops:
                found.add(" ".join(parts))
        names.update(found)
        per_text.append(found)
        raw = _WORD.findall(text)
        written_lower.update(w for w in raw if w.islower())
        low = [w.lower() for w in raw]
        words.update(w for w in low if w not in stops)
        pairs.update(f"{a} {b}" for a, b in zip(low, low[1:]) if a not in stops and b not in stops)
    common_names = {n for n, c in names.items() if c >= 3}
    # A name that is mostly a plain word in lower case ("War", "News") is not a name.
    common_names = {n for n in common_names if names[n] > 2 * written_lower[n.lower()] and n.lower() not in _CALENDAR}
    groups: dict[str, list[str]] = collections.defaultdict(list)
    for n in sorted(common_names, key=lambda n: (-names[n], n)):
        groups[n.split()[-1].lower()[:6]].append(n)
    beside: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for found in per_text:
        kept = [n for n in found if n in common_names]
        for a in kept:
            beside[a].update(b for b in kept if b != a)
    entities: list[tuple[str, list[str], int]] = []
    for stem, variants in sorted(groups.items()):
        variants = variants[:10]
        # Topped up with the names most specific to it (seen beside it in the largest share of their items).
        # The names of nearly every item (Ukraine, Russia) are nobody's variant.
        near = sorted(((t / names[o], o) for o, t in beside[variants[0]].items()
                       if t >= 3 and names[o] < len(texts) // 50), reverse=True)
        for _, other in near:
            if len(variants) >= 3:
                break
            if other not in variants:
                variants.append(other)
        if len(variants) >= 3:
            key = "e_" + re.sub(r"\W", "_", stem)
            entities.append((key, variants, sum(names[v] for v in variants)))
    return Vocabulary(
        entities=entities,
        phrases=sorted(((p, c) for p, c in pairs.items() if c >= 4), key=lambda x: (-x[1], x[0])),
        words=sorted(((w, c) for w, c in words.items() if c >= 5 and w not in stops), key=lambda x: (-x[1], x[0])),
    )


def generate_realistic_rules(count: int, seed: int = SEED, path: Path = CORPUS_ITEMS) -> str:
    """A rule file of ``count`` rules mined from the corpus at ``path`` (see the module docstring)."""
    vocab = mine(path)
    rng = random.Random(seed)

    # Weighted by the square root of the frequency: common topics dominate, the long tail shows up.
    cumulative = {id(pool): list(itertools.accumulate(x[-1] ** 0.5 for x in pool))
                  for pool in (vocab.entities, vocab.words, vocab.phrases)}

    def pick(pool: list, k: int = 1) -> list:  # type: ignore[type-arg]
        out: list = []  # type: ignore[type-arg]
        while len(out) < k:
            got = rng.choices(pool, cum_weights=cumulative[id(pool)])[0]
            if got not in out:
                out.append(got)
        return out

    def q(text: str) -> str:
        return '"' + text.replace('"', "") + '"'

    used: dict[str, list[str]] = {}
    lines: list[str] = []
    for i in range(count):
        shape = i % 8
        e1, e2 = pick(vocab.entities, 2)
        (w1, _), (w2, _), (w3, _) = pick(vocab.words, 3)
        (p1, _), = pick(vocab.phrases)
        if shape == 0:
            query = f"@{e1[0]} AND {w1}"
        elif shape == 1:
            query = f"@{e1[0]} AND ({q(p1)} OR {w1} OR {w2})"
        elif shape == 2:
            query = f"@{e1[0]} NEAR/10 @{e2[0]}"
        elif shape == 3:
            query = f"(@{e1[0]} OR @{e2[0]}) AND {q(p1)}"
        elif shape == 4:
            query = f"{q(p1)} AND {w1} NOT {w3}"
        elif shape == 5:
            query = f"title:@{e1[0]} AND ({w1} OR {w2})"
        elif shape == 6:
            query = f"{w1} NEAR/5 {w2}"
        else:
            names = rng.sample(e1[1], min(len(e1[1]), rng.randint(2, 4)))
            query = "(" + " OR ".join(q(n) for n in names) + f") AND {w1}"
        for ent in (e1, e2):
            if f"@{ent[0]}" in query:
                used[ent[0]] = ent[1]
        lines.append(f"  - id: a{i}\n    query: {json.dumps(query, ensure_ascii=False)}")
    head = ["entities:"] + [f"  {k}: {{variants: {json.dumps(v, ensure_ascii=False)}}}" for k, v in sorted(used.items())]
    if not used:
        head = []
    return "\n".join(head + ["rules:"] + lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(generate_realistic_rules(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
