"""Keeping the tracking code: the answer page offers copying it (with script), a small PDF
receipt and a QR code to the tracking page; both carry nothing but the code and no cache keeps
them. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re

import pytest
import segno

from tests.helpers import pdf_text
from tests.web.test_participation_pages import register, submit, text, tracking_code

SECRET = "13900139000"


@pytest.fixture(name="app")
def _app(pages_app):
    return pages_app


@pytest.fixture
def client(app):
    return app.test_client()


def sent(app, client) -> tuple[str, str]:
    project_id = register(app)
    done = text(submit(client, project_id, text="楼道灯坏了很久", contact=SECRET))
    return done, tracking_code(done)


def test_the_answer_page_offers_copying_a_receipt_and_the_qr_code(app, client):
    done, code = sent(app, client)

    assert f'id="copy-code" data-code="{code}"' in done and " hidden>复制查询码</button>" in done
    assert re.search(r'src="/static/js/copy-code\.js\?v=\w+"></script>', done)
    assert "<script>" not in done
    assert f'href="/opinions/{code}/receipt.pdf" download>保存回执（PDF）' in done
    assert f'<img src="/opinions/{code}/qr.svg"' in done and f"查询码 {code} 的查询页二维码" in done


def test_the_qr_code_leads_to_the_tracking_page_and_is_not_cached(app, client):
    _done, code = sent(app, client)

    response = client.get(f"/opinions/{code}/qr.svg")
    lower = client.get(f"/opinions/{code.lower()}/qr.svg")

    expected = io.BytesIO()
    segno.make(f"http://localhost/opinions/{code}", error="m", micro=False).save(
        expected, kind="svg", scale=4, border=4, xmldecl=False
    )
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.data == expected.getvalue() == lower.data
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_receipt_holds_the_code_and_the_link_and_nothing_personal(app, client, tmp_path):
    _done, code = sent(app, client)

    response = client.get(f"/opinions/{code}/receipt.pdf")
    english = client.get(f"/opinions/{code}/receipt.pdf?lang=en")
    receipt = pdf_text(response.data, tmp_path, squeeze=True)

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert f'filename="opinion-{code}.pdf"' in response.headers["Content-Disposition"]
    assert "意见查询码回执" in receipt and f"{code[:4]}{code[4:]}" in receipt
    assert f"http://localhost/opinions/{code}" in receipt
    assert SECRET not in receipt and "楼道灯" not in receipt
    assert "Opiniontrackingcode" in pdf_text(english.data, tmp_path, squeeze=True)
    assert pdf_text(response.data, tmp_path).count("\f") == 1  # one small page


def test_an_unknown_code_has_no_qr_code_and_no_receipt(app, client):
    sent(app, client)

    for url in (
        "/opinions/AAAABBBB/qr.svg",
        "/opinions/AAAABBBB/receipt.pdf",
        "/opinions/-/qr.svg",
    ):
        assert client.get(url).status_code == 404, url
