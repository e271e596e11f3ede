"""Staff, auditor, admin and resident-supervisor accounts; API bearer tokens. Not
event-sourced: plain tables.

A resident supervisor's account (居民监督员) is bound to one project and to the supervisor
the project appointed: it records that supervisor's inspection notes and sign-offs, nothing
else.

Passwords are argon2 hashes; tokens are stored as SHA-256 digests, so a leaked table
gives no usable token.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Connection,
    Engine,
    select,
)
from sqlalchemy.exc import IntegrityError

from renovation.account_locks import count_failure, locked_until
from renovation.account_tables import (
    ALL_DISTRICTS,
    account_metadata,
    api_token_expiry,
    api_tokens,
    login_failures,
    supervisor_accounts,
    users,
)
from renovation.domain.errors import DomainError
from renovation.password_policy import password_problem

ROLES = ("staff", "auditor", "admin", "supervisor")
TOKEN_PREFIX = "rnv_"

DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 3650

_hasher = PasswordHasher()


class AccountError(DomainError):
    """A user cannot be created or found as asked."""

    code = "account_refused"


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    districts: tuple[str, ...]
    # A supervisor's account: the project and the appointed supervisor it acts for.
    project_id: str | None = None
    supervisor_id: str | None = None
    # A staff account made city-wide on purpose (``--all-districts``).
    all_districts: bool = False

    @property
    def actor_id(self) -> str:
        return f"user:{self.username}"

    def may_write_in(self, district: str) -> bool:
        """Admins everywhere; staff in their districts (all when made city-wide), an
        account without a district nowhere."""
        if self.role == "admin":
            return True
        return self.role == "staff" and (self.all_districts or district in self.districts)


def create_tables(bind: Engine | Connection) -> None:
    account_metadata.create_all(bind)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _user(conn: Connection, row) -> User:
    named = tuple(d for d in row.districts.split(",") if d)
    districts = tuple(d for d in named if d != ALL_DISTRICTS)
    binding = None
    if row.role == "supervisor":
        binding = conn.execute(
            select(supervisor_accounts).where(supervisor_accounts.c.user_id == row.id)
        ).first()
    return User(
        row.id,
        row.username,
        row.display_name,
        row.role,
        districts,
        project_id=binding.project_id if binding else None,
        supervisor_id=binding.supervisor_id if binding else None,
        all_districts=ALL_DISTRICTS in named,
    )


def add_user(
    engine: Engine,
    username: str,
    password: str,
    role: str,
    *,
    display_name: str = "",
    districts: list[str] | None = None,
) -> User:
    username = username.strip()
    if not username:
        raise AccountError("required", field="username")
    if role not in ROLES:
        raise AccountError("not_allowed_value", field="role", choices=list(ROLES))
    if role == "supervisor":
        raise AccountError("supervisor_account_needs_project", field="role")
    return _insert_user(engine, username, password, role, display_name, districts)


def _insert_user(
    engine: Engine,
    username: str,
    password: str,
    role: str,
    display_name: str,
    districts: list[str] | None,
    binding: tuple[str, str] | None = None,
) -> User:
    username = username.strip()
    if not username:
        raise AccountError("required", field="username")
    check_password(password, username)
    try:
        with engine.begin() as conn:
            conn.execute(
                users.insert().values(
                    username=username,
                    display_name=display_name or username,
                    password_hash=_hasher.hash(password),
                    role=role,
                    districts=",".join(d.strip() for d in districts or [] if d.strip()),
                    active=True,
                    created_at=_now(),
                )
            )
            if binding is not None:
                user_id = conn.execute(
                    select(users.c.id).where(users.c.username == username)
                ).scalar_one()
                taken = conn.execute(
                    select(supervisor_accounts.c.user_id).where(
                        supervisor_accounts.c.project_id == binding[0],
                        supervisor_accounts.c.supervisor_id == binding[1],
                    )
                ).first()
                if taken:
                    raise AccountError("supervisor_has_account", field="supervisor_id")
                conn.execute(
                    supervisor_accounts.insert().values(
                        user_id=user_id, project_id=binding[0], supervisor_id=binding[1]
                    )
                )
    except IntegrityError:
        raise AccountError("user_exists", field="username", username=username) from None
    return get_user_by_name(engine, username)


def check_password(password: str, username: str = "", *, field: str = "password") -> None:
    """Refuse a password the policy does not allow (see renovation.password_policy)."""
    problem = password_problem(password, username)
    if problem is not None:
        code, params = problem
        raise AccountError(code, field=field, **params)


def set_password(engine: Engine, username: str, password: str) -> None:
    """Give the account a new password (an admin's reset, from the command line)."""
    user = get_user_by_name(engine, username)
    check_password(password, user.username)
    with engine.begin() as conn:
        conn.execute(
            users.update().where(users.c.id == user.id).values(password_hash=_hasher.hash(password))
        )


def change_password(
    engine: Engine, user_id: int, current: str, new: str, *, now: datetime | None = None
) -> None:
    """The signed-in account changes its own password; the current one must be given. A
    wrong one counts towards the account's lock like a failed sign-in, and a locked account
    changes nothing."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.id == user_id)).first()
    if row is None:
        raise AccountError("unknown_user", field="username", username=str(user_id))
    try:
        _hasher.verify(row.password_hash, current)
    except (VerificationError, InvalidHashError):
        if locked_until(engine, user_id, now=now) is None:
            count_failure(engine, user_id, now)
        raise AccountError("wrong_current_password", field="current") from None
    if locked_until(engine, user_id, now=now) is not None:
        raise AccountError("wrong_current_password", field="current")
    if new == current:
        raise AccountError("password_unchanged", field="new")
    check_password(new, row.username, field="new")
    with engine.begin() as conn:
        conn.execute(
            users.update().where(users.c.id == user_id).values(password_hash=_hasher.hash(new))
        )


def set_active(engine: Engine, username: str, active: bool) -> User:
    """Disable an account (it signs in nowhere, its sessions and tokens stop working) or
    enable it again, which also clears its failed sign-ins and any lock."""
    user = get_user_by_name(engine, username)
    with engine.begin() as conn:
        conn.execute(users.update().where(users.c.id == user.id).values(active=active))
        if active:
            conn.execute(login_failures.delete().where(login_failures.c.user_id == user.id))
    return user


def add_supervisor_account(
    engine: Engine,
    username: str,
    password: str,
    *,
    project_id: str,
    supervisor_id: str,
    display_name: str = "",
) -> User:
    """An account for a project's appointed resident supervisor, and for nothing else."""
    return _insert_user(
        engine, username, password, "supervisor", display_name, None, (project_id, supervisor_id)
    )


def supervisor_account_names(engine: Engine, project_id: str) -> dict[str, str]:
    """The username of each of the project's supervisors that has an account."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(supervisor_accounts.c.supervisor_id, users.c.username)
            .join(users, users.c.id == supervisor_accounts.c.user_id)
            .where(supervisor_accounts.c.project_id == project_id)
        ).all()
    return {row.supervisor_id: row.username for row in rows}


def get_user(engine: Engine, user_id: int) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(users).where(users.c.id == user_id, users.c.active.is_(True))
        ).first()
        return _user(conn, row) if row else None


def get_user_by_name(engine: Engine, username: str) -> User:
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == username)).first()
        if row is None:
            raise AccountError("unknown_user", field="username", username=username)
        return _user(conn, row)


def display_names(engine: Engine, actor_ids: Iterable[str]) -> dict[str, str]:
    """The display name of each account among ``actor_ids`` (``user:<username>``).

    What a printed record shows for who did something; ids of no account are left out.
    """
    usernames = {a.removeprefix("user:") for a in actor_ids if a and a.startswith("user:")}
    if not usernames:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(users.c.username, users.c.display_name).where(users.c.username.in_(usernames))
        ).all()
    return {f"user:{row.username}": row.display_name for row in rows}


def authenticate(
    engine: Engine, username: str, password: str, *, now: datetime | None = None
) -> User | None:
    """The user if the password matches and the account is neither disabled nor locked;
    None otherwise, taking the same time either way and saying nothing of why.

    A wrong password counts against the account; the LOCK_AFTER-th in a row locks it
    (see ``lock_time``); a right one, outside a lock, clears the count.
    """
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        row = conn.execute(
            select(users).where(users.c.username == username, users.c.active.is_(True))
        ).first()
        stored = row.password_hash if row else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
            matched = True
        except (VerificationError, InvalidHashError):
            matched = False
        user = _user(conn, row) if row else None
    if user is None or locked_until(engine, user.id, now=now) is not None:
        return None
    if not matched:
        count_failure(engine, user.id, now)
        return None
    with engine.begin() as conn:
        conn.execute(login_failures.delete().where(login_failures.c.user_id == user.id))
    return user


_DUMMY_HASH = _hasher.hash("not a password of anyone")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    engine: Engine,
    username: str,
    label: str = "",
    *,
    days: int = DEFAULT_TOKEN_DAYS,
    now: datetime | None = None,
) -> str:
    """A new bearer token for the user, good for ``days``; shown once, stored only as its
    digest."""
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise AccountError("token_days_between", field="days", min=1, max=MAX_TOKEN_DAYS)
    user = get_user_by_name(engine, username)
    now = now or datetime.now(UTC)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            api_tokens.insert().values(
                user_id=user.id,
                token_sha256=_digest(token),
                label=label or "api",
                created_at=now.isoformat(),
                revoked=False,
            )
        )
        token_id = conn.execute(
            select(api_tokens.c.id).where(api_tokens.c.token_sha256 == _digest(token))
        ).scalar_one()
        conn.execute(
            api_token_expiry.insert().values(
                token_id=token_id, expires_at=(now + timedelta(days=days)).isoformat()
            )
        )
    return token


@dataclass(frozen=True)
class TokenInfo:
    """A bearer token as listed: never the token itself."""

    id: int
    username: str
    label: str
    created_at: datetime
    expires_at: datetime
    revoked: bool

    def status(self, now: datetime) -> str:
        if self.revoked:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"


def _token_select():
    return (
        select(api_tokens, users.c.username, api_token_expiry.c.expires_at)
        .join(users, users.c.id == api_tokens.c.user_id)
        .outerjoin(api_token_expiry, api_token_expiry.c.token_id == api_tokens.c.id)
    )


def _token_info(row) -> TokenInfo:
    created = datetime.fromisoformat(row.created_at)
    expires = (
        datetime.fromisoformat(row.expires_at)
        if row.expires_at
        else created + timedelta(days=DEFAULT_TOKEN_DAYS)
    )
    return TokenInfo(row.id, row.username, row.label, created, expires, bool(row.revoked))


def list_tokens(engine: Engine, username: str) -> list[TokenInfo]:
    """The account's bearer tokens, oldest first, revoked and expired ones too."""
    user = get_user_by_name(engine, username)
    with engine.connect() as conn:
        rows = conn.execute(
            _token_select().where(api_tokens.c.user_id == user.id).order_by(api_tokens.c.id)
        ).all()
    return [_token_info(row) for row in rows]


def revoke_token(engine: Engine, token_id: int) -> TokenInfo:
    """Revoke a bearer token by its id (as listed); it stops working at once."""
    with engine.begin() as conn:
        done = conn.execute(
            api_tokens.update().where(api_tokens.c.id == token_id).values(revoked=True)
        )
        if done.rowcount == 0:
            raise AccountError("unknown_token", field="token_id", token_id=token_id)
        row = conn.execute(_token_select().where(api_tokens.c.id == token_id)).one()
    return _token_info(row)


def user_for_token(engine: Engine, token: str, *, now: datetime | None = None) -> User | None:
    """The account of a bearer token that is neither revoked nor expired, if active."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        row = conn.execute(
            _token_select().where(
                api_tokens.c.token_sha256 == _digest(token),
                api_tokens.c.revoked.is_(False),
                users.c.active.is_(True),
            )
        ).first()
        if row is None or _token_info(row).expires_at <= now:
            return None
        user_row = conn.execute(select(users).where(users.c.id == row.user_id)).one()
        return _user(conn, user_row)
