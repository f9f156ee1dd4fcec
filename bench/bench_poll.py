"""Polling benchmark: vigie's fetch/parse/normalize against a naive feedparser loop.

    python bench/bench_poll.py [--quick] [--sizes 100,1000] [--baseline-max 1000]

For each N (100 and 1,000; --quick: 100 only) N feeds are served by a local HTTP server
(in its own process, so that it does not share the benchmark's GIL) with ETag and
Last-Modified; each feed is one of the shared corpus's feeds of about 50 entries, made
unique by its number and a version. Four measures per N:

    poll 1   cold: every feed answers 200 (fetch, then parse, then normalize)
    poll 2   unchanged: the validators of poll 1 are sent, every feed answers 304
    poll 3   changed: the version moves, every feed answers 200 with new bytes
    naive    feedparser.parse(url) on each feed in turn, no validators (the baseline)

and prints, per row: seconds (wall clock; CPU seconds of this process, which a shared machine
does not inflate; fetch / parse / normalize), requests per second, bytes of
body moved (as the server counted them) and entries. One local host stands for many
publishers here, so the per-host bound is raised to the overall bound (--connections).
Targets: 1,000 unchanged feeds in under 5 s; 1,000 changed feeds of 50 entries
in under 60 s including parsing.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the loopback server the tests use
CORPUS = ROOT.parent / "shared" / "corpus"
FEEDS = ["bbc_3.xml", "guardian_2.xml", "unian_1.xml", "nyt_2.xml", "cnn_1.xml"]  # 50 to 69 entries each


def _server(conn, bodies: list[bytes]) -> None:  # type: ignore[no-untyped-def]
    """Server process: /feed/<i>.xml is corpus feed i % k, unique by i and the current version."""
    from support_http import Reply, Request, serve_routes

    state = {"version": 1}

    def route(req: Request) -> Reply:
        name = req.path.rsplit("/", 1)[-1]
        if not name.endswith(".xml") or not name[:-4].isdigit():
            return Reply(status=404)
        i = int(name[:-4])
        v = state["version"]
        body = bodies[i % len(bodies)] + f"\n<!-- feed {i} version {v} -->\n".encode()
        return Reply(body=body, etag=f'"{i}-{v}"', last_modified=f"Mon, 0{min(v, 9)} Jan 2024 00:00:00 GMT")

    with serve_routes({}, fallback=route) as server:
        conn.send(server.base_url)
        while True:
            cmd = conn.recv()
            if cmd == "stats":
                conn.send((len(server.log), server.body_bytes))
            elif cmd == "reset":
                server.reset_log()
                conn.send("ok")
            elif cmd == "bump":
                state["version"] += 1
                conn.send("ok")
            else:
                conn.send("bye")
                return


class Server:
    def __init__(self) -> None:
        bodies = [(CORPUS / "feeds" / name).read_bytes() for name in FEEDS]
        self.conn, child = mp.Pipe()
        self.proc = mp.get_context("spawn").Process(target=_server, args=(child, bodies), daemon=True)
        self.proc.start()
        self.base_url = self.conn.recv()

    def ask(self, cmd: str):  # type: ignore[no-untyped-def]
        self.conn.send(cmd)
        return self.conn.recv()

    def close(self) -> None:
        self.ask("stop")
        self.proc.join(timeout=10)


def run(n: int, server: Server, connections: int, baseline_max: int) -> list[tuple[str, ...]]:
    from vigie.config import FetchConfig
    from vigie.ingest.fetch import fetch_sources
    from vigie.ingest.health import FeedState
    from vigie.models import Source, SourceKind
    from vigie.ingest.normalize import normalize
    from vigie.ingest.parse import parse_fetched

    settings = FetchConfig(max_connections=connections, max_per_host=connections, timeout=60.0)
    sources = [Source(id=f"{server.base_url}/feed/{i}.xml", kind=SourceKind.FEED, location=f"{server.base_url}/feed/{i}.xml")
               for i in range(n)]
    rows = []
    states: dict[str, FeedState] = {}
    for label in ("poll 1 (cold, 200)", "poll 2 (unchanged, 304)", "poll 3 (changed, 200)"):
        if label.startswith("poll 3"):
            server.ask("bump")
        server.ask("reset")
        c0 = time.process_time()
        t0 = time.perf_counter()
        fetched = fetch_sources(sources, states, settings)
        t1 = time.perf_counter()
        parsed = [parse_fetched(f) for f in fetched]
        t2 = time.perf_counter()
        now = datetime.now(timezone.utc)
        articles = sum(len(normalize(p, now)) for p in parsed)
        t3 = time.perf_counter()
        cpu = time.process_time() - c0
        requests, body_bytes = server.ask("stats")
        statuses = {s: sum(1 for f in fetched if f.status == s) for s in ("ok", "not_modified", "error")}
        assert statuses["error"] == 0, [f.error for f in fetched if f.error][:3]
        states = {f.source.id: FeedState(source_id=f.source.id, etag=f.etag, last_modified=f.last_modified) for f in fetched}
        total = t3 - t0
        rows.append((str(n), label, f"{total:.2f}", f"{cpu:.2f}", f"{t1 - t0:.2f}", f"{t2 - t1:.2f}", f"{t3 - t2:.2f}",
                     f"{requests / (t1 - t0):.0f}", f"{body_bytes / 1e6:.1f} MB", str(articles),
                     f"{statuses['ok']} ok / {statuses['not_modified']} 304"))

    import feedparser

    m = min(n, baseline_max)
    server.ask("reset")
    c0 = time.process_time()
    t0 = time.perf_counter()
    entries = sum(len(feedparser.parse(s.location).entries) for s in sources[:m])
    took = time.perf_counter() - t0
    cpu = time.process_time() - c0
    requests, body_bytes = server.ask("stats")
    scale = n / m
    note = "" if m == n else f" (x{scale:g}, measured on {m})"
    rows.append((str(n), "naive feedparser.parse(url) loop" + note, f"{took * scale:.2f}", f"{cpu * scale:.2f}", "-", "-", "-",
                 f"{requests / took:.0f}", f"{body_bytes * scale / 1e6:.1f} MB", str(int(entries * scale)), "no validators"))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 100 only")
    ap.add_argument("--sizes", default="100,1000", help="comma-separated numbers of feeds")
    ap.add_argument("--connections", type=int, default=20, help="concurrent connections (default: the config default, 20)")
    ap.add_argument("--baseline-max", type=int, default=1000, help="run the naive loop on at most this many feeds and scale")
    args = ap.parse_args(argv)
    if not (CORPUS / "feeds").is_dir():
        print(f"the shared corpus is not at {CORPUS}", file=sys.stderr)
        return 2
    sizes = [100] if args.quick else [int(x) for x in args.sizes.split(",")]
    load_before = os.getloadavg()[0]
    server = Server()
    try:
        # Warm-up: imports and the language detector's first load are not what we measure.
        run(5, server, args.connections, 1)
        rows = [r for n in sizes for r in run(n, server, args.connections, args.baseline_max)]
    finally:
        server.close()
    head = ("feeds", "what", "total s", "cpu s", "fetch s", "parse s", "normalize s", "req/s (fetch)", "body bytes", "articles", "answers")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    for r in [head, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    for r in rows:
        if r[0] == "1000" and r[1].startswith("poll 2"):
            print(f"\ntarget: 1,000 unchanged feeds in under 5 s: {r[2]} s ({'met' if float(r[2]) < 5 else 'NOT met'})")
        if r[0] == "1000" and r[1].startswith("poll 3"):
            print(f"target: 1,000 changed feeds in under 60 s with parsing: {r[2]} s ({'met' if float(r[2]) < 60 else 'NOT met'})")
    print(f"\nconnections: {args.connections} overall and per host; server: one local process (HTTP/1.1 keep-alive); "
          f"CPUs: {os.cpu_count()}, load average at start: {load_before:.1f} (a shared machine skews the figures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
