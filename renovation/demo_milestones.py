"""The demo's construction: milestones planned from the content items, progress reported,
delays, completions and resident supervisors' notes (renovation.demo)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from renovation.application.app import RenovationApplication
from renovation.domain.project import Actor

# name, content item, share of the item's planned quantity, then days from today: planned
# start and finish; progress reports (day, share of the milestone done); completed on;
# a delay (new finish, reason); a resident supervisor's note (day, who, what).
UNDER_WAY: list[dict[str, Any]] = [
    {
        "name": "一期雨污分流（1–4幢）",
        "item": "雨污分流改造",
        "share": Decimal("0.5"),
        "planned": (-240, -150),
        "reports": [(-200, Decimal("0.4")), (-160, Decimal(1))],
        "completed": -156,
    },
    {
        "name": "二期雨污分流（5–8幢）",
        "item": "雨污分流改造",
        "share": Decimal("0.5"),
        "planned": (-140, -20),
        "reports": [(-100, Decimal("0.25")), (-40, Decimal("0.55")), (-5, Decimal("0.7"))],
        "delay": (30, "雨季停工两周，且须配合燃气管线迁改，计划完工日期顺延。"),
        "note": (
            -10,
            "5幢居民监督员",
            "沟槽回填后路面未及时恢复，老人出行不便；已督促施工单位三日内修复。",
        ),
    },
    {
        "name": "一期道路改造",
        "item": "道路改造",
        "share": Decimal("0.5"),
        "planned": (-90, -10),
        "reports": [(-60, Decimal("0.3")), (-12, Decimal("0.8"))],
    },
    {
        "name": "充电桩安装",
        "item": "电动汽车充电桩",
        "share": Decimal(1),
        "planned": (-30, 45),
        "reports": [(-3, Decimal("0.25"))],
    },
]
# The same kinds of works for a finished project: fractions of its planned works period.
FINISHED = [
    ("雨污分流改造", "雨污分流管网改造", (0, 0.45)),
    ("屋面防水", "屋面防水翻新", (0.3, 0.75)),
    ("电动汽车充电桩", "充电桩安装", (0.6, 1)),
]


def add_demo_milestones(
    app: RenovationApplication,
    project_id,
    spec: dict[str, Any],
    *,
    finished: bool,
    actor: Actor,
) -> None:
    """Construction milestones (节点): for the project still under construction, phases with
    some progress, one delay with its reason, one overdue and a supervisor's note; for a
    project past construction, every milestone built and completed within its works period."""
    name = spec["name"]
    items = {i["item"]: i for i in app.get_project(project_id).content_items}
    today = app.today()

    def command(key: str) -> str:
        return f"demo:{name}:milestone:{key}"

    def plan(key: str, item: dict[str, Any], quantity: Decimal, start: date, finish: date) -> str:
        return app.plan_milestone(
            project_id,
            {
                "name": key,
                "item_id": item["id"],
                "quantity": quantity,
                "planned_start": start,
                "planned_finish": finish,
            },
            actor=actor,
            command_id=command(key),
        ).value["milestone_id"]

    def report(key: str, milestone_id: str, done: Decimal, on: date, index: int) -> None:
        app.report_milestone_progress(
            project_id,
            milestone_id,
            {"done_quantity": done, "on_date": on, "note": ""},
            actor=actor,
            command_id=command(f"{key}:report:{index}"),
        )

    def complete(key: str, milestone_id: str, on: date) -> None:
        app.complete_milestone(
            project_id,
            milestone_id,
            {"on_date": on},
            actor=actor,
            command_id=command(f"{key}:done"),
        )

    if finished:
        start, finish = spec["start"], min(spec["finish"], today)
        length = (finish - start).days
        for item_name, key, (begin, end) in FINISHED:
            item = items[item_name]
            quantity = Decimal(item["planned_quantity"])
            planned_finish = start + timedelta(days=int(length * end))
            milestone_id = plan(
                key, item, quantity, start + timedelta(days=int(length * begin)), planned_finish
            )
            built_on = min(planned_finish - timedelta(days=5), today)
            report(key, milestone_id, quantity, built_on, 0)
            complete(key, milestone_id, min(built_on + timedelta(days=2), today))
        return
    for phase in UNDER_WAY:
        key, item = phase["name"], items[phase["item"]]
        quantity = (Decimal(item["planned_quantity"]) * phase["share"]).quantize(Decimal(1))
        start, finish = (today + timedelta(days=d) for d in phase["planned"])
        milestone_id = plan(key, item, max(quantity, Decimal(1)), start, finish)
        for index, (days, share) in enumerate(phase["reports"]):
            done = (max(quantity, Decimal(1)) * share).quantize(Decimal(1))
            report(key, milestone_id, done, today + timedelta(days=days), index)
        if "completed" in phase:
            complete(key, milestone_id, today + timedelta(days=phase["completed"]))
        if "delay" in phase:
            days, reason = phase["delay"]
            app.delay_milestone(
                project_id,
                milestone_id,
                {"planned_finish": today + timedelta(days=days), "reason": reason},
                actor=actor,
                command_id=command(f"{key}:delay"),
            )
        if "note" in phase:
            days, supervisor, note = phase["note"]
            app.record_supervisor_note(
                project_id,
                milestone_id,
                {"supervisor": supervisor, "note": note, "on_date": today + timedelta(days=days)},
                actor=actor,
                command_id=command(f"{key}:note"),
            )
