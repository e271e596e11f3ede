"""Sign-in locks and session epochs: wrong passwords lock an account for a time that doubles,
and signing out (or a new password) ends every copy of every session of the account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, Table, select
from sqlalchemy.exc import IntegrityError

from renovation.account_tables import login_failures, session_epochs

LOCK_AFTER = 5
LOCK_FIRST = timedelta(minutes=1)
LOCK_LONGEST = timedelta(hours=24)


def lock_time(failures: int) -> timedelta | None:
    """How long the account is locked after ``failures`` wrong passwords in a row."""
    if failures < LOCK_AFTER:
        return None
    return min(LOCK_FIRST * 2 ** min(failures - LOCK_AFTER, 20), LOCK_LONGEST)


def locked_until(engine: Engine, user_id: int, *, now: datetime | None = None) -> datetime | None:
    """The end of the account's lock, if it is locked at ``now``."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        until = conn.execute(
            select(login_failures.c.locked_until).where(login_failures.c.user_id == user_id)
        ).scalar()
    if until is None:
        return None
    end = datetime.fromisoformat(until)
    return end if end > now else None


def session_epoch(engine: Engine, user_id: int) -> int:
    """The account's session epoch: a session made under another one is over."""
    with engine.connect() as conn:
        epoch = conn.execute(
            select(session_epochs.c.epoch).where(session_epochs.c.user_id == user_id)
        ).scalar()
    return epoch or 0


def end_sessions(engine: Engine, user_id: int) -> int:
    """End every session of the account (signing out, a new password); the new epoch."""
    with engine.begin() as conn:
        ensure_row(conn, session_epochs, user_id, epoch=0)
        conn.execute(
            session_epochs.update()
            .where(session_epochs.c.user_id == user_id)
            .values(epoch=session_epochs.c.epoch + 1)
        )
        return conn.execute(
            select(session_epochs.c.epoch).where(session_epochs.c.user_id == user_id)
        ).scalar_one()


def ensure_row(conn: Connection, table: Table, user_id: int, **values) -> None:
    """A row for the account in ``table``, made with ``values`` unless one is there."""
    if conn.execute(select(table.c.user_id).where(table.c.user_id == user_id)).first():
        return
    try:
        with conn.begin_nested():
            conn.execute(table.insert().values(user_id=user_id, **values))
    except IntegrityError:  # another request made it meanwhile
        pass


def count_failure(engine: Engine, user_id: int, now: datetime) -> None:
    with engine.begin() as conn:
        ensure_row(conn, login_failures, user_id, failures=0)
        conn.execute(
            login_failures.update()
            .where(login_failures.c.user_id == user_id)
            .values(failures=login_failures.c.failures + 1)
        )
        failures = conn.execute(
            select(login_failures.c.failures).where(login_failures.c.user_id == user_id)
        ).scalar_one()
        lock = lock_time(failures)
        if lock is not None:
            conn.execute(
                login_failures.update()
                .where(login_failures.c.user_id == user_id)
                .values(locked_until=(now + lock).isoformat())
            )
