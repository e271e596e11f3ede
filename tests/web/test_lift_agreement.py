"""The unit's own agreement on cost sharing (issue 11, item 7): the coefficients the owners
agreed per floor and the floors that pay nothing, defaulting to the ruleset's reference table;
cost shares, the public and staff lift pages and the notice PDF use them and say whether
they depart from the reference. Bad coefficients are refused by field, nothing written."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import pytest

from renovation.domain.rulesets import get_ruleset
from tests.conftest import bearer
from tests.helpers import signed_in
from tests.web.test_lift_pages import LIFT, VOTES, lift_state, propose, register, text
from tests.web.test_lift_pages import close_poll as close_poll_now
from tests.web.test_lifts_api import close_poll
from tests.web.test_lifts_api import lift as lift  # the fixture

AGREEMENT = {
    "manager": "业主小组",
    "budget": "550000.00",
    "subsidy": "100000.00",
    "cost_sharing": "按业主约定的楼层系数与面积",
    "maintenance_sharing": "均摊",
}
AGREED = {"2": "0.2", "3": "0.6", "4": "1.0", "5": "1.2", "6": "1.4"}


def passed(client, web_app, lift):
    pid, lift_id = lift
    for floor in range(1, 7):
        for door in (1, 2):
            client.post(
                f"/api/projects/{pid}/lifts/{lift_id}/paper-votes",
                headers=bearer(web_app),
                json={"flat_id": f"3-1-{floor}0{door}", "choice": "agree"},
            )
    assert close_poll(client, web_app, pid, lift_id).status_code == 200
    return pid, lift_id


def sign(client, web_app, pid, lift_id, lang="en", **extra):
    return client.post(
        f"/api/projects/{pid}/lifts/{lift_id}/transitions",
        headers={**bearer(web_app), "Accept-Language": lang},
        json={"to_stage": "agreement_signed", "on": "2026-11-20", "details": AGREEMENT | extra},
    )


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_agreed_coefficients_and_the_floor_that_pays_nothing_set_the_shares(
    client, web_app, lift, tmp_path
):
    pid, lift_id = passed(client, web_app, lift)
    signed = sign(client, web_app, pid, lift_id, floor_coefficients=AGREED, exempt_floors=[1])
    assert signed.status_code == 200, signed.get_json()
    shares = client.get(f"/api/projects/{pid}/lifts/{lift_id}/cost-shares").get_json()
    assert shares["coefficients"] == "agreed" and shares["departs_from_reference"] is True
    by_flat = {s["flat_id"]: s for s in shares["shares"]}
    assert by_flat["3-1-101"]["share"] == "0.00" and by_flat["3-1-102"]["coefficient"] == "0"
    assert by_flat["3-1-601"]["coefficient"] == "1.4"
    total = sum(Decimal(s["share"]) for s in shares["shares"])
    assert total == Decimal("450000.00")
    # 601 (60 m², 1.4) pays 7× what 201 (60 m², 0.2) pays, to the fen.
    ratio = Decimal(by_flat["3-1-601"]["share"]) / Decimal(by_flat["3-1-201"]["share"])
    assert abs(ratio - 7) < Decimal("0.001")
    view = client.get(f"/api/projects/{pid}/lifts/{lift_id}").get_json()
    assert view["cost_sharing_agreed"]["exempt_floors"] == [1]
    assert view["cost_sharing_agreed"]["floor_coefficients"]["1"] == "0"
    assert view["cost_sharing_agreed"]["departs_from_reference"] is True
    assert "floor_coefficients" not in view["agreement"]

    page = client.get(f"/projects/{pid}/lifts/{lift_id}?lang=en").get_data(as_text=True)
    assert 'data-basis="agreed-departs"' in page
    assert "depart from the reference table" in page
    zh = client.get(f"/projects/{pid}/lifts/{lift_id}?lang=zh").get_data(as_text=True)
    assert "楼层系数按本单元业主约定，与" in zh and "depart from" not in zh

    notice = client.get(f"/api/projects/{pid}/lifts/{lift_id}/notice.pdf?lang=en")
    assert notice.status_code == 200
    words = " ".join(pdf_text(notice.data, tmp_path).split())
    assert "as the unit's owners agreed; they depart from the reference table" in words
    assert "Floors that pay nothing: 1." in words
    zh_notice = client.get(f"/api/projects/{pid}/lifts/{lift_id}/notice.pdf")
    zh_words = "".join(pdf_text(zh_notice.data, tmp_path).split())
    assert "业主约定" in zh_words and "不出资的楼层：1" in zh_words


def test_without_coefficients_the_reference_table_is_recorded_and_used(
    client, web_app, lift, tmp_path
):
    pid, lift_id = passed(client, web_app, lift)
    assert sign(client, web_app, pid, lift_id).status_code == 200
    shares = client.get(f"/api/projects/{pid}/lifts/{lift_id}/cost-shares").get_json()
    assert shares["coefficients"] == "agreed" and shares["departs_from_reference"] is False
    ruleset = get_ruleset(shares["ruleset_id"])
    view = client.get(f"/api/projects/{pid}/lifts/{lift_id}").get_json()
    recorded = view["cost_sharing_agreed"]
    assert recorded["exempt_floors"] == [] and recorded["departs_from_reference"] is False
    assert set(recorded["floor_coefficients"]) == {"1", "2", "3", "4", "5", "6"}
    for line in shares["shares"]:
        assert line["coefficient"] == recorded["floor_coefficients"][str(line["floor"])]
        assert Decimal(line["coefficient"]) == ruleset.floor_coefficient(line["floor"])
    page = client.get(f"/projects/{pid}/lifts/{lift_id}?lang=en").get_data(as_text=True)
    assert 'data-basis="agreed-same"' in page and "the same as the reference table" in page
    notice = client.get(f"/api/projects/{pid}/lifts/{lift_id}/notice.pdf?lang=en")
    words = " ".join(pdf_text(notice.data, tmp_path).split())
    assert "the same as the reference table" in words
    assert "Floors that pay nothing" not in words


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"floor_coefficients": AGREED | {"3": "-0.6"}}, "details.floor_coefficients.3"),
        (
            {"floor_coefficients": {k: v for k, v in AGREED.items() if k != "4"}},
            "details.floor_coefficients.4",
        ),
        ({"floor_coefficients": AGREED, "exempt_floors": []}, "details.floor_coefficients.1"),
        (
            {"floor_coefficients": AGREED | {"9": "2"}, "exempt_floors": [1]},
            "details.floor_coefficients.9",
        ),
        ({"floor_coefficients": AGREED, "exempt_floors": [1, 8]}, "details.exempt_floors"),
        (
            {"floor_coefficients": AGREED | {"5": "一点二"}, "exempt_floors": [1]},
            "details.floor_coefficients.5.value",
        ),
        (
            {"floor_coefficients": AGREED | {"5": "NaN"}, "exempt_floors": [1]},
            "details.floor_coefficients.5.value",
        ),
        (
            {"floor_coefficients": {"二": "1"}, "exempt_floors": [1]},
            "details.floor_coefficients.二.key",
        ),
        ({"exempt_floors": ["一"]}, "details.exempt_floors.0"),
    ],
)
def test_bad_coefficients_are_refused_by_field_and_nothing_is_written(
    client, web_app, lift, extra, field
):
    pid, lift_id = passed(client, web_app, lift)
    before = client.get(f"/api/projects/{pid}").get_json()["version"]
    refused = sign(client, web_app, pid, lift_id, **extra)
    assert refused.status_code == 422, refused.get_json()
    errors = refused.get_json()["errors"]
    assert field in errors, errors
    assert client.get(f"/api/projects/{pid}").get_json()["version"] == before
    assert client.get(f"/api/projects/{pid}/lifts/{lift_id}").get_json()["stage"] == (
        "consent_passed"
    )


def test_a_negative_coefficient_is_explained_in_chinese(client, web_app, lift):
    pid, lift_id = passed(client, web_app, lift)
    extra = {"floor_coefficients": AGREED | {"3": "-1"}, "exempt_floors": [1]}
    english = sign(client, web_app, pid, lift_id, **extra).get_json()
    assert "floor 3 must not be negative" in str(english["errors"])
    refused = sign(client, web_app, pid, lift_id, lang="zh", **extra)
    body = refused.get_json()
    assert refused.status_code == 422
    assert "3" in str(body["errors"]["details.floor_coefficients.3"])
    assert "负" in str(body["errors"]["details.floor_coefficients.3"])


def test_staff_record_the_agreed_coefficients_on_the_lift_page(app):
    project_id = register(app)
    propose(app, project_id, {f: "agree" for f in VOTES})
    close_poll_now(app, project_id)
    staff = signed_in(app)
    page = f"/staff/projects/{project_id}/lifts/{LIFT}"
    assert 'name="details-floor_coefficients"' in text(staff.get(page))
    form = {
        "to_stage": "agreement_signed",
        "on": "2026-09-01",
        "details-manager": "业主小组",
        "details-budget": "600000",
        "details-cost_sharing": "按约定系数",
        "details-maintenance_sharing": "均摊",
    }
    for coefficients, exempt, shown in [
        ("2=0.2", "1", "业主约定的楼层系数：请按“楼层:系数”填写"),
        ("2:0.2, 3:0.6, 4:1, 5:1.2, 6:1.4", "一楼", "不出资的楼层：请填写楼层号"),
        ("2:0.2, 3:-0.6, 4:1, 5:1.2, 6:1.4", "1", "第3层的系数不能为负数"),
        ("2:0.2, 3:0.6, 5:1.2, 6:1.4", "1", "第4层需要出资但没有系数"),
    ]:
        refused = staff.post(
            f"{page}/transitions",
            data=form
            | {"details-floor_coefficients": coefficients, "details-exempt_floors": exempt},
            follow_redirects=True,
        )
        assert shown in text(refused), coefficients
        assert lift_state(app, project_id)["stage"] == "consent_passed"
    signed = staff.post(
        f"{page}/transitions",
        data=form
        | {
            "details-floor_coefficients": "2：0.2，3:0.6 4:1、5:1.2; 6:1.4",
            "details-exempt_floors": "1",
        },
        follow_redirects=True,
    )
    assert "楼层系数按本单元业主约定，与" in text(signed)
    agreed = lift_state(app, project_id)["cost_sharing_agreed"]
    assert agreed["floor_coefficients"] == {
        "1": "0",
        "2": "0.2",
        "3": "0.6",
        "4": "1",
        "5": "1.2",
        "6": "1.4",
    }
    assert agreed["exempt_floors"] == [1] and agreed["departs_from_reference"] is True
