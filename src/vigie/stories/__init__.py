"""Stories: is an article new, which event is it about, and is it a development?

    identity      exact duplicates (id, canonical URL) and near duplicates (minhash)
    minhash       MinHash signatures and LSH buckets over word shingles
    features      what an article says about its event: names, figures, content words, events
    names         names as entities (variants folded, parts of names), figures without dates
    events        event words and nouns (killed, met, signed, denied ...) in English and French, as classes
    actors        the names that act or speak in a headline or lede, not those it only mentions
    rarity        the weight of a word: its rarity in the language (wordfreq)
    joining       which open story (of any rule, any language) an article joins
    developments  the new fact an article brings, and the sentence that carries it
    story_rows    the store's story rows, in the caller's transaction
    story_alerts  the alerts decided: one per article and digest setting, listing every rule
    batch         one batch, oldest article first: returns the ``StoryAlert`` values to announce

The stage decides and returns values; it writes no alert. ``vigie.delivery.record`` opens
the transaction, calls ``batch.record_batch`` and records the alerts it returns, so that
a story change and its alert are stored together or not at all.

May import: ``vigie.common``, ``vigie.models``, ``vigie.errors``, ``vigie.config``, ``vigie.rules.lemmas``,
``vigie.store``. Never ``vigie.delivery``.
"""
