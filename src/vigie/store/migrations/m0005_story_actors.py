"""0005_story_actors: who acted in a story, beside who it names.

``stories.actors`` holds the parties (folded canonical names) that acted or spoke in a story's
articles, not those only named: a party already named that acts for the first time ("Biden says
..." after reports that mention Biden) is a development (``vigie.stories.developments``). A story
older than this step takes every entity it names as having acted: what it knew then stays known,
rather than each of its parties making news once more.
"""

from __future__ import annotations

from sqlalchemy import Connection


def upgrade(conn: Connection) -> None:
    # Written out, not taken from vigie.store.schema: this step must stay what it is.
    conn.exec_driver_sql("ALTER TABLE stories ADD COLUMN actors JSON")
    conn.exec_driver_sql("UPDATE stories SET actors = entities")
