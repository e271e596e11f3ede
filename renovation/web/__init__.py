"""The Flask application factory: nothing is built at import time."""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Flask, Response, flash, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from renovation.application.household_codes import load_code_key
from renovation.ledger.log import settings_from
from renovation.log_format import JsonFormatter, log_format
from renovation.paths import STATIC_DIR, TEMPLATES_DIR
from renovation.photos import PhotoStore
from renovation.runtime import Runtime
from renovation.web.converters import HexIdConverter
from renovation.web.i18n import api_language

if TYPE_CHECKING:
    from itsdangerous import URLSafeTimedSerializer

LANGUAGES = ("zh", "en")

# No inline script or style anywhere in the pages (the bars are SVG, templates/layout/_bar.html);
# photo files send their own, stricter policy (renovation/web/api/photos.py).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000"
# Sent with every answer that does not set its own (a route may, e.g. a PDF's own policy).
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("Permissions-Policy", PERMISSIONS_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)
# Paths whose answers carry household codes, tracking codes, contact details or staff views:
# never kept by a browser or a shared cache, whoever asks.
PRIVATE_PREFIXES = ("/staff", "/supervise", "/audit", "/login", "/opinions", "/api/opinions")
PRIVATE_SUFFIXES = ("/vote", "/household-codes", "/opinions/new")
# Content-addressed public files that set their own caching.
OWN_CACHING = frozenset({"static", "photo_files.photo", "photo_files.photo_thumbnail"})

csrf = CSRFProtect()
babel = Babel()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the web application; ``test_config`` overrides the environment."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("RENOVATION_INSTANCE") or None,
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
    )
    instance = Path(app.instance_path)
    app.config.from_mapping(
        DATABASE_URL=os.environ.get("DATABASE_URL")
        or f"sqlite:///{instance / 'renovation.sqlite'}",
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        # The household codes' HMAC key; unset: the key file in the instance folder.
        HOUSEHOLD_CODE_KEY=os.environ.get("HOUSEHOLD_CODE_KEY"),
        RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        RATELIMIT_HEADERS_ENABLED=True,
        # Set explicitly: Flask-Limiter otherwise inherits the last app's setting.
        RATELIMIT_ENABLED=os.environ.get("RATELIMIT_ENABLED", "1") != "0",
        PUBLIC_BASE_URL=os.environ.get("PUBLIC_BASE_URL", ""),
        # "1": auditors read residents' written answers too (logged); else only their counts.
        WRITTEN_ANSWERS_FOR_AUDITORS=os.environ.get("WRITTEN_ANSWERS_FOR_AUDITORS", "0") == "1",
        # Residents' writes (opinions, ballots) per client address, across workers when
        # RATELIMIT_STORAGE_URI points at Redis.
        PUBLIC_WRITE_RATE_LIMIT=os.environ.get("PUBLIC_WRITE_RATE_LIMIT", "30/minute"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # "auto": Secure unless the request reached us on a loopback host over plain HTTP
        # (bin/demo on http://127.0.0.1); "1" always, "0" never.
        SECURE_COOKIES=os.environ.get("SECURE_COOKIES")
        or {"1": "1", "0": "0"}.get(os.environ.get("SESSION_COOKIE_SECURE", ""), "auto"),
        # How many reverse proxies in front of us set X-Forwarded-For/-Proto/-Host/-Port;
        # 0 (the default) believes none of those headers.
        TRUSTED_PROXIES=int(os.environ.get("TRUSTED_PROXIES", "0")),
        # The audit log (renovation.ledger): the Ed25519 signing key's file (unset: the
        # instance folder's audit_signing_key.pem, made on first use), the events between
        # two checkpoints, and the log's name in its checkpoints.
        AUDIT_SIGNING_KEY=os.environ.get("AUDIT_SIGNING_KEY"),
        AUDIT_CHECKPOINT_EVERY=int(os.environ.get("AUDIT_CHECKPOINT_EVERY", "100")),
        AUDIT_ORIGIN=os.environ.get("AUDIT_ORIGIN", "renovation"),
        # /readyz answers 503 when the read models are more events behind than this.
        READY_MAX_LAG=int(os.environ.get("READY_MAX_LAG", "1000")),
        # Who keeps the read models (renovation/projections/worker.py): "thread" (a thread
        # of this process), "external" (``renovation projections follow`` runs on its own)
        # or "inline" (each request catches up itself; tests unless they ask otherwise).
        PROJECTION_WORKER=os.environ.get("PROJECTION_WORKER", "thread"),
        # How long a read that must show the caller's own write waits for the worker.
        READ_WAIT_SECONDS=float(os.environ.get("READ_WAIT_SECONDS", "2")),
        # Auditors read every project ("city") or only those of their account's districts
        # ("district"); renovation/web/access.py.
        AUDITOR_SCOPE=os.environ.get("AUDITOR_SCOPE", "city"),
        # "json": the application's log lines as JSON objects (renovation/log_format.py).
        LOG_FORMAT=log_format(),
        REMEMBER_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        # Uploaded photos (renovation.photos): where, and the limits of one upload, which
        # the photo upload's request may exceed MAX_CONTENT_LENGTH by.
        PHOTO_DIR=os.environ.get("PHOTO_DIR") or str(instance / "photos"),
        PHOTO_MAX_BYTES=int(os.environ.get("PHOTO_MAX_BYTES", 10 * 1024 * 1024)),
        PHOTO_MAX_PIXELS=int(os.environ.get("PHOTO_MAX_PIXELS", 50_000_000)),
        BABEL_DEFAULT_LOCALE="zh",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).resolve().parent.parent / "translations"),
        WTF_CSRF_TIME_LIMIT=None,
        API_TITLE="renovation",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {
                "description": "Old-neighbourhood renovation projects (城镇老旧小区改造): "
                "an event-sourced ledger for the bureau, residents and auditors. "
                "A write answers once its events are stored, with their position in "
                "`X-Position`; the read models follow a moment later. A read that must show "
                "that write sends the position back in `X-After-Position` (or "
                "`?after_position=`) and waits for it, at most a couple of seconds, answering "
                "with `X-Read-Model-Behind: 1` if the read models are not there yet."
            },
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        },
    )
    if test_config:
        app.config.update(test_config)
        if app.testing and "PROJECTION_WORKER" not in test_config:
            app.config["PROJECTION_WORKER"] = "inline"  # no thread unless a test asks
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(instance)

    _log_to_stderr(app)
    if app.config["SECURE_COOKIES"] not in ("auto", "1", "0"):
        raise ValueError("SECURE_COOKIES: auto, 1 or 0")
    if app.config["AUDITOR_SCOPE"] not in ("city", "district"):
        raise ValueError("AUDITOR_SCOPE: city or district")
    if app.config["PROJECTION_WORKER"] not in ("thread", "external", "inline"):
        raise ValueError("PROJECTION_WORKER: thread, external or inline")
    app.session_interface = _SessionInterface()
    if app.config["TRUSTED_PROXIES"] > 0:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    photo_store = PhotoStore(
        app.config["PHOTO_DIR"],
        max_bytes=app.config["PHOTO_MAX_BYTES"],
        max_pixels=app.config["PHOTO_MAX_PIXELS"],
    )
    runtime = Runtime(
        app.config["DATABASE_URL"],
        photo_store=photo_store,
        code_key=load_code_key(instance, app.config["HOUSEHOLD_CODE_KEY"]),
        audit=settings_from(
            instance,
            app.config["AUDIT_SIGNING_KEY"],
            app.config["AUDIT_CHECKPOINT_EVERY"],
            app.config["AUDIT_ORIGIN"],
        ),
    )
    runtime.create_tables()
    app.extensions["renovation"] = runtime
    _keep_read_models(app, runtime)

    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)

    from renovation.web import access, auth, health, request_log
    from renovation.web.api import init_api
    from renovation.web.delivery import init_delivery
    from renovation.web.pages import init_pages

    auth.init_auth(app)
    app.url_map.converters["hex"] = HexIdConverter
    init_api(app)
    init_pages(app)
    app.register_blueprint(health.bp)
    request_log.init_request_log(app)  # each request's id and role, for the logs
    access.init_access(app)  # every route declares who may use it; undeclared: refused

    @app.before_request
    def _remember_language() -> None:
        lang = request.args.get("lang")
        if lang in LANGUAGES:
            session["lang"] = lang

    init_delivery(app)  # compression and static caching: before the headers' hook (see there)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        # One pass over the answer's headers, not one per header set (a twentieth of a
        # small API answer's time went to looking each name up).
        present = {name.lower() for name, _value in headers}
        wanted = SECURITY_HEADERS + (
            (("Strict-Transport-Security", HSTS),) if request.is_secure else ()
        )
        headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
        if _private_response():
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
        return response

    @app.teardown_appcontext
    def _forget(_exc: BaseException | None) -> None:
        g.pop("user", None)

    return app


def _keep_read_models(app: Flask, runtime: Runtime) -> None:
    """Start the projection worker as configured; answers say when a read is behind."""
    runtime.read_wait = app.config["READ_WAIT_SECONDS"]
    runtime.worker_mode = app.config["PROJECTION_WORKER"]
    runtime.on_behind = _read_model_behind
    if runtime.worker_mode == "thread":
        runtime.start_worker()
    from renovation.web.positions import init_positions

    init_positions(app)  # writes carry their position; reads may ask to see one

    @app.after_request
    def _behind_header(response: Response) -> Response:
        if g.get("read_model_behind"):
            response.headers["X-Read-Model-Behind"] = "1"
        return response


def _read_model_behind() -> None:
    """The worker did not reach the caller's write in time: the answer says so, and a page
    (or the page a form's redirect leads to) shows a notice."""
    if not has_request_context() or g.get("read_model_behind"):
        return
    g.read_model_behind = True
    if not request.path.startswith("/api"):
        flash(_("The data is being updated; please refresh in a moment."), "info")


def _private_response() -> bool:
    """Whether this request's answer may carry personal data or codes: ``no-store`` then.

    Every authenticated request (a bearer token or a signed-in session), every write, and
    the paths of codes and staff views; public pages asked for anonymously stay cacheable.
    """
    if request.endpoint in OWN_CACHING:
        return False
    if "Authorization" in request.headers or session.get("_user_id") is not None:
        return True
    if request.method not in ("GET", "HEAD"):
        return True
    path = request.path.rstrip("/")
    return path.startswith(PRIVATE_PREFIXES) or path.endswith(PRIVATE_SUFFIXES)


def is_loopback(host: str) -> bool:
    """``localhost``, ``*.localhost``, 127.0.0.0/8 or ::1 (``host`` may carry a port)."""
    name = (urlsplit(f"//{host}").hostname or "").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, Secure by the ``SECURE_COOKIES`` rule per request."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer, made once for each set of keys: Flask makes one for every
        request, and an API write spent a twentieth of its time on it."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys not in self._serializers:
            self._serializers[keys] = super().get_signing_serializer(app)
        return self._serializers[keys]

    def get_cookie_secure(self, app: Flask) -> bool:
        mode = app.config["SECURE_COOKIES"]
        if mode != "auto":
            return mode == "1"
        if not has_request_context():
            return True
        return request.is_secure or not is_loopback(request.host)


def _log_to_stderr(app: Flask) -> None:
    """Our own INFO records (personal-data reads, snapshot failures) reach the server log:
    as text, or as JSON lines when ``LOG_FORMAT`` is ``json`` (renovation.log_format)."""
    log = logging.getLogger("renovation")
    if not log.handlers and not app.testing:
        handler = logging.StreamHandler()
        handler.setFormatter(
            JsonFormatter()
            if app.config["LOG_FORMAT"] == "json"
            else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
        log.addHandler(handler)
        log.setLevel(logging.INFO)


def _select_locale() -> str:
    """Pages: the visitor's choice, Chinese by default; the API: ``Accept-Language``."""
    if not has_request_context():
        return "zh"
    if request.path.startswith("/api"):
        return api_language()
    return session.get("lang") or "zh"


def _instance_secret(instance: Path) -> str:
    """A per-installation secret kept in the instance folder, made on first start."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def runtime() -> Runtime:
    """The current app's runtime (application, read models, projection)."""
    from flask import current_app

    return current_app.extensions["renovation"]
