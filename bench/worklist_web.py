"""Worklist page latency through Flask (test client: routing, login session, queries, Jinja, i18n), by size.

Open tasks are bulk-inserted as rows (no workflows), then the worklist pages a handler uses are timed:
the group queue (first page and a keyset page further on), my tasks and overdue.

Run: .venv/bin/python bench/worklist_web.py [--sizes 10000,100000] [--repeat 200] [--pg]
(--pg uses BENCH_PG_URL, default the closeloop_bench database, whose schema is dropped and recreated.)
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

# replace (not prepend) the script's folder: bench/http.py would shadow the standard library's http package
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.common import PG_URL, bulk_open_tasks, make_app, percentiles, pg_available, timed  # noqa: E402


def _client(app):  # type: ignore[no-untyped-def]
    client = app.test_client()
    r = client.post("/login", data={"username": "handler", "password": "bench-pass-1"})
    assert r.status_code == 302, r.status_code
    return client


def _get(client, url: str) -> str:  # type: ignore[no-untyped-def]
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return r.get_data(as_text=True)


def run(url: str | None, sizes: list[int], repeat: int) -> None:
    """Print p50/p95 per page and size."""
    app = make_app(url)
    label = "postgresql" if url else "sqlite"
    loaded = 0
    for size in sizes:
        bulk_open_tasks(app, size - loaded)
        loaded = size
        client = _client(app)
        first = _get(client, "/?tab=group")
        rows = len(re.findall(r"<tr data-task=", first))
        cursor = re.search(r'href="/\?[^"]*cursor=([^"&]+)', first)
        deep = f"/?tab=group&cursor={cursor.group(1)}" if cursor else "/?tab=group"
        pages = {"group queue, page 1": "/?tab=group", "group queue, page 2": deep,
                 "my tasks": "/?tab=mine", "overdue": "/?tab=overdue"}
        for name, page_url in pages.items():
            _get(client, page_url)  # warm
            p50, p95 = percentiles(timed(lambda u=page_url, c=client: _get(c, u), repeat))
            print(f"{label} {size:>7,} open tasks  {name:<20} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
                  f"  ({rows} rows/page)")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--pg", action="store_true", help="also run on PostgreSQL (BENCH_PG_URL)")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    run(None, sizes, args.repeat)
    if args.pg:
        if pg_available():
            run(PG_URL, sizes, args.repeat)
        else:
            print("postgresql: not reachable, skipped")


if __name__ == "__main__":
    main()
