"""The demo's satisfaction evaluation (问效), along the real path: a round with the
satisfaction question, households' answers on paper, and a close that records the result.

Dates are counted back from today; the answers come from a generator seeded with the
community's name, so the demo reads the same whenever it is loaded, and loading it again
replays the same commands (their ids) instead of adding more.
"""

from __future__ import annotations

import random
from datetime import timedelta

from renovation.application.app import RenovationApplication
from renovation.domain.project import Actor

# Most households answer, most of them satisfied (Jiangsu's model-community bar is 90 %).
WEIGHTS = {"satisfied": 0.72, "basically_satisfied": 0.2, "dissatisfied": 0.04, None: 0.04}


def add_demo_evaluation(
    app: RenovationApplication, project_id, name: str, actor: Actor
) -> dict | None:
    """Open an evaluation round three weeks ago, enter the paper answers, close it last week."""
    rng = random.Random(f"evaluation:{name}")
    paper = Actor(id=actor.id, role=actor.role, channel="paper")
    real_clock = app.clock
    now = real_clock()
    opens, closes = now - timedelta(days=21), now - timedelta(days=7)
    key = f"demo:{name}:evaluation"
    consultation_id = app.open_consultation(
        project_id,
        {
            "kind": "evaluation",
            "title": f"{name}改造满意度测评",
            "questions": [
                {"type": "satisfaction", "text": "您对本小区改造的总体满意程度？"},
                {"type": "text", "text": "还有哪些需要改进的地方？"},
            ],
            "opens_at": opens,
            "closes_at": closes,
            "scope": {"level": "community"},
        },
        actor=actor,
        command_id=key,
    ).value["consultation_id"]
    try:
        app.clock = lambda: opens + timedelta(days=5)
        for flat in app.get_project(project_id).flats():
            answer = rng.choices(list(WEIGHTS), list(WEIGHTS.values()))[0]
            if answer is None:
                continue
            fid = f"{flat['building']}-{flat['unit']}-{flat['number']}"
            app.cast_paper_vote(
                project_id,
                consultation_id,
                flat_id=fid,
                answers={"q1": answer},
                consent=None,
                actor=paper,
                effective_on=(opens + timedelta(days=5)).date(),
                command_id=f"{key}:{fid}",
            )
        app.clock = lambda: closes + timedelta(hours=1)
        return app.close_consultation(
            project_id, consultation_id, actor=actor, command_id=f"{key}:close"
        ).value
    finally:
        app.clock = real_clock
