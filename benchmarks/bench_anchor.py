"""The service's opinion POST against the anchor (benchmarks/anchor_app.py), side by side.

    python benchmarks/bench_anchor.py [--seconds 10] [--skip-postgres] [--hot-only]
                                      [--worker external|thread]

The anchor validates the same JSON and does one durable INSERT per request; the service
validates, decides, appends and keeps its read models. Both run under gunicorn with the same
settings (2 workers × 8 threads on 127.0.0.1) and are driven by the same load client (two
processes of keep-alive connections, benchmarks/bench_opinions_http.py), one after the other,
on a fresh database each. Prints rate, p50, p99, errors, rows stored once, the ratio of
the service's rate to the anchor's, and issue 12's target beside whether it was met; then the
CPU each took per answered request: the web processes, the projection worker, PostgreSQL.
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

import cpu_budget  # noqa: E402
from anchor_app import make_engine, opinions  # noqa: E402
from bench_opinions_http import (  # noqa: E402
    WARM_UP_SECONDS,
    drive,
    percentiles,
    scenario,
    start_server,
    with_postgres,
)


def anchor(
    database_url: str,
    projects: int,
    clients: int,
    seconds: float,
    budget: dict[str, float] | None = None,
) -> tuple[float, str]:
    """The anchor's rate and its table cells; ``budget``: filled as ``scenario`` fills it."""
    ids = [str(uuid.uuid4()) for _ in range(projects)]
    # The table is made here, once: two workers making it at once on PostgreSQL can collide
    # in the catalogue, and the worker that loses fails to boot.
    make_engine(database_url).dispose()
    with tempfile.TemporaryDirectory() as instance:
        server, port = start_server(
            database_url,
            Path(instance),
            app_spec="benchmarks.anchor_app:app",
            extra_env={"ANCHOR_DATABASE_URL": database_url},
        )
        engine = create_engine(database_url)
        count = select(func.count()).select_from(opinions)
        try:
            drive(port, ids, clients, WARM_UP_SECONDS)
            with engine.connect() as conn:
                before = conn.execute(count).scalar_one()
            cpu_before = cpu_budget.sample(server.pid)
            elapsed, latencies, statuses = drive(port, ids, clients, seconds)
            if budget is not None:
                cpu_after = cpu_budget.sample(server.pid)
                budget.update(cpu_budget.per_request(cpu_before, cpu_after, statuses.get(201, 0)))
        finally:
            server.terminate()
            server.wait(timeout=30)
    with engine.connect() as conn:
        stored = conn.execute(count).scalar_one() - before
    engine.dispose()
    created = statuses.get(201, 0)
    errors = sum(n for s, n in statuses.items() if s != 201)
    p50, p99 = percentiles(latencies)
    rate = created / elapsed
    once = "yes" if stored == created else f"NO ({stored}/{created})"
    return rate, f"{rate:,.0f}/s | {p50:.0f} ms | {p99:.0f} ms | {errors} | {once}"


def service(
    database_url: str,
    projects: int,
    clients: int,
    seconds: float,
    worker: str,
    budget: dict[str, float] | None = None,
) -> tuple[float, str]:
    """The service's rate and its table cells (the same columns as the anchor's)."""
    row = scenario(database_url, "", projects, clients, seconds, worker=worker, budget=budget)
    cells = [c.strip() for c in row.strip("|").split("|")][3:]
    return float(cells[0].removesuffix("/s").replace(",", "")), " | ".join(cells)


# Issue 12's targets. Spread over projects: the service's rate ≥ 0.6 × the anchor's, its p99
# ≤ 2 × the anchor's p99. One hot project (50 clients): ≥ 250/s with p99 ≤ 200 ms. Both: no
# error, every answered opinion stored once.
SPREAD_RATIO = 0.6
SPREAD_P99_FACTOR = 2
HOT_RATE = 250
HOT_P99_MS = 200


def numbers(cells: str) -> tuple[float, float, float, int, bool]:
    """Rate, p50, p99, errors and stored-once of a row's cells."""
    rate, p50, p99, errors, once = [c.strip() for c in cells.split("|")]
    value = lambda text: float(text.split()[0].removesuffix("/s").replace(",", ""))  # noqa: E731
    return value(rate), value(p50), value(p99), int(errors), once == "yes"


def verdict(hot: bool, anchor_cells: str, service_cells: str) -> tuple[str, bool]:
    """The target of the scenario and whether the service met it."""
    a_rate, _a50, a_p99, a_errors, a_once = numbers(anchor_cells)
    rate, _p50, p99, errors, once = numbers(service_cells)
    clean = errors == 0 and once and a_errors == 0 and a_once
    if hot:
        target = f"≥ {HOT_RATE}/s, p99 ≤ {HOT_P99_MS} ms"
        return target, clean and rate >= HOT_RATE and p99 <= HOT_P99_MS
    target = f"ratio ≥ {SPREAD_RATIO}, p99 ≤ {SPREAD_P99_FACTOR} × {a_p99:.0f} ms"
    return target, clean and rate >= SPREAD_RATIO * a_rate and p99 <= SPREAD_P99_FACTOR * a_p99


def compare(
    database_url: tuple[str, str],
    label: str,
    projects: int,
    clients: int,
    seconds: float,
    worker: str,
) -> None:
    anchor_url, service_url = database_url
    a_budget: dict[str, float] = {}
    s_budget: dict[str, float] = {}
    a_rate, a_cells = anchor(anchor_url, projects, clients, seconds, a_budget)
    s_rate, s_cells = service(service_url, projects, clients, seconds, worker, s_budget)
    target, met = verdict(projects == 1, a_cells, s_cells)
    print(
        f"| {label} | {worker} | {projects} | {clients} | {a_cells} | {s_cells} "
        f"| **{s_rate / a_rate:.2f}** | {target} | {'met' if met else '**not met**'} |",
        flush=True,
    )
    BUDGETS.append(
        f"| {label} | {projects} | {clients} | {cpu_budget.cells(a_budget)} "
        f"| {cpu_budget.cells(s_budget)} |"
    )


# Rows of the second table: CPU per answered request, printed after the first.
BUDGETS: list[str] = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--hot-only", action="store_true", help="only the one-project scenario")
    parser.add_argument(
        "--worker",
        choices=["external", "thread"],
        default="external",
        help="the service's PROJECTION_WORKER: external (one `projections follow` process, as "
        "docs/deploy.md runs it; the default) or thread (one in each web process)",
    )
    args = parser.parse_args()
    scenarios = [(1, 50)] if args.hot_only else [(20, 16), (1, 50)]
    head = "rate | p50 | p99 | errors | stored once"
    print(
        f"| database | worker | projects | clients | anchor: {head} | service: {head} "
        "| ratio | target | |"
    )
    print("|---|---|---|---|" + "---|" * 10 + "---|---|---|")
    for projects, clients in scenarios:
        with tempfile.TemporaryDirectory() as tmp:
            urls = (f"sqlite:///{tmp}/anchor.sqlite", f"sqlite:///{tmp}/events.sqlite")
            compare(urls, "SQLite", projects, clients, args.seconds, args.worker)
        if not args.skip_postgres:
            with_postgres(
                args.postgres,
                lambda a, p=projects, c=clients: with_postgres(
                    args.postgres,
                    lambda s: compare((a, s), "PostgreSQL", p, c, args.seconds, args.worker),
                ),
            )
    parts = "web | worker | database | all"
    print(
        f"\nCPU per answered request (ms; the load client left out):\n\n"
        f"| database | projects | clients | anchor: {parts} | service: {parts} |"
    )
    print("|---|---|---|" + "---|" * 8)
    print("\n".join(BUDGETS))


if __name__ == "__main__":
    main()
