"""A worker's start-up for the parse and normalize stages, paid once rather than in its first batch.

Used by the worker processes of ``vigie.runtime.processes`` and the Dask workers of
``vigie.runtime.dask_cluster``.

May import: ``vigie.ingest``.
"""

from __future__ import annotations


def warm_stages() -> None:
    """Import feedparser and load the language model (py3langid's, cached for the process)."""
    import feedparser  # noqa: F401  (the parse stage's heavy import)

    from vigie.ingest.language import language_probabilities

    language_probabilities("warm")  # loads py3langid's model (lru_cache): the first batch does not wait for it
