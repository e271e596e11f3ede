"""The service's opinion POST against the anchor (benchmarks/anchor_app.py), side by side.

    python benchmarks/bench_anchor.py [--seconds 10] [--skip-postgres] [--hot-only]

The anchor validates the same JSON and does one durable INSERT per request; the service
validates, decides, appends and keeps its read models. Both run under gunicorn with the same
settings (2 workers × 8 threads on 127.0.0.1) and are driven by the same load client (two
processes of keep-alive connections, benchmarks/bench_opinions_http.py), one after the other,
on a fresh database each. Prints rate, p50, p99, errors, rows stored once, and the ratio of
the service's rate to the anchor's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from anchor_app import opinions  # noqa: E402
from bench_opinions_http import (  # noqa: E402
    drive,
    percentiles,
    scenario,
    start_server,
    with_postgres,
)


def anchor(database_url: str, projects: int, clients: int, seconds: float) -> tuple[float, str]:
    """The anchor's rate and its table cells."""
    ids = [str(uuid.uuid4()) for _ in range(projects)]
    with tempfile.TemporaryDirectory() as instance:
        server, port = start_server(
            database_url,
            Path(instance),
            app_spec="benchmarks.anchor_app:app",
            extra_env={"ANCHOR_DATABASE_URL": database_url},
        )
        try:
            elapsed, latencies, statuses = drive(port, ids, clients, seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)
    engine = create_engine(database_url)
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(opinions)).scalar_one()
    engine.dispose()
    created = statuses.get(201, 0)
    errors = sum(n for s, n in statuses.items() if s != 201)
    p50, p99 = percentiles(latencies)
    rate = created / elapsed
    once = "yes" if stored == created else f"NO ({stored}/{created})"
    return rate, f"{rate:,.0f}/s | {p50:.0f} ms | {p99:.0f} ms | {errors} | {once}"


def service(database_url: str, projects: int, clients: int, seconds: float) -> tuple[float, str]:
    """The service's rate and its table cells (the same columns as the anchor's)."""
    row = scenario(database_url, "", projects, clients, seconds)
    cells = [c.strip() for c in row.strip("|").split("|")][3:]
    return float(cells[0].removesuffix("/s").replace(",", "")), " | ".join(cells)


def compare(database_url: str, label: str, projects: int, clients: int, seconds: float) -> None:
    anchor_url, service_url = database_url
    a_rate, a_cells = anchor(anchor_url, projects, clients, seconds)
    s_rate, s_cells = service(service_url, projects, clients, seconds)
    print(
        f"| {label} | {projects} | {clients} | {a_cells} | {s_cells} | **{s_rate / a_rate:.2f}** |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--hot-only", action="store_true", help="only the one-project scenario")
    args = parser.parse_args()
    scenarios = [(1, 50)] if args.hot_only else [(20, 16), (1, 50)]
    head = "rate | p50 | p99 | errors | stored once"
    print(f"| database | projects | clients | anchor: {head} | service: {head} | ratio |")
    print("|---|---|---|" + "---|" * 10 + "---|")
    for projects, clients in scenarios:
        with tempfile.TemporaryDirectory() as tmp:
            urls = (f"sqlite:///{tmp}/anchor.sqlite", f"sqlite:///{tmp}/events.sqlite")
            compare(urls, "SQLite", projects, clients, args.seconds)
        if not args.skip_postgres:
            with_postgres(
                args.postgres,
                lambda a, p=projects, c=clients: with_postgres(
                    args.postgres,
                    lambda s: compare((a, s), "PostgreSQL", p, c, args.seconds),
                ),
            )


if __name__ == "__main__":
    main()
