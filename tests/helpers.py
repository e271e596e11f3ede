"""Helpers the test modules share: an app on a fresh SQLite file, a signed-in client, a
registered project, and the text of a PDF (poppler's ``pdftotext``)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from html import unescape
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from renovation import accounts
from renovation.web import create_app, runtime

PASSWORD = "correct horse battery"


def make_app(tmp_path: Path, **config: Any) -> Flask:
    """The web app on SQLite files under ``tmp_path``; rate limits and CSRF off unless asked."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path}/ev.sqlite",
            "SECRET_KEY": "test",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "PHOTO_DIR": str(tmp_path / "photos"),
            **config,
        }
    )


def audit_app(database_url: str, tmp_path: Path, **config: Any) -> Flask:
    """The web app on ``database_url`` (SQLite or PostgreSQL) with no accounts: the audit
    log's tests (``AUDIT_SIGNING_KEY`` unset: the instance folder's key, made on first use)."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test",
            "RATELIMIT_ENABLED": False,
            "PHOTO_DIR": str(tmp_path / "photos"),
            "AUDIT_SIGNING_KEY": None,
            **config,
        }
    )


def add_user(
    app: Flask,
    username: str,
    role: str = "staff",
    districts: Iterable[str] | None = ("清江浦区",),
    display_name: str | None = None,
) -> None:
    with app.app_context():
        accounts.add_user(
            runtime().engine,
            username,
            PASSWORD,
            role,
            display_name=display_name or "",
            districts=list(districts or ()),
        )


def signed_in(
    app: Flask,
    role: str = "staff",
    *,
    username: str | None = None,
    districts: Iterable[str] | None = ("清江浦区",),
) -> FlaskClient:
    """A client signed in through the login form as a new account of ``role``."""
    username = username or role
    add_user(app, username, role, districts)
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def confirmation_form(client: FlaskClient, confirm_url: str) -> tuple[str, dict[str, str]]:
    """A step's confirmation page, opened: where its button posts, and its hidden fields."""
    page = client.get(confirm_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    form = re.search(
        r'<form method="post" action="([^"]+)" class="form confirm-form">(.*?)</form>', html, re.S
    )
    assert form, "the confirmation page offers no button"
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2))
    return unescape(form.group(1)), {name: unescape(value) for name, value in hidden}


def confirmed(
    client: FlaskClient, confirm_url: str, *, follow_redirects: bool = False, **fields: str
):
    """Open a step's confirmation page, then send its form with its token, as a clerk would:
    the page's hidden fields, with ``fields`` on top."""
    action, data = confirmation_form(client, confirm_url)
    return client.post(action, data={**data, **fields}, follow_redirects=follow_redirects)


def register_project(app: Flask, payload: dict[str, Any], *stages: str, actor=None) -> str:
    """A project registered through the application, moved through ``stages``."""
    from tests.conftest import STAFF

    actor = actor or STAFF
    with app.app_context():
        rt = runtime()
        project_id = rt.app.register_project(payload, actor=actor).project_id
        for stage in stages:
            if stage == "accepted" and not rt.app.get_project(project_id).acceptance_meetings:
                record_acceptance(rt.app, project_id, actor=actor)
            rt.app.transition_project(project_id, stage, actor=actor)
        rt.catch_up()
    return str(project_id)


def pdf_text(pdf: bytes | Path, tmp_path: Path | None = None, *, squeeze: bool = False) -> str:
    """The text of a PDF; ``squeeze`` removes all whitespace (layout spacing varies)."""
    if isinstance(pdf, bytes):
        assert pdf.startswith(b"%PDF-"), pdf[:40]
        assert tmp_path is not None
        path = tmp_path / "document.pdf"
        path.write_bytes(pdf)
    else:
        path = pdf
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return re.sub(r"\s+", "", text) if squeeze else text


def pdf_fonts(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    return result.stdout


def cjk_fonts_embedded(pdf: bytes, tmp_path: Path) -> bool:
    """Whether every CJK font of the PDF is embedded (``pdffonts``' "emb" column)."""
    lines = pdf_fonts(pdf, tmp_path).splitlines()[2:]
    cjk = [line.split() for line in lines if re.search(r"Noto-?S(ans|erif)-?CJK", line)]
    return bool(cjk) and all(columns[-5] == "yes" for columns in cjk)


# ---- completion acceptance -----------------------------------------------------------

UNIT_NAMES = {
    "client": "市住房和城乡建设局",
    "survey": "江苏勘察院有限公司",
    "design": "金陵设计院有限公司",
    "construction": "华东建设工程有限公司",
    "supervision": "宁远工程监理有限公司",
    "quality_supervision": "市建设工程质量监督站",
}


def credit_code(n: int) -> str:
    """A valid unified social credit code (GB 32100-2015), different for each ``n``."""
    from renovation.domain.credit_code import check_character

    base = f"91320100MA{n:07d}"
    return base + check_character(base)


def unit_data(role: str, n: int = 1) -> dict[str, str]:
    return {
        "role": role,
        "name": UNIT_NAMES[role],
        "credit_code": credit_code(n),
        "contact_role": "项目负责人",
    }


def acceptance_meeting_data(held_on, *, conclusion: str = "passed", defects=()) -> dict:
    from renovation.domain.parts.acceptance import ACCEPTANCE_UNITS

    return {
        "held_on": held_on,
        "place": "小区活动室",
        "units_present": list(ACCEPTANCE_UNITS),
        "representatives": [{"role": "resident_representative"}],
        "conclusion": conclusion,
        "defects": list(defects),
    }


def record_acceptance(app, project_id, *, actor, conclusion="passed", defects=()) -> list[str]:
    """Units, a notice three weeks back and a meeting today, through the application."""
    from datetime import timedelta

    from renovation.domain.parts.acceptance import UNIT_ROLES

    today = app.today()
    project = app.get_project(project_id)
    for n, role in enumerate(UNIT_ROLES, start=1):
        if role not in project.units:
            app.record_unit(project_id, unit_data(role, n), actor=actor)
    app.notify_acceptance(
        project_id,
        {
            "notified_on": today - timedelta(days=21),
            "meeting_on": today,
            "place": "小区活动室",
            "group": ["建设单位项目负责人", "监理单位总监"],
        },
        actor=actor,
    )
    meeting = acceptance_meeting_data(today, conclusion=conclusion, defects=defects)
    return app.record_acceptance_meeting(project_id, meeting, actor=actor).value["item_ids"]


def legacy_accept(app, project_id) -> None:
    """Write the history of a project accepted before acceptance records were kept: a bare
    move from 竣工验收 to 已验收, as the service stored it then (the gate did not exist)."""
    from events.project import StageChanged
    from renovation.domain.base import provenance
    from tests.conftest import STAFF

    project = app.repository.get(project_id)
    project.trigger_event(
        StageChanged,
        from_stage="acceptance_inspection",
        to_stage="accepted",
        note="",
        **provenance(STAFF, None, None),
    )
    app.save(project)


def forget_accounts(app: Flask) -> None:
    """Empty the accounts' tables (users, tokens, sessions, locks): a test on a database its
    module shares leaves it without the accounts it made."""
    from renovation.account_tables import account_metadata

    with app.app_context(), runtime().engine.begin() as conn:
        for table in reversed(account_metadata.sorted_tables):
            conn.execute(table.delete())


def hold_first_insert(recorder, monkeypatch) -> tuple[list[int], Any, Any]:
    """Hold the recorder's next insert (``renovation.application.combined_inserts``) until
    ``release`` is set; ``entered`` is set once it is held. Returns (inserts, entered,
    release): ``inserts`` lists the number of events of each insert that reached the
    database; it holds again whenever it has been emptied."""
    import threading

    inserts: list[int] = []
    entered, release = threading.Event(), threading.Event()
    insert = recorder._insert

    def gated(events):
        inserts.append(len(events))
        if len(inserts) == 1:
            entered.set()
            release.wait(10)
        return insert(events)

    monkeypatch.setattr(recorder, "_insert", gated)
    return inserts, entered, release
