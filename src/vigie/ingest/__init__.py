"""Ingest: from a configured source to clean, identified articles.

    sources       sources named on the command line (configured ones come from ``Config``)
    health        each feed's validators and health in the store; which sources are due
    fetch         the stage: every due source fetched concurrently, one ``Fetched`` each
      http          one polite client: bounds, conditional GET, redirects by hand, size cap
      local         feed files and folders of article files, with a local validator
      fulltext      the main text of article pages, for ``full_text`` sources
    parse         the stage: bytes to ``Entry`` objects, by format
      feed_xml      RSS/Atom/RDF through feedparser;  loose_dates  dates feedparser misses
      feed_json     JSON Feed 1.0/1.1;                article_file  .txt/.md/.html articles
    normalize     the stage: ``Entry`` to ``Article`` (clean text, language, UTC dates, URL, identity)
      textclean     HTML to text, mojibake, titles, main text of a page
      urls          canonical URLs (tracking parameters dropped)
      language      the language of a text (stop words and scripts; the feed's hint)

May import: ``vigie.common``, ``vigie.models``, ``vigie.errors``, ``vigie.config`` and ``vigie.store``
(feed health only). Never a later stage (rules, stories, delivery).
"""
