"""0002_article_id_indexes: find an article's rows where no primary key starts with article_id.

``story_articles`` is keyed (story_id, article_id) and ``minhash_bands`` (bucket, article_id),
so novelty's "which story of this rule holds this article already", retention's deletes
of an article's rows and, on PostgreSQL, the foreign-key check when an article goes,
each read the whole table. The other tables retention visits start their key with article_id.
"""

from __future__ import annotations

from sqlalchemy import Connection


def upgrade(conn: Connection) -> None:
    # Written out, not taken from vigie.store.schema: this step must stay what it is.
    conn.exec_driver_sql("CREATE INDEX ix_story_articles_article_id ON story_articles (article_id)")
    conn.exec_driver_sql("CREATE INDEX ix_minhash_bands_article_id ON minhash_bands (article_id)")
