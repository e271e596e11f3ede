"""``/healthz`` and ``/readyz`` for a load balancer or systemd: public, JSON, no personal data.

``/healthz`` says the process answers. ``/readyz`` says it can serve: the read-model
database and the event store answer, and the read models are at most ``READY_MAX_LAG``
events behind the event store (``renovation projections status`` gives the same figures),
and the projection worker of this process, when it runs one (``PROJECTION_WORKER=thread``),
is alive; 503 otherwise. With ``external`` the lag tells whether the other process keeps up.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify

from renovation.web import runtime
from renovation.web.access import PUBLIC, access

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

# Anyone may ask: the answers carry no personal data, no ids, no error text.
PUBLIC_ENDPOINTS = frozenset({"health.healthz", "health.readyz"})


@bp.get("/healthz")
@access(PUBLIC)
def healthz():
    return fresh(jsonify(status="ok"))


@bp.get("/readyz")
@access(PUBLIC)
def readyz():
    max_lag = current_app.config["READY_MAX_LAG"]
    try:
        status = runtime().projection.status()
    except Exception as error:  # any failure to reach a store means "not ready"
        # One line a probe (every few seconds while it lasts), not a traceback each time.
        log.warning("readiness: the database did not answer: %s", type(error).__name__)
        return fresh(jsonify(status="unavailable", database="unreachable")), 503
    projection = {
        "position": status.position,
        "head": status.head,
        "lag": status.lag,
        "max_lag": max_lag,
    }
    rt = runtime()
    worker = {"mode": rt.worker_mode}
    if rt.worker_mode == "thread":
        worker["alive"] = rt.worker is not None and rt.worker.alive
    answer = {"database": "ok", "projection": projection, "worker": worker}
    if status.lag > max_lag:
        return fresh(jsonify(status="lagging", **answer)), 503
    if worker.get("alive") is False:
        return fresh(jsonify(status="worker_stopped", **answer)), 503
    return fresh(jsonify(status="ready", **answer))


def fresh(response: Response) -> Response:
    """A probe's answer is about now: no cache keeps it."""
    response.headers["Cache-Control"] = "no-store"
    return response
