"""Small jobs every stage shares, each written once.

    text        fold (case, accents), sentence splitting, clip at a word boundary
    stopwords   spaCy's stop-word lists, read without importing spaCy's language packages
    times       aware UTC datetimes, durations as people write them, exponential backoff
    bounds      checked durations, seconds and counts for the models of hand-written files
    yamlsrc     YAML that remembers the line and column of every key
    yamlfast    a fast first read of large YAML files (libyaml), anything doubtful left to yamlsrc
    lenient     reading JSON another version wrote (alert payloads), never raising
    suggest     "did you mean": the nearest known key or name to a misspelt one
    store_url   the store URL checked when the configuration loads

May import: the standard library, third-party packages, and ``vigie.errors``. Nothing
else of vigie: every other package may import this one.
"""
