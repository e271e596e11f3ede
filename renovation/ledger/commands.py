"""``renovation audit …``: verify, checkpoint, keygen, export (added to the group in cli.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from uuid import UUID

import click
from flask import current_app
from flask.cli import with_appcontext


def _runtime():
    return current_app.extensions["renovation"]


def _progress(total: int, desc: str):
    from tqdm import tqdm

    # Shown on large stores only: a few hundred events check in a blink.
    return tqdm(total=total, unit="ev", desc=desc, file=sys.stderr, disable=total < 10_000)


def check_log(rt, *, public_key=None) -> bool:
    """Recompute the audit log from the store and check the checkpoints; print the result."""
    from renovation.ledger.verify import verify_log

    log = rt.audit_log
    with _progress(log.head()[1], "audit log") as bar:
        result = verify_log(log, public_key=public_key, on_batch=bar.update)
    for line in result.report():
        click.echo(line)
    status = "ok" if result.ok else "FAILED"
    click.echo(
        f"audit log {status}: {result.events} stored events, {result.leaves} logged, "
        f"{result.checkpoints} checkpoints"
        + (f", {result.not_yet_logged} not yet logged" if result.not_yet_logged else "")
    )
    return result.ok


@click.command("verify")
@click.argument("project_id", type=click.UUID, required=False)
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="check the checkpoints' signatures with this key (PEM) instead of the service's own",
)
@with_appcontext
def audit_verify(project_id: UUID | None, public_key: Path | None) -> None:
    """Recompute the audit log from the stored bytes (every leaf, the tree at every stored
    checkpoint, each checkpoint's signature and consistency with the next), then each
    project's hash chain (one project, or all). Exits 1 naming the first bad position."""
    from renovation.ledger.notes import load_public_key
    from renovation.projections.audit import verify_project, verify_projects
    from renovation.projections.queries import list_summaries

    rt = _runtime()
    rt.catch_up()
    key = load_public_key(public_key.read_bytes()) if public_key else None
    log_ok = check_log(rt, public_key=key)
    if project_id:
        results = [verify_project(rt.app, rt.engine, project_id)]
    else:
        rows, _ = list_summaries(rt.engine, per_page=10**9)
        results = verify_projects(rt.app, rt.engine, [UUID(r["id"]) for r in rows])
    failed = 0
    for result in results:
        pid = result.project_id
        failed += not result.ok
        click.echo(
            f"{pid} {'ok' if result.ok else 'FAILED'} events={result.events_checked} "
            f"digest={result.chain_digest}"
        )
        for problem in result.problems:
            click.echo(f"    version {problem['version']}: {problem['problem']}")
    if failed or not log_ok:
        raise SystemExit(1)


@click.command("checkpoint")
@with_appcontext
def audit_checkpoint() -> None:
    """Log the events stored so far and sign a checkpoint of the log now; prints its note."""
    rt = _runtime()
    rt.catch_up()
    click.echo(rt.audit_log.checkpoint().note, nl=False)


@click.command("keygen")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def audit_keygen(output: Path) -> None:
    """Make an Ed25519 signing key: FILE (PKCS8 PEM, 0600) and FILE.pub (its public key).
    Point AUDIT_SIGNING_KEY at FILE; publish FILE.pub."""
    from renovation.ledger.notes import write_key_pair

    if output.exists():
        raise click.BadParameter(f"{output} exists; a key is never overwritten", param_hint="-o")
    write_key_pair(output)
    click.echo(f"wrote {output} and {output}.pub")


@click.command("export")
@click.option("--project", "project_id", type=click.UUID, default=None)
@click.option("--until", type=click.IntRange(min=0), default=None, help="last position covered")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def audit_export(project_id: UUID | None, until: int | None, output: Path) -> None:
    """Export the stored events (all, or one project's, with their inclusion proofs) and the
    checkpoints as JSON Lines, for tools/verify_export.py."""
    from renovation.ledger.export import write_export

    rt = _runtime()
    rt.catch_up()
    if project_id and not rt.app.recorder.select_events(project_id, limit=1):
        raise click.BadParameter(f"there is no project {project_id}", param_hint="--project")
    size, _ = rt.audit_log.head()
    if until is not None and until > size:
        raise click.BadParameter(f"the log holds positions 1 to {size}", param_hint="--until")
    partial = output.with_name(f".{output.name}.partial")
    try:
        with partial.open("w", encoding="utf-8") as out, _progress(until or size, "export") as bar:
            counts = write_export(
                rt.audit_log,
                rt.app.mapper,
                out,
                project_id=project_id,
                until=until,
                on_batch=bar.update,
            )
    except BaseException:
        partial.unlink(missing_ok=True)  # never half an export under the name asked for
        raise
    partial.replace(output)
    click.echo(
        f"wrote {output}: {counts['events']} events, {counts['checkpoints']} checkpoints, "
        f"positions 1 to {counts['until']}"
    )
