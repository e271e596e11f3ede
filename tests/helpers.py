"""Helpers the test modules share: an app on a fresh SQLite file, a signed-in client, a
registered project, and the text of a PDF (poppler's ``pdftotext``)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
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


def register_project(app: Flask, payload: dict[str, Any], *stages: str, actor=None) -> str:
    """A project registered through the application, moved through ``stages``."""
    from tests.conftest import STAFF

    actor = actor or STAFF
    with app.app_context():
        rt = runtime()
        project_id = rt.app.register_project(payload, actor=actor).project_id
        for stage in stages:
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
