"""The accounts' tables (plain tables, not event-sourced): users, bearer tokens and their
expiry, supervisors' bindings to a project, failed sign-ins, session epochs. Tables added
later are tables of their own, so that older databases need no change to existing ones."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

ALL_DISTRICTS = "*"

account_metadata = MetaData()

users = Table(
    "users",
    account_metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    # Comma-separated districts a staff member may write in; empty means none, and
    # ``*`` (ALL_DISTRICTS) a city-wide account, made only when asked for by name.
    Column("districts", String(1000), nullable=False, default=""),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", String(40), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    account_metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("label", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

# When each bearer token stops working (a table of its own, so that older databases need no
# change to ``api_tokens``); a token made before it has no row and lasts DEFAULT_TOKEN_DAYS
# from its making.
api_token_expiry = Table(
    "api_token_expiry",
    account_metadata,
    Column("token_id", Integer, ForeignKey("api_tokens.id"), primary_key=True),
    Column("expires_at", String(40), nullable=False),
)

# The project and appointed supervisor a supervisor's account acts for.
supervisor_accounts = Table(
    "supervisor_accounts",
    account_metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("project_id", String(36), nullable=False),
    Column("supervisor_id", String(40), nullable=False),
    UniqueConstraint("project_id", "supervisor_id", name="uq_supervisor_account"),
)

# Failed sign-ins per account (a table of its own, so that older databases need no change to
# ``users``): after LOCK_AFTER failures in a row the account is locked for a time that doubles
# with each further failure, from LOCK_FIRST up to LOCK_LONGEST.
login_failures = Table(
    "login_failures",
    account_metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("locked_until", String(40), nullable=True),
)

# Each signed-in session carries its account's epoch; signing out moves the epoch on, which
# ends every copy of every session of the account (the cookie itself cannot be recalled).
session_epochs = Table(
    "session_epochs",
    account_metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("epoch", Integer, nullable=False, default=0),
)
