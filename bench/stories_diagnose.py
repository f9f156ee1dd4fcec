"""Why the story stage decided what it did, for each entry it got wrong (tuning by reading, not by figures).

    python -m bench.stories_diagnose [DAY ...] [--all]

Each labelled day is replayed one entry per poll in publication order (what one run does). Before an
entry is recorded, its features and the joining components against every open story are computed;
after, the alerts it got. An entry is printed when its decision disagrees with its label: a repeat
alerted, a development or new story not alerted, or a story joined that holds mostly another
labelled story (or none joined when the label says the story existed). ``--all`` prints every entry.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from bench.stories_days import load_days, match_all, matcher_of


def diagnose(name: str, show_all: bool = False) -> list[str]:
    from sqlalchemy import select

    from vigie.common.times import utc
    from vigie.config import Config
    from vigie.delivery.record import record
    from vigie.store import schema as t
    from vigie.store.db import connect
    from vigie.stories import rarity
    from vigie.stories.batch import matched_terms
    from vigie.stories.developments import development
    from vigie.stories.features import features
    from vigie.stories.joining import StoredStory, same_event, shared_entities
    from vigie.common.text import fold

    day = load_days([name])[0]
    matcher, policies = matcher_of(day.rules_path)
    arts = [e.article() for e in day.entries]
    matches = match_all(matcher, arts)
    out: list[str] = [f"== {name}"]
    label_of_story: dict[str, Counter[str]] = defaultdict(Counter)  # stored story id -> labelled stories in it
    with tempfile.TemporaryDirectory(prefix="vigie-diag-") as tmp:
        work = Path(tmp)
        cfg = Config(path=work / "vigie.yaml", data_dir=work / "data")
        engine = connect(f"sqlite:///{work / 'vigie.db'}")
        try:
            for i, (e, art) in enumerate(zip(day.entries, arts)):
                ms = [m for m in matches if m.article_id == art.id]
                terms = tuple(sorted({x for m in ms for x in matched_terms(m)}))
                aliases = {fold(sp.text): fold(sp.term) for m in ms for sp in m.spans if sp.term[:1].isupper()}
                feats = features(art, terms, aliases)
                with engine.connect() as conn:
                    stories = [StoredStory.from_row(r) for r in conn.execute(select(t.stories))]
                    before = {r.id for r in conn.execute(select(t.alerts.c.id))}
                scored = []
                for s in stories:
                    words = feats.keywords | feats.names
                    total = rarity.total(words, feats.language)
                    share = rarity.total(words & (s.keywords | s.names), feats.language) / total if total else 0.0
                    scored.append((same_event(feats, s, utc(art.published)), s, share,
                                   shared_entities(feats.entities, s.core_entities()),
                                   sorted(words & (s.keywords | s.names), key=lambda w: -rarity.weight(w))[:6]))
                scored.sort(key=lambda x: (-x[0], -x[2]))
                dev = development(scored[0][1], feats, art) if scored and scored[0][0] > 0 else None
                record(engine, [art], ms, policies, cfg, utc(art.published))
                with engine.connect() as conn:
                    kinds = [r.kind for r in conn.execute(select(t.alerts.c.id, t.alerts.c.kind)) if r.id not in before]
                    held = sorted(r.story_id for r in conn.execute(
                        select(t.story_articles.c.story_id).where(t.story_articles.c.article_id == art.id)))
                joined = scored[0][1].id if scored and scored[0][0] > 0 else None
                majority = label_of_story[joined].most_common(1)[0][0] if joined in label_of_story else None
                for sid in held:
                    label_of_story[sid][e.story] += 1
                wrong = []
                if e.kind == "repeat" and kinds:
                    wrong.append("repeat alerted")
                if e.kind == "development" and not kinds:
                    wrong.append("development missed")
                if e.kind == "new_story" and not kinds:
                    wrong.append("new story missed")
                if joined is not None and majority != e.story:
                    wrong.append(f"joined story of {majority}")
                if joined is None and e.kind != "new_story":
                    wrong.append("did not join")
                if not wrong and not show_all:
                    continue
                out.append(f"{i:3} {e.published:%d %H:%M} {e.kind:11} {e.story:24} -> {','.join(kinds) or '-'}  "
                           f"[{'; '.join(wrong)}]")
                out.append(f"     title: {e.title[:110]}")
                if e.fact:
                    out.append(f"     fact : {e.fact[:110]}")
                out.append(f"     words={sorted(feats.keywords | feats.names, key=lambda w: -rarity.weight(w))[:12]}")
                out.append(f"     ents={sorted(feats.entities)} actors={sorted(feats.actors)} title_ents={sorted(feats.title_entities)}")
                out.append(f"     acting in the headline={sorted(feats.title_actors)} acted={sorted(feats.acted)} "
                           f"venues={sorted(feats.title_venues)}")
                out.append(f"     events={sorted(feats.events)} title_events={sorted(feats.title_events)} "
                           f"facts={sorted(feats.facts)} title_facts={sorted(feats.title_facts)}")
                if feats.roundup:
                    out.append(f"     digest: lede_subject={sorted(feats.lede_subject)} lead_actors={sorted(feats.lead_actors)} "
                               f"lead_audiences={sorted(feats.lead_audiences)} lead_events={sorted(feats.lead_events)}")
                if scored:
                    out.append(f"     story acted={sorted(scored[0][1].actors)}")
                for score, s, share, shared, common in scored[:3]:
                    lab = label_of_story[s.id].most_common(1)[0][0] if s.id in label_of_story else "?"
                    out.append(f"     story {s.id} ({lab}, {s.articles} arts): score={score:.2f} share={share:.2f} "
                               f"shared_core={shared} core={sorted(s.core_entities())[:8]} common={common}")
                if dev is not None:
                    out.append(f"     dev: moves={dev.moves_story} new={dev.new}")
        finally:
            engine.dispose()
    return out


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    names = args or [d.name for d in load_days()]
    for n in names:
        print("\n".join(diagnose(n, "--all" in sys.argv)))
