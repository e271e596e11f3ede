"""The flat register (房屋清册): import buildings, units and flats from an XLSX or CSV file."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from flask.views import MethodView
from marshmallow import Schema, fields
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from renovation.application.flat_import import (
    MAX_FILE_BYTES,
    FlatImportFileError,
    with_register_file,
)
from renovation.domain.parts.flat_register import COLUMNS, MAX_ROWS, FlatImportRefusedError
from renovation.web import runtime
from renovation.web.access import STAFF, access
from renovation.web.api import error_response, refusal_response
from renovation.web.api.schemas import (
    BuildingCreateSchema,
    CommandResultSchema,
    ProjectCreateSchema,
    RefusalSchema,
)
from renovation.web.api.writes import WRITE_ROLES, Blueprint, committed, created, staff_write
from renovation.web.auth import api_user, check_district, require_role
from renovation.web.i18n import json_params, refusal_message, refusal_problems
from renovation.web.validation import Length


class MultipartParser(FlaskParser):
    """Adds the ``multipart`` location: a multipart request's form fields and files together,
    as one set of arguments (one request body in OpenAPI)."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req: Any, schema: Schema) -> Any:
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class UploadBlueprint(Blueprint):
    ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "multipart": "multipart/form-data",
    }


blp = UploadBlueprint(
    "flats", __name__, url_prefix="/api/projects", description="The flat register (房屋清册)"
)

HEADERS = "; ".join(f"{field}: {' / '.join(names)}" for field, names in COLUMNS.items())


class FlatImportSchema(Schema):
    file = fields.Raw(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "description": f"an XLSX workbook (its first sheet) or a CSV file (UTF-8 or GBK) "
            f"of at most {MAX_FILE_BYTES // 1024} KB and {MAX_ROWS} flats; row 1 names the "
            f"columns, in Chinese or English ({HEADERS}); 未售 is 是/否. Each flat's id "
            "is then <building>-<unit>-<number>, e.g. 1-2-301",
        },
    )


class FlatImportResultSchema(CommandResultSchema):
    added = fields.Integer(metadata={"description": "the flats the file added"})


def import_refusal(error: FlatImportRefusedError):
    """422 with every refused row: its number (the header is row 1), column, code, params."""
    rows = [dict(line, params=json_params(line["params"])) for line in error.report()]
    return error_response(
        422, error.code, refusal_message(error), refusal_problems(error), rows=rows
    )


@blp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge):
    too_large = FlatImportFileError(
        "import_file_too_large", field="file", max_kb=MAX_FILE_BYTES // 1024
    )
    return error_response(
        413, too_large.code, refusal_message(too_large), refusal_problems(too_large)
    )


def read_upload(upload: Any) -> bytes:
    """An uploaded file's bytes, one more than the limit at most (so too large is seen)."""
    try:
        return upload.read(MAX_FILE_BYTES + 1)
    finally:
        upload.close()  # a large upload is spooled to a temporary file


def file_refusal(error: FlatImportFileError):
    """413 for a file over the limit, else 422: not a register that can be read."""
    if error.code == "import_file_too_large":
        return error_response(413, error.code, refusal_message(error), refusal_problems(error))
    return refusal_response(error)


@blp.route("/<uuid:project_id>/flats/import")
class FlatImport(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(FlatImportSchema, location="files")
    @blp.response(200, FlatImportResultSchema)
    @blp.alt_response(413, schema=RefusalSchema, description="import_file_too_large")
    @blp.alt_response(
        422,
        schema=RefusalSchema,
        description="flat_import_refused: ``rows`` lists each refused row (row, column, code, "
        "params), nothing imported; import_not_spreadsheet: not XLSX or CSV",
    )
    @blp.write()
    def post(self, form: dict[str, Any], project_id: UUID):
        """Add buildings, units and flats (floor, exclusive area, owner reference, unsold
        developer flat) to the project's register from a file (staff); if any row is refused,
        nothing is imported and every refused row is named."""
        upload = form["file"]
        content = read_upload(upload)
        try:
            result = runtime().app.import_flats(
                project_id, upload.filename or "", content, **staff_write(project_id).kwargs
            )
        except FlatImportRefusedError as error:
            return import_refusal(error)
        except FlatImportFileError as error:
            return file_refusal(error)
        body, status, headers = committed(result)
        return {**body, "added": result.value}, status, headers


FLAT_ID = "the flat's id, <building>-<unit>-<number>, e.g. 1-2-301"


class FlatCorrectionSchema(Schema):
    area = fields.Decimal(
        as_string=True,
        allow_none=True,
        metadata={"description": "the corrected exclusive area in m² (above 0), if it changes"},
    )
    owner_ref = fields.String(
        allow_none=True,
        validate=Length(max=100),
        metadata={"description": "the corrected owner reference, if the owner changes"},
    )
    effective_on = fields.Date(
        required=True,
        metadata={"description": "from this day on: polls opened on or after it count the "
                  "corrected values, earlier ones keep the registered ones"},
    )
    reason = fields.String(required=True, validate=Length(max=2000))


@blp.route(
    "/<uuid:project_id>/flats/<string:flat_id>/corrections",
    # the path parameter's own words (a doc's "parameters" would replace the write headers)
    parameters=[
        {
            "in": "path",
            "name": "flat_id",
            "required": True,
            "description": FLAT_ID,
            "schema": {"type": "string", "minLength": 1},
        }
    ],
)
class FlatCorrections(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(FlatCorrectionSchema)
    @blp.response(200, CommandResultSchema)
    @blp.write()
    def post(self, data: dict[str, Any], project_id: UUID, flat_id: str):
        """Correct a flat's exclusive area or owner from an effective date, with a reason
        (staff); consent counts of polls opened on or after that date use the new values."""
        result = runtime().app.correct_flat(
            project_id,
            flat_id,
            area=data.get("area"),
            owner_ref=data.get("owner_ref"),
            effective_on=data["effective_on"],
            reason=data["reason"],
            **staff_write(project_id).kwargs,
        )
        return committed(result)


# ---- registering a project with its whole register in one request ---------------------------


class RegistrationWithRegisterSchema(ProjectCreateSchema):
    """A registration whose flats come (some or all) from the register file."""

    buildings = fields.List(fields.Nested(BuildingCreateSchema), load_default=list)


class JSONPart(fields.Nested):
    """A multipart part holding JSON text (or a JSON file), loaded by the nested schema; in
    OpenAPI an object, which a multipart body sends as application/json."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if hasattr(value, "read"):  # sent as a file part: curl -F registration=@reg.json
            value = value.read(MAX_FILE_BYTES)
        if isinstance(value, str | bytes):
            try:
                value = json.loads(value)
            except ValueError:
                raise self.make_error("type") from None
        return super()._deserialize(value, attr, data, **kwargs)


class FilePart(fields.Raw):
    """A multipart part sent as a file, not as a text field."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if not hasattr(value, "read"):
            raise self.make_error("validator_failed")
        return value


class RegistrationUploadSchema(Schema):
    registration = JSONPart(
        RegistrationWithRegisterSchema,
        required=True,
        metadata={
            "description": "the registration, as POST /api/projects takes it, as JSON; "
            "``buildings`` may be left out or hold only the flats not in the file"
        },
    )
    register = FilePart(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "description": "the flat register: the file POST /api/projects/{project_id}/"
            "flats/import takes (XLSX or CSV, the same columns and limits)",
        },
    )


@blp.route("/with-register")
class RegistrationWithRegister(MethodView):
    @access(STAFF)
    @require_role(*WRITE_ROLES)
    @blp.arguments(RegistrationUploadSchema, location="multipart")
    @blp.response(201, CommandResultSchema)
    @blp.alt_response(413, schema=RefusalSchema, description="import_file_too_large")
    @blp.alt_response(
        422,
        schema=RefusalSchema,
        description="flat_import_refused: ``rows`` lists each refused row of the file (row, "
        "column, code, params), nothing registered; import_not_spreadsheet: not XLSX or CSV; "
        "invalid fields of the registration under ``errors`` (registration.<path>)",
    )
    @blp.write(versioned=False)
    def post(self, form: dict[str, Any]):
        """Register a project with its whole flat register from a file (staff), in one step:
        multipart, the registration as JSON text and the register file. If any row of the
        file is refused, nothing is registered and every refused row is named."""
        data = form["registration"]
        check_district(api_user(), data["community"]["district"])
        write = staff_write(None)
        upload = form["register"]
        content = read_upload(upload)
        try:
            data["buildings"] = with_register_file(
                data["buildings"], upload.filename or "", content
            )
        except FlatImportRefusedError as error:
            return import_refusal(error)
        except FlatImportFileError as error:
            return file_refusal(FlatImportFileError(error.code, field="register", **error.params))
        result = runtime().app.register_project(
            data, actor=write.actor, command_id=write.command_id
        )
        return created(result)
