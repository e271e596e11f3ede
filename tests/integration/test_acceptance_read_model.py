"""The acceptance read model: folded from the events, rebuilt identically, flags as of today."""

from __future__ import annotations

from datetime import timedelta

from renovation.domain.parts.acceptance import UNIT_ROLES
from renovation.domain.rulesets import get_ruleset
from renovation.projections import acceptance as acceptance_model
from renovation.projections.queries import dump_read_model, get_summary
from renovation.projections.store import get_acceptance
from tests.conftest import STAFF, registration, walk
from tests.helpers import record_acceptance


def defect(n: int, due_on) -> dict:
    return {
        "what": f"外墙渗水{n}",
        "building": "1",
        "unit": "1",
        "responsible": "construction",
        "due_on": due_on,
    }


def test_items_history_filing_and_flags_are_kept_and_rebuilt(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "acceptance_inspection")
    today = app.today()
    items = record_acceptance(
        app,
        pid,
        actor=STAFF,
        conclusion="passed_with_rectification",
        defects=[defect(1, today + timedelta(days=10)), defect(2, today + timedelta(days=20))],
    )
    assert items == ["1", "2"]
    app.rectification_step(pid, "1", "work_required", {"note": "三日内进场"}, actor=STAFF)
    app.rectification_step(pid, "1", "ready", {"note": "已修补"}, actor=STAFF)
    app.rectification_step(pid, "1", "approve", {}, actor=STAFF, approver="supervision_unit")
    runtime.catch_up()

    row = get_acceptance(runtime.engine, str(pid))
    assert sorted(row["units"]) == sorted(UNIT_ROLES)
    assert row["meetings"][0]["conclusion"] == "passed_with_rectification"
    one = row["items"]["1"]
    assert one["status"] == "closed"
    assert [h["status"] for h in one["history"]] == [
        "opened",
        "work_required",
        "ready_for_review",
        "approved",
        "closed",
    ]
    assert row["items"]["2"]["status"] == "opened"

    summary = get_summary(runtime.engine, str(pid))
    ruleset = get_ruleset("national-2021")
    now = acceptance_model.view(row, summary, ruleset, today)
    assert now["open_items"] == ["2"] and now["overdue_items"] == []
    later = acceptance_model.view(row, summary, ruleset, today + timedelta(days=21))
    assert later["overdue_items"] == ["2"]
    assert [i["days_overdue"] for i in later["items"] if i["overdue"]] == [1]
    assert later["has_record"] and later["accepted_on"] is None

    before = dump_read_model(runtime.engine)["project_acceptance"]
    runtime.projection.drop_tables()
    runtime.projection.create_tables()
    runtime.projection.catch_up(batch_size=2)
    assert dump_read_model(runtime.engine)["project_acceptance"] == before


def test_a_project_without_records_has_none_and_says_so(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    runtime.catch_up()
    assert get_acceptance(runtime.engine, str(pid)) is None
    summary = get_summary(runtime.engine, str(pid))
    view = acceptance_model.view(None, summary, get_ruleset("national-2021"), app.today())
    assert view["has_record"] is False and view["items"] == [] and view["filing_overdue"] is False
