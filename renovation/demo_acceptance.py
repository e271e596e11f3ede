"""The demo's completion acceptance, along the real path: participating units, the notice to
the quality supervision body, the meeting and its defects, rectification and sign-offs,
and the filing. No demo project is accepted without a record.

Dates are counted back from today, so the demo reads the same whenever it is loaded.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from renovation.application.app import RenovationApplication
from renovation.domain.credit_code import check_character
from renovation.domain.parts.acceptance import ACCEPTANCE_UNITS, UNIT_ROLES
from renovation.domain.project import Actor

UNITS: dict[str, tuple[str, str]] = {
    "client": ("{city}住房和城乡建设局", "项目负责人"),
    "survey": ("江苏苏勘工程勘察有限公司", "勘察负责人"),
    "design": ("江苏华源建筑设计研究院有限公司", "设计负责人"),
    "construction": ("江苏中淮建设集团有限公司", "项目经理"),
    "supervision": ("江苏建科工程监理有限公司", "总监理工程师"),
    "quality_supervision": ("{city}建设工程质量安全监督站", "监督员"),
}

# what, building, unit, responsible unit, days after the meeting it is due
DEFECTS: list[tuple[str, str, str, str, int]] = [
    ("屋面防水层局部起鼓，雨后渗水", "2", "1", "construction", 20),
    ("单元门禁对讲不通", "3", "2", "construction", 10),
    ("无障碍坡道坡度超过1:12", "1", "", "construction", 15),
]


def demo_credit_code(name: str, role: str) -> str:
    """A made-up but well-formed unified social credit code for a demo unit."""
    base = f"91320800MA{_stable(name + role)}"
    return base + check_character(base)


def _stable(text: str) -> str:
    return f"{sum(ord(c) * (i + 1) for i, c in enumerate(text)) % 10**7:07d}"


def add_demo_acceptance(
    app: RenovationApplication,
    project_id: Any,
    spec: dict[str, Any],
    actor: Actor,
    *,
    passing: bool,
) -> str:
    """Units, notice and meeting; with ``passing`` the items are rectified and signed off.

    Without it the project waits in 竣工验收 with its items at different steps, one overdue.
    Returns the resident supervisor's id.
    """
    name = spec["name"]
    today = app.today()
    held_on = today - timedelta(days=75 if passing else 12)

    def key(*parts: Any) -> str:
        return ":".join(("demo", name, "acceptance", *map(str, parts)))

    for role in UNIT_ROLES:
        unit_name, contact = UNITS[role]
        app.record_unit(
            project_id,
            {
                "role": role,
                "name": unit_name.format(city=spec["city"]),
                "credit_code": demo_credit_code(name, role),
                "contact_role": contact,
            },
            actor=actor,
            command_id=key("unit", role),
        )
    supervisor_id = app.appoint_supervisor(
        project_id,
        {"role_label": "2幢居民监督员", "name": "王秀英"},
        actor=actor,
        command_id=key("supervisor"),
    ).value["supervisor_id"]
    app.notify_acceptance(
        project_id,
        {
            "notified_on": held_on - timedelta(days=16),
            "meeting_on": held_on,
            "place": f"{name}社区活动室",
            "group": ["建设单位项目负责人（组长）", "监理单位总监理工程师", "施工单位项目经理"],
        },
        actor=actor,
        command_id=key("notice"),
    )
    defects = [
        {
            "what": what,
            "building": building,
            "unit": unit,
            "responsible": responsible,
            "due_on": held_on + timedelta(days=days),
            "supervisors": [supervisor_id] if n == 0 else [],
        }
        for n, (what, building, unit, responsible, days) in enumerate(DEFECTS)
    ]
    item_ids = app.record_acceptance_meeting(
        project_id,
        {
            "held_on": held_on,
            "place": f"{name}社区活动室",
            "units_present": list(ACCEPTANCE_UNITS),
            "representatives": [
                {"role": "resident_representative"},
                {"role": "resident_supervisor", "supervisor_id": supervisor_id},
            ],
            "conclusion": "passed_with_rectification",
            "defects": defects,
        },
        actor=actor,
        command_id=key("meeting"),
    ).value["item_ids"]
    _rectify(app, project_id, item_ids, supervisor_id, actor, key, passing=passing)
    if passing:
        _accept_and_file(app, project_id, spec, held_on, actor, key)
    return supervisor_id


def _rectify(app, project_id, item_ids, supervisor_id, actor, key, *, passing: bool) -> None:
    first, second, third = item_ids
    app.transition_project(project_id, "rectification", actor=actor, command_id=key("to", 1))
    for item_id in item_ids:
        app.rectification_step(
            project_id,
            item_id,
            "work_required",
            {"note": "已书面通知责任单位限期整改"},
            actor=actor,
            command_id=key(item_id, "work"),
        )
    app.rectification_step(
        project_id,
        first,
        "ready",
        {"note": "已铲除起鼓部分并重做防水层"},
        actor=actor,
        command_id=key(first, "ready"),
    )
    if not passing:
        # The first item waits for the supervisor's review; the third is overdue.
        return
    app.rectification_step(
        project_id,
        first,
        "reopen",
        {"reason": "闭水试验仍见渗水点，需返工"},
        actor=actor,
        approver=supervisor_id,
        command_id=key(first, "reopen"),
    )
    for item_id in item_ids:
        app.rectification_step(
            project_id,
            item_id,
            "ready",
            {"note": "整改完成，附照片"},
            actor=actor,
            command_id=key(item_id, "ready", 2),
        )
        approvers = ["supervision_unit"] + ([supervisor_id] if item_id == first else [])
        for approver in approvers:
            app.rectification_step(
                project_id,
                item_id,
                "approve",
                {"note": "现场复查合格"},
                actor=actor,
                approver=approver,
                command_id=key(item_id, "approve", approver),
            )
    del second, third


def _accept_and_file(app, project_id, spec, held_on: date, actor, key) -> None:
    app.transition_project(
        project_id, "acceptance_inspection", actor=actor, command_id=key("to", 2)
    )
    accepted_on = held_on + timedelta(days=40)
    app.transition_project(
        project_id, "accepted", actor=actor, effective_on=accepted_on, command_id=key("to", 3)
    )
    app.file_acceptance(
        project_id,
        {
            "filing_number": (
                f"{spec['city'][:2]}建竣备〔{accepted_on.year}〕{_stable(spec['name'])[-4:]}号"
            ),
            "filed_on": accepted_on + timedelta(days=9),
        },
        actor=actor,
        command_id=key("filing"),
    )


def add_demo_handover(app: RenovationApplication, project_id: Any, name: str, actor: Actor) -> None:
    """The hand-over to long-term management, a few days ago."""
    app.record_handover(
        project_id,
        {
            "manager_kind": "property_company",
            "manager_name": f"淮安市{name}物业服务有限公司",
            "rules_adopted": (
                "《小区管理规约》经业主大会表决通过，含电梯、充电桩和绿化的日常养护分工"
            ),
            "maintenance_fund": "专项维修资金按建筑面积每平方米30元续筹，由业主委员会监督使用",
            "handed_over_on": app.today() - timedelta(days=3),
        },
        actor=actor,
        command_id=f"demo:{name}:handover",
    )
