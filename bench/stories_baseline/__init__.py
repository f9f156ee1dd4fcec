"""The frozen baseline of the stories benchmark: vigie's story stage as it was at commit 7ffabeb.

``python -m bench --only stories`` compares the story stage under test (whatever
``vigie.stories`` is when it runs, reached through ``vigie.delivery.record``) with this copy,
in the same run, on the same labelled days. The copy keeps the decisions of the frozen commit
(joining by shared headline/lede words per rule, developments by new names, figures and
entities) so that the baseline survives the rewrite of ``vigie.stories``; do not improve it.

    schema        the tables it uses, created fresh in its own SQLite store
    identity      exact and near duplicates (minhash)
    minhash       MinHash signatures and LSH buckets
    features      names, figures and content words of a headline and lede
    joining       which open story of a rule an article joins
    developments  what an article brings that its story lacked
    story_rows    the story rows
    batch         one batch, oldest article first: the alerts it calls for

Copied from ``src/vigie/stories/`` at 7ffabeb; only the imports, the tables, the settings and
the alert value were adapted (see each module's first line). It imports from vigie only the
text helpers (``vigie.common``), the model values (``vigie.models``) and the SQL helpers
(``vigie.store.sql``).
"""
