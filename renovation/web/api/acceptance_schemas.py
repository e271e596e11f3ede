"""The API's schemas of after-construction work (renovation.web.api.acceptance): what the
bureau and resident supervisors send, and the acceptance record they read."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from renovation.domain.parts.acceptance import (
    CONCLUSIONS,
    REPRESENTATIVE_ROLES,
    UNIT_ROLES,
)
from renovation.domain.parts.supervision import MANAGER_KINDS, PHOTO_SUBJECTS
from renovation.web.api.schemas import CommandResultSchema

PHOTOS = fields.List(
    fields.String(validate=validate.Regexp(r"^[0-9a-f]{64}$")),
    load_default=list,
    validate=validate.Length(max=12),
    metadata={"description": "SHA-256 of photos uploaded with POST /api/projects/{id}/photos"},
)
TEXT = {"validate": validate.Length(min=1, max=2000)}

# ---- schemas -----------------------------------------------------------------------------


class ParticipatingUnitCreateSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(UNIT_ROLES))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    credit_code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "统一社会信用代码: 18 characters, check character per GB 32100"},
    )
    contact_role = fields.String(required=True, validate=validate.Length(min=1, max=100))


class MilestoneBuilderSchema(Schema):
    unit_role = fields.String(
        required=True,
        validate=validate.OneOf(UNIT_ROLES),
        metadata={"description": "the role of a recorded participating unit"},
    )


class NoticeCreateSchema(Schema):
    notified_on = fields.Date(
        allow_none=True, metadata={"description": "the day the notice went out; today if none"}
    )
    meeting_on = fields.Date(required=True)
    place = fields.String(required=True, validate=validate.Length(min=1, max=200))
    group = fields.List(
        fields.String(validate=validate.Length(min=1, max=100)),
        required=True,
        validate=validate.Length(min=1, max=30),
        metadata={"description": "the acceptance group, by position"},
    )


class RepresentativeSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(REPRESENTATIVE_ROLES))
    supervisor_id = fields.String(validate=validate.Length(min=1, max=40), allow_none=True)


class DefectSchema(Schema):
    what = fields.String(required=True, **TEXT)
    building = fields.String(load_default="", validate=validate.Length(max=20))
    unit = fields.String(load_default="", validate=validate.Length(max=20))
    responsible = fields.String(required=True, validate=validate.OneOf(UNIT_ROLES))
    due_on = fields.Date(required=True)
    supervisors = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        load_default=list,
        metadata={
            "description": "resident supervisors who co-approve besides the supervision unit"
        },
    )


class MeetingCreateSchema(Schema):
    held_on = fields.Date(required=True)
    place = fields.String(required=True, validate=validate.Length(min=1, max=200))
    units_present = fields.List(fields.String(validate=validate.OneOf(UNIT_ROLES)), required=True)
    representatives = fields.List(fields.Nested(RepresentativeSchema), load_default=list)
    conclusion = fields.String(required=True, validate=validate.OneOf(CONCLUSIONS))
    defects = fields.List(fields.Nested(DefectSchema), load_default=list)


class MeetingCreatedSchema(CommandResultSchema):
    item_ids = fields.List(fields.String())


class StepNoteSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class ReadySchema(StepNoteSchema):
    photos = PHOTOS


class SignOffSchema(StepNoteSchema):
    approver = fields.String(
        validate=validate.Length(min=1, max=40),
        metadata={
            "description": "staff entering a paper sign-off: the co-approver it is "
            "from (supervision_unit or a supervisor id); a supervisor signs as themself"
        },
    )


class ReopenSchema(Schema):
    reason = fields.String(required=True, **TEXT)
    approver = fields.String(validate=validate.Length(min=1, max=40))


class FilingCreateSchema(Schema):
    filing_number = fields.String(required=True, validate=validate.Length(min=1, max=100))
    filed_on = fields.Date(allow_none=True)


class SupervisorCreateSchema(Schema):
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "kept as personal data, sealed; never published"},
    )
    role_label = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "how pages name them, e.g. 2幢居民监督员"},
    )


class SupervisorCreatedSchema(CommandResultSchema):
    supervisor_id = fields.String()


class SupervisorAccountCreateSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=3, max=80))
    password = fields.String(required=True, validate=validate.Length(min=8, max=200))


class SupervisorAccountSchema(Schema):
    username = fields.String()
    supervisor_id = fields.String()


class InspectionNoteCreateSchema(Schema):
    text = fields.String(required=True, **TEXT)
    on_date = fields.Date(allow_none=True)
    photos = PHOTOS
    milestone_id = fields.String(validate=validate.Length(min=1, max=40), allow_none=True)
    item_id = fields.String(validate=validate.Length(min=1, max=20), allow_none=True)
    supervisor_id = fields.String(
        validate=validate.Length(min=1, max=40),
        metadata={"description": "staff entering a paper note: whose note it is"},
    )


class NoteCreatedSchema(CommandResultSchema):
    note_id = fields.String()


class PhotosAttachSchema(Schema):
    subject = fields.String(required=True, validate=validate.OneOf(PHOTO_SUBJECTS))
    subject_id = fields.String(required=True, validate=validate.Length(min=1, max=40))
    photos = fields.List(
        fields.String(validate=validate.Regexp(r"^[0-9a-f]{64}$")),
        required=True,
        validate=validate.Length(min=1, max=12),
    )
    caption = fields.String(load_default="", validate=validate.Length(max=200))


class HandoverCreateSchema(Schema):
    manager_kind = fields.String(required=True, validate=validate.OneOf(MANAGER_KINDS))
    manager_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    rules_adopted = fields.String(required=True, **TEXT)
    maintenance_fund = fields.String(required=True, **TEXT)
    handed_over_on = fields.Date(allow_none=True)


class AcceptanceSchema(Schema):
    project_id = fields.String()
    version = fields.Integer()
    has_record = fields.Boolean(
        metadata={"description": "false for a project with no acceptance meeting recorded"}
    )
    units = fields.Dict()
    notices = fields.List(fields.Dict())
    meetings = fields.List(fields.Dict())
    latest_meeting = fields.Dict(allow_none=True)
    items = fields.List(fields.Dict(), metadata={"description": "with overdue, days_overdue"})
    open_items = fields.List(fields.String())
    overdue_items = fields.List(fields.String())
    filing = fields.Dict(allow_none=True)
    accepted_on = fields.String(allow_none=True)
    filing_due_on = fields.String(allow_none=True)
    filing_overdue = fields.Boolean()
    filing_days = fields.Integer()
    notice_working_days = fields.Integer()
    supervisors = fields.Dict(metadata={"description": "role labels only; names are sealed"})
    notes = fields.List(fields.Dict())
    photos = fields.Dict()
    handover = fields.Dict(allow_none=True)
    builders = fields.Dict(metadata={"description": "milestone id → the unit role doing it"})
