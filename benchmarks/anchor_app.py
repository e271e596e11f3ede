"""The anchor: the least a service can do for an opinion POST, to measure this one against.

Flask + SQLAlchemy Core, the same JSON validation as the service (marshmallow, the same
fields and limits), one durable ``INSERT`` and ``COMMIT`` per request, on the same database
with the same durability (SQLite in WAL mode with ``synchronous=FULL``, as the event store
runs it; PostgreSQL with its default ``synchronous_commit=on``). Served by gunicorn with the
service's settings by ``benchmarks/bench_anchor.py``; the database comes from
``ANCHOR_DATABASE_URL``.
"""

from __future__ import annotations

import os
import secrets
import uuid
from datetime import UTC, datetime

from flask import Flask, jsonify, request
from marshmallow import Schema, ValidationError, fields
from marshmallow.validate import Length, OneOf
from sqlalchemy import (
    Column,
    DateTime,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
)

CATEGORIES = ("plan", "construction", "nuisance", "safety", "lift", "property_management", "other")

metadata = MetaData()
opinions = Table(
    "anchor_opinions",
    metadata,
    Column("opinion_id", String(32), primary_key=True),
    Column("project_id", String(36), nullable=False),
    Column("tracking_code", String(16), nullable=False),
    Column("category", String(40), nullable=False),
    Column("text", Text, nullable=False),
    Column("building", String(20), nullable=False),
    Column("unit", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


class OpinionSchema(Schema):
    category = fields.String(required=True, validate=OneOf(CATEGORIES))
    text = fields.String(required=True, validate=Length(min=1, max=2000))
    building = fields.String(validate=Length(max=20), load_default="")
    unit = fields.String(validate=Length(max=20), load_default="")
    flat = fields.String(validate=Length(max=20), load_default="")


def make_engine(url: str):
    engine = create_engine(url, pool_size=8, max_overflow=8)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA synchronous=FULL")
            dbapi_connection.execute("PRAGMA busy_timeout=10000")

    metadata.create_all(engine)
    return engine


def create_app(url: str) -> Flask:
    app = Flask(__name__)
    engine = make_engine(url)
    schema = OpinionSchema()

    @app.get("/api/projects")
    def ready():
        return jsonify([])

    @app.post("/api/projects/<uuid:project_id>/opinions")
    def submit(project_id: uuid.UUID):
        try:
            data = schema.load(request.get_json(force=True, silent=True) or {})
        except ValidationError as error:
            return jsonify({"errors": error.messages}), 422
        row = {
            "opinion_id": uuid.uuid4().hex[:16],
            "project_id": str(project_id),
            "tracking_code": secrets.token_hex(6),
            "category": data["category"],
            "text": data["text"],
            "building": data["building"],
            "unit": data["unit"],
            "created_at": datetime.now(UTC),
        }
        with engine.begin() as conn:
            conn.execute(insert(opinions), row)
        return jsonify(
            {"opinion_id": row["opinion_id"], "tracking_code": row["tracking_code"]}
        ), 201

    return app


app = create_app(os.environ["ANCHOR_DATABASE_URL"]) if "ANCHOR_DATABASE_URL" in os.environ else None
