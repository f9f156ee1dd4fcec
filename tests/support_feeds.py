"""Many small feeds on a loopback server, for the tests and the benchmark of feeds shared out.

Feed ``/feed/<i>.xml`` carries three of ``EVENTS`` (numbered ``i``, ``i+3``, ``i+5`` modulo their
count), each as its own item (GUID and link of the feed): the same event reaches several feeds, as
a syndicated story does, so runs in different processes record articles of one story. Every feed
answers with an ETag, and 304 to it. ``feed_paths`` lists what a run must fetch.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from support_http import Reply, Request

EVENTS = [
    "Storm floods Aberdeen harbour warehouses overnight",
    "Storm topples Lisbon cathedral scaffolding cranes",
    "Storm grounds Reykjavik ferries and fishing trawlers",
    "Storm cuts electricity across rural Tuscany villages",
    "Storm uproots ancient Kyoto temple cedars",
    "Storm strands Patagonian hikers near glacier camp",
    "Storm batters Halifax lighthouse keepers cottage",
    "Storm washes Galway promenade benches seaward",
]

RULES = """version: 1
entities:
  storm:
    variants: [storm]
rules:
  - id: storms
    match: {entity: storm}
    fields: [title, summary]
"""


def events_of(feed: int) -> list[int]:
    return sorted({feed % len(EVENTS), (feed + 3) % len(EVENTS), (feed + 5) % len(EVENTS)})


def feed_body(feed: int, published: datetime) -> bytes:
    items = "".join(
        f"<item><title>{EVENTS[e]}</title><link>http://news.invalid/{feed}/{e}</link>"
        f"<guid>feed-{feed}-event-{e}</guid><description>{EVENTS[e]}. Crews were at work by morning.</description>"
        f"<pubDate>{format_datetime(published - timedelta(minutes=e))}</pubDate></item>"
        for e in events_of(feed))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {feed}</title>'
            f"<link>http://news.invalid/{feed}</link><description>d</description>{items}</channel></rss>").encode()


def feed_route(count: int, delay: float = 0.0):  # type: ignore[no-untyped-def]
    """The server's answer to ``/feed/<i>.xml`` for ``i`` below ``count`` (404 otherwise)."""
    published = datetime.now(timezone.utc) - timedelta(hours=1)
    bodies = {i: feed_body(i, published) for i in range(count)}

    def route(req: Request) -> Reply:
        name = req.path.rsplit("/", 1)[-1]
        if not name.endswith(".xml") or not name[:-4].isdigit() or int(name[:-4]) not in bodies:
            return Reply(status=404)
        i = int(name[:-4])
        return Reply(body=bodies[i], etag=f'"feed-{i}"', delay=delay)

    return route


def feed_paths(count: int) -> list[str]:
    return [f"/feed/{i}.xml" for i in range(count)]


def config_text(base_url: str, count: int, store: str, rules_dir: str, alerts_file: str, batch: int) -> str:
    """A vigie.yaml over the ``count`` feeds, the ``vigie://`` target writing ``alerts_file``."""
    sources = "".join(f"  - url: {base_url}/feed/{i}.xml\n" for i in range(count))
    return (f"data_dir: state\nstore: '{store}'\nrules: [{rules_dir}]\n"
            f"fetch:\n  max_per_host: 50\n  max_connections: 50\n"
            f"sharing:\n  batch: {batch}\n  lease: 5m\n"
            f"targets:\n  - name: file\n    url: 'vigie://{alerts_file}'\n"
            f"sources:\n{sources}")
