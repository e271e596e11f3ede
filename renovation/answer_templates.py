"""The bureau's common answers to residents' opinions: data the staff keep, not code.

A template only fills the answer form; the answer a resident reads is stored in full in the
project's history, so editing or deleting a template never changes a past answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    inspect,
    select,
    update,
)

from renovation.domain.errors import ConflictError, DomainError, NotFoundError

MAX_TEXT = 500

template_metadata = MetaData()

answer_templates = Table(
    "answer_templates",
    template_metadata,
    Column("id", Integer, primary_key=True),
    Column("text", Text, nullable=False),
    Column("updated_by", String(100), nullable=False),
    Column("updated_at", String(40), nullable=False),
)

# What a new installation starts with; the staff change them on the templates page.
DEFAULTS = (
    "感谢您的宝贵意见。您的建议已被采纳，我们将纳入改造方案并在施工中落实。",
    "感谢您的意见。您的建议部分采纳，具体安排将在方案公示中说明。",
    "感谢您的意见。该事项不在本次改造范围内，我们已记录，将在后续计划中统筹考虑。",
    "已通知施工单位整改，并要求严格遵守文明施工规定，请您继续监督。",
    "已要求施工单位合理安排作业时间，午休及夜间（22:00–次日6:00）不进行高噪声作业。",
    "该事项属于物业管理范围，已转交物业服务企业办理，请您留意后续答复。",
    "加装电梯须本单元业主依法表决同意后实施，我们将组织本单元业主协商。",
    "工作人员将于近期上门核实情况，届时与您当面沟通。",
)


class TemplateError(DomainError):
    """A template text that cannot be kept."""

    code = "invalid_answer_template"


class DuplicateTemplateError(TemplateError, ConflictError):
    """There is a common answer with this text already (answered 409)."""

    code = "answer_template_exists"


class UnknownTemplateError(TemplateError, NotFoundError):
    """No common answer has this id (answered 404)."""

    code = "unknown_answer_template"


@dataclass(frozen=True)
class AnswerTemplate:
    id: int
    text: str
    updated_by: str
    updated_at: str


def create_tables(bind: Engine | Connection) -> None:
    """Create the table; a new one starts with the default templates."""
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            create_tables(conn)
        return
    if inspect(bind).has_table("answer_templates"):
        return
    template_metadata.create_all(bind)
    now = _now()
    bind.execute(
        answer_templates.insert(),
        [{"text": text, "updated_by": "system", "updated_at": now} for text in DEFAULTS],
    )


def list_templates(engine: Engine) -> list[AnswerTemplate]:
    with engine.connect() as conn:
        rows = conn.execute(select(answer_templates).order_by(answer_templates.c.id))
        return [AnswerTemplate(**r._mapping) for r in rows]


def get_template(engine: Engine, template_id: int) -> AnswerTemplate:
    with engine.connect() as conn:
        row = conn.execute(
            select(answer_templates).where(answer_templates.c.id == template_id)
        ).first()
    if row is None:
        raise UnknownTemplateError(field="id", template_id=template_id)
    return AnswerTemplate(**row._mapping)


def add_template(engine: Engine, text: str, *, by: str) -> AnswerTemplate:
    text = _check(engine, text)
    with engine.begin() as conn:
        new_id = conn.execute(
            answer_templates.insert().values(text=text, updated_by=by, updated_at=_now())
        ).inserted_primary_key[0]
    return get_template(engine, new_id)


def change_template(engine: Engine, template_id: int, text: str, *, by: str) -> AnswerTemplate:
    get_template(engine, template_id)
    text = _check(engine, text, other_than=template_id)
    with engine.begin() as conn:
        conn.execute(
            update(answer_templates)
            .where(answer_templates.c.id == template_id)
            .values(text=text, updated_by=by, updated_at=_now())
        )
    return get_template(engine, template_id)


def remove_template(engine: Engine, template_id: int) -> None:
    get_template(engine, template_id)
    with engine.begin() as conn:
        conn.execute(delete(answer_templates).where(answer_templates.c.id == template_id))


def _check(engine: Engine, text: str, *, other_than: int | None = None) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise TemplateError("required", field="text")
    if len(text) > MAX_TEXT:
        raise TemplateError("too_long", field="text", max=MAX_TEXT)
    with engine.connect() as conn:
        query = select(func.count()).where(answer_templates.c.text == text)
        if other_than is not None:
            query = query.where(answer_templates.c.id != other_than)
        if conn.execute(query).scalar_one():
            raise DuplicateTemplateError(field="text")
    return text


def _now() -> str:
    return datetime.now(UTC).isoformat()
