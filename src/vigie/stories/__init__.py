"""Stories: is an article new, which event is it about, and is it a development?

    identity      exact duplicates (id, canonical URL) and near duplicates (minhash)
    minhash       MinHash signatures and LSH buckets over word shingles
    features      what an article says about its event: names, figures, content words
    joining       which open story of a rule an article joins
    developments  what an article brings that its story lacked
    story_rows    the store's story rows, in the caller's transaction
    batch         one batch, oldest article first: returns the ``StoryAlert`` values to announce

The stage decides and returns values; it writes no alert. ``vigie.delivery.record`` opens
the transaction, calls ``batch.record_batch`` and records the alerts it returns, so that
a story change and its alert are stored together or not at all.

May import: ``vigie.common``, ``vigie.models``, ``vigie.errors``, ``vigie.config``,
``vigie.store``. Never ``vigie.delivery``.
"""
