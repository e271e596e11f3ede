"""The ``renovation`` command: serve, demo data, users and tokens, projections, audit, reports."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from uuid import UUID

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from renovation import accounts
from renovation.ledger.commands import (
    audit_checkpoint,
    audit_export,
    audit_keygen,
    audit_verify,
    check_log,
)
from renovation.vocabulary import vocabulary


def _create_app():
    from renovation.web import create_app

    # A command applies the events it needs itself (``projections follow`` is the worker);
    # no worker thread in a command's process.
    return create_app({"PROJECTION_WORKER": "inline"})


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Old-neighbourhood renovation (城镇老旧小区改造): an event-sourced ledger."""


def _english(error: accounts.AccountError) -> str:
    return vocabulary("en").refusal(error.code, error.params)


def _runtime():
    return current_app.extensions["renovation"]


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default=lambda: os.environ.get("LOG_FORMAT") or "text",
    show_default="LOG_FORMAT, else text",
    help="json: the access and application logs as one JSON object a line",
)
def serve(host: str, port: int, workers: int, log_format: str) -> None:
    """Run the service with gunicorn (production-grade WSGI server).

    Rate limits kept in memory (``RATELIMIT_STORAGE_URI`` unset or ``memory://``) are held by
    one process: several workers would each count on their own and let through several times
    the limit. Then the service runs one worker with as many threads as the workers would have
    had together; set ``RATELIMIT_STORAGE_URI=redis://…`` to run several workers."""
    workers, threads = serve_processes(workers)
    os.environ["LOG_FORMAT"] = log_format  # the app and the access log read it
    os.execvp(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--access-logfile",
            "-",
            # no household or tracking codes, tokens or cookies in the access log
            "--logger-class",
            "renovation.access_log.RedactingLogger",
            "renovation.wsgi_entry:app",
        ],
    )


THREADS_PER_WORKER = 4


def serve_processes(workers: int) -> tuple[int, int]:
    """The workers and threads ``serve`` runs: one worker when rate limits live in memory."""
    storage = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
    limits_on = os.environ.get("RATELIMIT_ENABLED", "1") != "0"
    if workers > 1 and limits_on and storage.startswith("memory://"):
        threads = THREADS_PER_WORKER * workers
        click.echo(
            f"serve: rate limits are kept in memory (RATELIMIT_STORAGE_URI={storage}), which "
            f"{workers} worker processes would each count on their own; running 1 worker with "
            f"{threads} threads instead. Set RATELIMIT_STORAGE_URI=redis://… to run several.",
            err=True,
        )
        return 1, threads
    return max(workers, 1), THREADS_PER_WORKER


# ---- demo ----------------------------------------------------------------------------------

DEMO_USERS = [
    ("staff", "staff-demo-2026", "staff", "清江浦区住建局 王科长", ["清江浦区"]),
    ("changzhou", "staff-demo-2026", "staff", "天宁区住建局 李工", ["天宁区"]),
    ("auditor", "audit-demo-2026", "auditor", "市审计局 陈审计", []),
    ("admin", "admin-demo-2026", "admin", "系统管理员", []),
]
# The resident supervisor of 河海新村, whose sign-off an item is waiting for.
DEMO_SUPERVISOR = ("jiandu", "jiandu-demo-2026", "supervisor", "河海新村 2幢居民监督员")


@main.command("demo")
@with_appcontext
def demo() -> None:
    """Load the demo district and demo accounts (idempotent)."""
    from renovation.demo import load_demo

    rt = _runtime()
    loaded = load_demo(rt.app)
    ids = loaded["projects"]
    rt.catch_up()
    for username, password, role, name, districts in DEMO_USERS:
        with contextlib.suppress(accounts.AccountError):  # already there from an earlier run
            accounts.add_user(
                rt.engine, username, password, role, display_name=name, districts=districts
            )
    if loaded["supervisor"]:
        project_id, supervisor_id = loaded["supervisor"]
        with contextlib.suppress(accounts.AccountError):
            accounts.add_supervisor_account(
                rt.engine,
                DEMO_SUPERVISOR[0],
                DEMO_SUPERVISOR[1],
                project_id=project_id,
                supervisor_id=supervisor_id,
                display_name=DEMO_SUPERVISOR[3],
            )
    click.echo(f"demo: {len(ids)} projects, position {rt.projection.position()}")
    click.echo("demo logins (username / password / role):")
    for username, password, role, name, _ in [*DEMO_USERS, (*DEMO_SUPERVISOR, [])]:
        click.echo(f"  {username:10} {password:18} {role:10} {name}")
    if loaded["household_codes"]:
        click.echo("household codes to try the voting page (shown once, now):")
        for flat, code in loaded["household_codes"].items():
            click.echo(f"  {flat:24} {code}")
    from renovation.web.links import reachable_from_phones

    if not reachable_from_phones(current_app.config.get("PUBLIC_BASE_URL")):
        click.echo(
            "NOTE: PUBLIC_BASE_URL is not set (or is a loopback address): the links and QR "
            "codes on household code slips point at this machine, and phones cannot open them "
            "until PUBLIC_BASE_URL is set to an address phones reach, where the service listens "
            "(e.g. PUBLIC_BASE_URL=http://192.168.1.20:5000)."
        )


# ---- users ---------------------------------------------------------------------------------


@main.group("users")
def users() -> None:
    """Accounts and API tokens."""


@users.command("add")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice([r for r in accounts.ROLES if r != "supervisor"]),
    required=True,
    help="resident supervisors' accounts are made on the project's acceptance page",
)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default="")
@click.option(
    "--district",
    "districts",
    multiple=True,
    help="staff: districts they may write in; auditors: those they read (AUDITOR_SCOPE=district)",
)
@click.option(
    "--all-districts",
    is_flag=True,
    help="staff: may write in every district (a city-wide account, made on purpose)",
)
@with_appcontext
def users_add(username, role, password, display_name, districts, all_districts) -> None:
    """Create an account. Staff need --district (one or more) or --all-districts."""
    if role == "staff" and not districts and not all_districts:
        raise click.UsageError(_english(accounts.AccountError("staff_needs_district")))
    if all_districts:
        if role != "staff" or districts:
            raise click.UsageError(_english(accounts.AccountError("all_districts_alone")))
        districts = (accounts.ALL_DISTRICTS,)
    try:
        user = accounts.add_user(
            _runtime().engine,
            username,
            password,
            role,
            display_name=display_name,
            districts=list(districts),
        )
    except accounts.AccountError as error:
        raise click.BadParameter(_english(error), param_hint=error.field) from None
    click.echo(f"added {user.username} ({user.role})")


@users.command("password")
@click.argument("username")
@click.option("--password", prompt="New password", hide_input=True, confirmation_prompt=True)
@with_appcontext
def users_password(username, password) -> None:
    """Set an account's password (an admin's reset; the policy applies)."""
    try:
        accounts.set_password(_runtime().engine, username, password)
    except accounts.AccountError as error:
        raise click.BadParameter(_english(error), param_hint=error.field) from None
    click.echo(f"password of {username} changed")


@users.command("disable")
@click.argument("username")
@with_appcontext
def users_disable(username) -> None:
    """Disable an account: no sign-in, its sessions and tokens stop working."""
    _set_active(username, False)


@users.command("enable")
@click.argument("username")
@with_appcontext
def users_enable(username) -> None:
    """Enable a disabled account again (and lift any lock from failed sign-ins)."""
    _set_active(username, True)


def _set_active(username: str, active: bool) -> None:
    try:
        accounts.set_active(_runtime().engine, username, active)
    except accounts.AccountError as error:
        raise click.BadParameter(_english(error), param_hint="username") from None
    click.echo(f"{username} {'enabled' if active else 'disabled'}")


@users.command("token")
@click.argument("username")
@click.option("--label", default="cli")
@click.option(
    "--days",
    default=accounts.DEFAULT_TOKEN_DAYS,
    show_default=True,
    type=int,
    help="how many days the token works",
)
@with_appcontext
def users_token(username, label, days) -> None:
    """Issue an API bearer token (printed once; its id and expiry go to stderr)."""
    engine = _runtime().engine
    try:
        token = accounts.issue_token(engine, username, label, days=days)
    except accounts.AccountError as error:
        raise click.BadParameter(_english(error), param_hint=error.field) from None
    info = accounts.list_tokens(engine, username)[-1]
    click.echo(token)
    click.echo(f"token {info.id} expires {info.expires_at.isoformat(timespec='seconds')}", err=True)


@users.command("tokens")
@click.argument("username")
@with_appcontext
def users_tokens(username) -> None:
    """List an account's bearer tokens: id, label, made, expires, status."""
    from datetime import UTC, datetime

    try:
        tokens = accounts.list_tokens(_runtime().engine, username)
    except accounts.AccountError as error:
        raise click.BadParameter(_english(error), param_hint="username") from None
    now = datetime.now(UTC)
    for t in tokens:
        click.echo(
            f"{t.id:>6}  {t.label:20}  {t.created_at.isoformat(timespec='seconds')}  "
            f"{t.expires_at.isoformat(timespec='seconds')}  {t.status(now)}"
        )


@users.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def users_revoke(token_id) -> None:
    """Revoke a bearer token by its id (see ``users tokens``); it stops working at once."""
    try:
        info = accounts.revoke_token(_runtime().engine, token_id)
    except accounts.AccountError as error:
        raise click.BadParameter(_english(error), param_hint="token_id") from None
    click.echo(f"token {info.id} of {info.username} revoked")


# ---- projections ---------------------------------------------------------------------------


@main.group("projections")
def projections() -> None:
    """Read models kept from the events."""


@projections.command("status")
@with_appcontext
def projections_status() -> None:
    status = _runtime().projection.status()
    click.echo(json.dumps({"position": status.position, "head": status.head, "lag": status.lag}))


@projections.command("follow")
@click.option("--interval", default=0.5, show_default=True, type=float)
@with_appcontext
def projections_follow(interval: float) -> None:
    """Keep the read models and the audit log up to date until stopped (the projection
    worker; run it beside a service started with PROJECTION_WORKER=external). Woken by the
    event store's NOTIFY on PostgreSQL; on SQLite it looks every --interval seconds."""
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    click.echo("following the event store; Ctrl-C to stop")
    sys.stdout.flush()
    with contextlib.suppress(KeyboardInterrupt):
        _runtime().follow(interval=interval, stop=lambda: bool(stopping))


@projections.command("rebuild")
@click.option("--batch-size", default=5000, show_default=True, type=int)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="a progress bar on stderr  [default: when stderr is a terminal]",
)
@with_appcontext
def projections_rebuild(batch_size: int, progress: bool | None) -> None:
    """Replay every event into fresh read-model tables, then swap them in at once (the
    live read model keeps serving meanwhile, and as it was if the rebuild dies); then
    recompute the audit log from the store and compare it with the kept one."""
    from tqdm import tqdm

    from renovation.projections.rebuild import RebuildRunning, rebuild

    rt = _runtime()
    # The audit log is never rebuilt: recomputed from the store and compared first (so the
    # report stands even if an altered event then fails to replay), differences reported
    # with exit status 1, never adopted.
    rt.audit_log.catch_up()
    log_ok = check_log(rt)
    head = rt.app.recorder.max_notification_id() or 0
    disable = None if progress is None else not progress  # None: tqdm asks isatty
    with tqdm(total=head, unit="ev", desc="rebuild", file=sys.stderr, disable=disable) as bar:
        try:
            done = rebuild(rt.app, rt.engine, batch_size=batch_size, on_batch=bar.update)
        except RebuildRunning as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"rebuilt from {done.events} events, position {done.position}")
    if not log_ok:
        raise SystemExit(1)


@main.group("vault")
def vault() -> None:
    """The keys sealing residents' personal data."""


@vault.command("cleanup")
@click.option(
    "--older-than-minutes",
    default=60,
    show_default=True,
    type=click.IntRange(min=0),
    help="keep keys younger than this (their command may still be running)",
)
@with_appcontext
def vault_cleanup(older_than_minutes: int) -> None:
    """Destroy keys that no stored event names (left by commands that failed after sealing)."""
    from datetime import timedelta

    destroyed = _runtime().destroy_orphan_keys(older_than=timedelta(minutes=older_than_minutes))
    click.echo(f"destroyed {destroyed} orphan keys")


# ---- audit and reports ---------------------------------------------------------------------


@main.group("audit")
def audit() -> None:
    """Verify the history: the audit log, its checkpoints, exports."""


for _command in (audit_verify, audit_checkpoint, audit_keygen, audit_export):
    audit.add_command(_command)


@main.group("report")
def report() -> None:
    """Render PDF reports."""


@report.command("project")
@click.argument("project_id", type=click.UUID)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--as-of", "as_of", default=None, help="ISO 8601 time; Beijing time if no offset")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
@with_appcontext
def report_project(project_id: UUID, output: Path, as_of: str | None, lang: str) -> None:
    """The project report as PDF."""
    from marshmallow import ValidationError

    from renovation.application.errors import ProjectNotFoundError
    from renovation.reports.contexts import project_report_pdf
    from renovation.web.api.schemas import ReportQueryArgsSchema

    try:
        args = ReportQueryArgsSchema().load({"as_of": as_of} if as_of else {})
    except ValidationError as error:
        raise click.BadParameter(str(error.messages), param_hint="--as-of") from None
    try:
        pdf = project_report_pdf(_runtime(), project_id, as_of=args.get("as_of"), lang=lang)
    except ProjectNotFoundError as error:
        raise click.ClickException(str(error)) from None
    output.write_bytes(pdf)
    click.echo(f"wrote {output} ({len(pdf)} bytes)")


@report.command("district")
@click.argument("district")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--year", type=int, default=None, help="the programme year (年度)")
@click.option("--as-of", "as_of", default=None, help="a local date, YYYY-MM-DD")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
@with_appcontext
def report_district(
    district: str, output: Path, year: int | None, as_of: str | None, lang: str
) -> None:
    """The district report as PDF: figures, charts and one line per project."""
    from marshmallow import ValidationError

    from renovation.reports.district import district_report_pdf
    from renovation.web.api.figures import FiguresQueryArgsSchema

    given = {k: v for k, v in (("year", year), ("as_of", as_of)) if v is not None}
    try:
        args = FiguresQueryArgsSchema().load(given)
    except ValidationError as error:
        name = next(iter(error.messages))
        hint = "--" + name.replace("_", "-")
        raise click.BadParameter(str(error.messages[name]), param_hint=hint) from None
    pdf = district_report_pdf(
        _runtime(), district, year=args.get("year"), as_of=args.get("as_of"), lang=lang
    )
    output.write_bytes(pdf)
    click.echo(f"wrote {output} ({len(pdf)} bytes)")


@report.command("acceptance")
@click.argument("project_id", type=click.UUID)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--as-of", "as_of", default=None, help="ISO 8601 time; Beijing time if no offset")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
@with_appcontext
def report_acceptance(project_id: UUID, output: Path, as_of: str | None, lang: str) -> None:
    """The completion acceptance record (竣工验收记录) as PDF."""
    from marshmallow import ValidationError

    from renovation.application.errors import ProjectNotFoundError
    from renovation.reports.acceptance import acceptance_record_pdf
    from renovation.web.api.acceptance_report import photo_thumbnail
    from renovation.web.api.schemas import ReportQueryArgsSchema

    try:
        args = ReportQueryArgsSchema().load({"as_of": as_of} if as_of else {})
    except ValidationError as error:
        raise click.BadParameter(str(error.messages), param_hint="--as-of") from None
    rt = _runtime()
    try:
        pdf = acceptance_record_pdf(
            rt, project_id, as_of=args.get("as_of"), lang=lang, thumbnail=photo_thumbnail(rt)
        )
    except ProjectNotFoundError as error:
        raise click.ClickException(str(error)) from None
    output.write_bytes(pdf)
    click.echo(f"wrote {output} ({len(pdf)} bytes)")
