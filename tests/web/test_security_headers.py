"""Security headers on every answer (pages, API, PDFs), no inline script or style in the pages,
``no-store`` on what carries personal data or codes, Secure cookies off loopback, trusted
proxies, and the health and readiness endpoints.

What reads or writes data runs on SQLite and on PostgreSQL (the projects made once per
database); what depends on the settings alone (Secure cookies, trusted proxies) on SQLite."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from uuid import UUID

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from renovation import accounts
from renovation.web import create_app, runtime
from renovation.web.access import PUBLIC, access
from tests.conftest import STAFF, _connect_admin, project_payload, registration, walk
from tests.helpers import PASSWORD, confirmed, make_app, signed_in

TODAY = date(2026, 9, 30)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)


def on_day(app: Flask) -> Flask:
    app.extensions["renovation"].app.today = lambda: TODAY
    return app


@pytest.fixture
def app(make_module_app) -> Flask:
    """The web app on the module's database (SQLite, PostgreSQL); the accounts a test makes
    are gone after it."""
    return on_day(make_module_app())


def work(app: Flask, do):
    with app.app_context():
        rt = runtime()
        value = do(rt.app)
        rt.catch_up()
        return value


class Project:
    """Two projects with something on every kind of page: one under construction with a
    milestone half built (the progress bars); one in acceptance with an open round and its
    count so far, household codes, an opinion, and a resident supervisor (who is given an
    account by ``project``)."""

    def __init__(self, app: Flask) -> None:
        def building(application):
            pid = application.register_project(
                registration(project_payload(name="幸福里")), actor=STAFF
            ).project_id
            walk(application, pid, "in_plan")
            application.plan_milestone(
                pid,
                {
                    "name": "一期雨污分流",
                    "item_id": "item-1",
                    "quantity": Decimal("600"),
                    "planned_start": date(2026, 4, 1),
                    "planned_finish": date(2026, 10, 31),
                },
                actor=STAFF,
            )
            walk(application, pid, "under_construction")
            application.report_milestone_progress(
                pid,
                "milestone-1",
                {"done_quantity": Decimal("300"), "on_date": date(2026, 9, 20)},
                actor=STAFF,
            )
            return str(pid)

        def do(application):
            pid = application.register_project(
                registration(project_payload()), actor=STAFF
            ).project_id
            walk(application, pid, "acceptance_inspection")
            now = application.clock()
            consultation = application.open_consultation(
                pid,
                {
                    "kind": "needs",
                    "title": "改造需求调查",
                    "opens_at": now - timedelta(hours=1),
                    "closes_at": now + timedelta(days=7),
                    "scope": {"level": "community"},
                    "questions": [
                        {"type": "single", "text": "是否愿意出资？", "options": ["愿意", "不愿意"]}
                    ],
                },
                actor=STAFF,
            ).value["consultation_id"]
            codes = application.issue_household_codes(pid, building=None, actor=STAFF).value
            application.appoint_supervisor(
                pid, {"name": "王秀英", "role_label": "2幢居民监督员"}, actor=STAFF
            )
            return str(pid), consultation, codes

        self.building = work(app, building)
        self.id, self.consultation, self.codes = work(app, do)
        self.code = next(iter(self.codes.values()))
        resident = app.test_client()
        sent = resident.post(
            f"/projects/{self.id}/opinions/new",
            data={
                "category": "construction",
                "text": "楼道施工噪声太大。",
                "contact": "13800138000",
            },
        )
        assert sent.status_code == 200, sent.get_data(as_text=True)
        self.tracking = re.search(r'href="/opinions/([0-9A-Z]{8})"', sent.get_data(as_text=True))[1]
        voted = resident.post(
            f"/projects/{self.id}/vote",
            data={"round": self.consultation, "code": self.code, "q-q1": "愿意"},
        )
        assert voted.status_code == 200, voted.get_data(as_text=True)


@pytest.fixture(scope="module")
def projects(module_database_url, tmp_path_factory) -> Project:
    """The projects, made once per database (their tests read them and add no more to them
    than a reissue of codes)."""
    app = on_day(make_app(tmp_path_factory.mktemp("headers"), DATABASE_URL=module_database_url))
    try:
        return Project(app)
    finally:
        app.extensions["renovation"].close()


@pytest.fixture
def project(app, projects) -> Project:
    """The projects, and an account for their resident supervisor."""
    with app.app_context():
        accounts.add_supervisor_account(
            runtime().engine,
            "wangxy",
            PASSWORD,
            project_id=projects.id,
            supervisor_id="supervisor-1",
        )
    return projects


def supervisor(app: Flask) -> FlaskClient:
    phone = app.test_client()
    assert (
        phone.post("/login", data={"username": "wangxy", "password": PASSWORD}).status_code == 302
    )
    return phone


class InlineCode(HTMLParser):
    """Every inline script, inline style and event-handler attribute in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        self.found += [
            f"{tag} {name}=" for name in names if name == "style" or name.startswith("on")
        ]
        self.found += [
            f"{tag} {name}=javascript:"
            for name, value in attrs
            if value and value.strip().lower().startswith("javascript:")
        ]


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def assert_page_headers(response, referrer: str = "same-origin") -> None:
    response.close()  # a static file's answer holds the file open until closed
    headers = response.headers
    assert headers["Content-Security-Policy"] == CSP
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Permissions-Policy"].startswith("camera=(), microphone=(), geolocation=()")
    assert headers["Referrer-Policy"] == referrer
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers  # plain HTTP here


# ---- the pages: no inline script or style, every header ---------------------------------------


def test_the_representative_pages_carry_no_inline_script_or_style_and_every_header(app, project):
    pid = project.id
    anonymous = app.test_client()
    staff = signed_in(app, "staff")
    auditor = signed_in(app, "auditor", districts=())
    phone = supervisor(app)
    pages = [
        (anonymous, "/"),
        (anonymous, f"/projects/{pid}"),
        (anonymous, f"/projects/{project.building}"),
        (anonymous, f"/projects/{pid}/consultations/{project.consultation}"),
        (anonymous, f"/projects/{pid}/vote?code={project.code}"),
        (anonymous, f"/projects/{pid}/opinions/new"),
        (anonymous, f"/opinions/{project.tracking}"),
        (anonymous, "/opinions/track"),
        (anonymous, "/login"),
        (anonymous, f"/projects/{pid}/nothing-here"),  # the error page
        (staff, "/staff"),
        (staff, f"/staff/projects/{pid}/acceptance"),
        (staff, f"/staff/projects/{project.building}/milestones"),
        (staff, f"/staff/projects/{pid}/consultations/{project.consultation}"),
        (staff, f"/staff/projects/{pid}/opinions"),
        (staff, f"/staff/projects/{pid}/household-codes"),
        (auditor, "/audit"),
        (phone, "/supervise"),
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        html = response.get_data(as_text=True)
        assert "<html" in html, url
        assert inline_code(html) == [], url
        # An older slip's link carries the code in its query: that answer sends no Referer.
        assert_page_headers(response, "no-referrer" if "?code=" in url else "same-origin")
    # The bars are there, drawn without inline style: half of the milestone, one vote of one.
    project_page = anonymous.get(f"/projects/{project.building}").get_data(as_text=True)
    assert (
        'class="progress-bar"' in project_page
        and '<rect class="bar-fill" width="50"' in project_page
    )
    round_page = staff.get(f"/staff/projects/{pid}/consultations/{project.consultation}")
    assert '<svg class="tally-bar"' in round_page.get_data(as_text=True)


def test_the_bars_are_styled_by_the_stylesheet(app):
    with app.test_client().get("/static/css/site.css") as response:
        css = response.get_data(as_text=True)
    for rule in (".progress-bar {", ".progress-bar .bar-fill", ".tally-bar .bar-fill"):
        assert rule in css


def test_the_checker_finds_inline_code():
    html = (
        '<p style="color:red">x</p><style>p{}</style><script>alert(1)</script>'
        '<script src="/static/a.js"></script><a href="javascript:x()">y</a><b onclick="f()">z</b>'
    )
    assert inline_code(html) == [
        "p style=",
        "<style>",
        "<script> without src",
        "a href=javascript:",
        "b onclick=",
    ]


# ---- the API and the PDFs ----------------------------------------------------------------------


def test_the_api_and_the_pdfs_carry_the_headers(app, project):
    pid = project.id
    client = app.test_client()
    for url in (
        "/api/projects",
        f"/api/projects/{pid}",
        f"/api/projects/{pid}/report.pdf",
        f"/api/opinions/{project.tracking}",
        "/api/openapi.json",
        "/static/css/site.css",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_page_headers(response)
    pdf = client.get(f"/api/projects/{pid}/report.pdf")
    assert pdf.data.startswith(b"%PDF-")


def test_photo_files_keep_their_own_policy_and_caching(app, project):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    with app.app_context():
        sha = runtime().photo_store.put(buffer.getvalue())
    response = app.test_client().get(f"/photos/{sha}")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# ---- no-store ----------------------------------------------------------------------------------


def test_personal_data_and_codes_are_never_stored_by_a_browser_or_a_cache(app, project):
    pid = project.id
    anonymous = app.test_client()
    staff = signed_in(app, "staff")
    with app.app_context():
        accounts.add_user(runtime().engine, "api", PASSWORD, "staff", districts=["清江浦区"])
        token = accounts.issue_token(runtime().engine, "api")
    bearer = {"Authorization": f"Bearer {token}"}
    private = [
        anonymous.get(f"/projects/{pid}/vote?code={project.code}"),
        anonymous.get(f"/projects/{pid}/vote"),
        anonymous.get(f"/opinions/{project.tracking}"),
        anonymous.get("/opinions/track"),
        anonymous.get(f"/api/opinions/{project.tracking}"),
        anonymous.get("/login"),
        anonymous.post(f"/projects/{pid}/opinions/new", data={"category": "other", "text": ""}),
        staff.get("/staff"),
        staff.get(f"/projects/{pid}"),  # a signed-in visitor's page names them
        staff.get(f"/staff/projects/{pid}/opinions"),
        confirmed(staff, f"/staff/projects/{pid}/household-codes/confirm?building=1"),
        staff.get(f"/api/projects/{pid}/report.pdf"),
        anonymous.get(f"/api/projects/{pid}/opinions", headers=bearer),
        anonymous.get(f"/api/projects/{pid}", headers=bearer),
        supervisor(app).get("/supervise"),
    ]
    for response in private:
        assert response.headers.get("Cache-Control") == "no-store", response.request.path
    household_codes = confirmed(staff, f"/staff/projects/{pid}/household-codes/confirm?building=1")
    assert household_codes.mimetype == "application/pdf"
    # Public pages asked for anonymously may be cached; static files keep Flask's revalidation.
    for url in ("/", f"/projects/{pid}", f"/api/projects/{pid}", f"/api/projects/{pid}/report.pdf"):
        assert "no-store" not in anonymous.get(url).headers.get("Cache-Control", ""), url
    for client in (anonymous, staff):
        with client.get("/static/css/site.css") as response:
            assert response.headers["Cache-Control"] == "no-cache"


def test_an_unknown_id_on_a_project_page_is_still_covered(app):
    response = app.test_client().get(f"/projects/{UUID(int=1)}")
    assert response.status_code == 404
    assert_page_headers(response)
    assert inline_code(response.get_data(as_text=True)) == []


def test_hsts_only_when_the_request_is_https(app):
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/").headers
    tls = client.get("/", base_url="https://gaizao.example.gov.cn")
    assert tls.headers["Strict-Transport-Security"] == "max-age=31536000"


# ---- HTTPS, proxies and cookies ----------------------------------------------------------------


def test_forwarded_headers_count_only_from_trusted_proxies(tmp_path):
    direct = make_app(tmp_path / "direct")
    proxied = make_app(tmp_path / "proxied", TRUSTED_PROXIES=1)
    seen = {}

    @proxied.get("/_remote")
    @access(PUBLIC)
    def _remote():
        from flask import request

        seen.update(addr=request.remote_addr, scheme=request.scheme, host=request.host)
        return ""

    try:
        forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
        # Without trusted proxies the header is anyone's to send: believed by nobody.
        plain = direct.test_client().get("/", headers=forwarded)
        assert "Strict-Transport-Security" not in plain.headers
        assert proxied.test_client().get("/").headers.get("Strict-Transport-Security") is None
        secure = proxied.test_client().get("/", headers=forwarded)
        assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"

        proxied.test_client().get(
            "/_remote", headers={**forwarded, "X-Forwarded-Host": "gaizao.example.gov.cn"}
        )
        assert seen == {"addr": "203.0.113.7", "scheme": "https", "host": "gaizao.example.gov.cn"}
    finally:
        direct.extensions["renovation"].close()
        proxied.extensions["renovation"].close()


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def login(app: Flask, base_url: str, headers: dict[str, str] | None = None):
    from tests.helpers import add_user

    add_user(app, f"u{len(base_url)}{len(headers or {})}")
    return app.test_client().post(
        "/login",
        data={"username": f"u{len(base_url)}{len(headers or {})}", "password": PASSWORD},
        base_url=base_url,
        headers=headers or {},
    )


@pytest.mark.parametrize(
    ("base_url", "secure"),
    [
        ("http://127.0.0.1:5000", False),
        ("http://localhost", False),
        ("http://[::1]:8000", False),
        ("http://gaizao.example.gov.cn", True),
        ("http://10.1.2.3:8000", True),
        ("https://gaizao.example.gov.cn", True),
        ("https://127.0.0.1", True),
    ],
)
def test_the_session_cookie_is_secure_unless_served_on_loopback(tmp_path, base_url, secure):
    app = make_app(tmp_path)
    try:
        cookie = session_cookie(login(app, base_url))
        assert ("; Secure" in cookie) is secure, cookie
        assert "; HttpOnly" in cookie and "; SameSite=Lax" in cookie
    finally:
        app.extensions["renovation"].close()


def test_secure_cookies_can_be_forced_either_way(tmp_path):
    always = make_app(tmp_path / "always", SECURE_COOKIES="1")
    never = make_app(tmp_path / "never", SECURE_COOKIES="0")
    proxied = make_app(tmp_path / "proxied", TRUSTED_PROXIES=1)
    try:
        assert "; Secure" in session_cookie(login(always, "http://127.0.0.1"))
        assert "; Secure" not in session_cookie(login(never, "http://gaizao.example.gov.cn"))
        # Behind a trusted proxy on loopback, the public scheme decides.
        behind = login(proxied, "http://127.0.0.1:8000", {"X-Forwarded-Proto": "https"})
        assert "; Secure" in session_cookie(behind)
    finally:
        for app in (always, never, proxied):
            app.extensions["renovation"].close()
    with pytest.raises(ValueError, match="SECURE_COOKIES"):
        make_app(tmp_path / "bad", SECURE_COOKIES="yes")


# ---- /healthz and /readyz ----------------------------------------------------------------------


def test_healthz_says_the_process_answers(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_reports_the_database_and_the_projection_lag(web_app):
    client = web_app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json
    assert ready.json == {
        "status": "ready",
        "database": "ok",
        "projection": {"position": 0, "head": 0, "lag": 0, "max_lag": 1000},
        "worker": {"mode": "inline"},
    }
    assert ready.headers["Cache-Control"] == "no-store"

    # Events recorded and not yet projected (the projection worker is behind).
    web_app.config["READY_MAX_LAG"] = 0
    with web_app.app_context():
        runtime().app.register_project(registration(project_payload()), actor=STAFF)
    lagging = client.get("/readyz")
    assert lagging.status_code == 503
    assert lagging.json["status"] == "lagging" and lagging.json["database"] == "ok"
    assert lagging.json["projection"]["lag"] == lagging.json["projection"]["head"] >= 1
    # Caught up, it is ready again.
    with web_app.app_context():
        runtime().catch_up()
    assert client.get("/readyz").status_code == 200


def test_readyz_is_503_when_the_database_is_gone(database_url, tmp_path, caplog):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "t",
            "PHOTO_DIR": str(tmp_path / "photos"),
        }
    )
    rt = app.extensions["renovation"]
    try:
        client = app.test_client()
        assert client.get("/readyz").status_code == 200
        if rt.storage.kind == "sqlite":
            # The files are replaced by something that is not a database (a failed disk, a
            # mistaken restore); pooled connections are dropped so the next one opens them.
            for path in tmp_path.glob("events*.sqlite*"):
                path.write_bytes(b"not a database " * 512)
            rt.app.recorder.datastore.close()
        else:
            # The database is dropped under the running service, its connections cut.
            with _connect_admin() as conn:
                conn.execute(f'DROP DATABASE "{make_url(database_url).database}" WITH (FORCE)')
        rt.engine.dispose()
        with caplog.at_level("WARNING", logger="renovation.web.health"):
            broken = client.get("/readyz")
        assert broken.status_code == 503
        assert [r.getMessage().split(":")[0] for r in caplog.records] == ["readiness"], caplog.text
        assert broken.json == {"status": "unavailable", "database": "unreachable"}
        assert broken.headers["Cache-Control"] == "no-store"
        assert client.get("/healthz").status_code == 200  # the process itself still answers
    finally:
        rt.engine.dispose()


def test_the_health_endpoints_are_public_and_say_nothing_personal(app, project):
    for url in ("/healthz", "/readyz"):
        response = app.test_client().get(url)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert project.id not in body and project.tracking not in body and "1380" not in body
