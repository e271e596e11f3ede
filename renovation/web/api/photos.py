"""Photos: staff upload one to a project (re-encoded, kept under its SHA-256); anyone reads.

``POST /api/projects/<id>/photos`` takes a multipart field ``photo`` and answers the photo's
hash and addresses; a command then names the photo by its hash (an inspection note, a
rectification item made ready, photos of a milestone). ``GET /photos/<sha256>`` and
``/photos/<sha256>/thumbnail`` serve the stored bytes: files, not API answers, so they are
outside the OpenAPI document, like ``/static``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint as FlaskBlueprint
from flask import Response, abort, current_app, request
from flask.views import MethodView
from marshmallow import Schema, fields
from werkzeug.exceptions import RequestEntityTooLarge

from renovation.photos import SHA256 as SHA256_RE
from renovation.photos import PhotoTooLargeError
from renovation.web import runtime
from renovation.web.access import PUBLIC, STAFF, SUPERVISOR, access
from renovation.web.api import refusal_response
from renovation.web.api.schemas import RefusalSchema
from renovation.web.api.writes import (
    SUPERVISOR_WRITE_ROLES,
    Blueprint,
    supervisor_or_staff_write,
)
from renovation.web.auth import require_role
from renovation.web.links import photo_urls

# Who may upload: staff of the project's district, admins, and the project's own resident
# supervisors (for their inspection notes).
PHOTO_UPLOAD_ROLES: tuple[str, ...] = SUPERVISOR_WRITE_ROLES
# What a multipart request carries besides the photo's bytes (boundaries, part headers).
MULTIPART_SLACK = 64 * 1024
SHA256_PATTERN = "^[0-9a-f]{64}$"

blp = Blueprint(
    "photos",
    __name__,
    url_prefix="/api/projects",
    description="Photos (照片) of inspections, milestones and rectification items",
)
files = FlaskBlueprint("photo_files", __name__, url_prefix="/photos")


class PhotoUploadSchema(Schema):
    photo = fields.Raw(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "description": "a JPEG or PNG photo; it is decoded and re-encoded, without its "
            "EXIF data (the location included), and turned upright",
        },
    )


class PhotoStoredSchema(Schema):
    sha256 = fields.String(
        required=True,
        metadata={
            "pattern": SHA256_PATTERN,
            "description": "the SHA-256 of the stored (re-encoded) photo: name it in commands",
        },
    )
    url = fields.String(required=True, metadata={"description": "the photo (public)"})
    thumbnail_url = fields.String(
        required=True, metadata={"description": "a small JPEG of the photo (public)"}
    )


@blp.before_request
def _photo_sized_requests() -> None:
    """A photo may be larger than the app's request limit; the store's own limit holds."""
    request.max_content_length = current_app.config["PHOTO_MAX_BYTES"] + MULTIPART_SLACK


@blp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge):
    store = runtime().photo_store
    return refusal_response(PhotoTooLargeError(max_bytes=store.max_bytes))


@blp.route("/<uuid:project_id>/photos")
class ProjectPhotos(MethodView):
    @access(STAFF, SUPERVISOR)
    @require_role(*PHOTO_UPLOAD_ROLES)
    @blp.arguments(PhotoUploadSchema, location="files")
    @blp.response(201, PhotoStoredSchema)
    @blp.alt_response(
        413, schema=RefusalSchema, description="photo_too_large: the file is over the limit"
    )
    @blp.alt_response(
        422,
        schema=RefusalSchema,
        description="refused: not a JPEG or PNG (photo_not_image), empty (photo_empty), too "
        "many pixels (photo_too_many_pixels), damaged or truncated (photo_damaged)",
    )
    @blp.write(versioned=False)
    def post(self, form: dict[str, Any], project_id: UUID):
        """Upload a photo for the project's inspection notes, milestones or rectification
        items (staff of its district, or its resident supervisors); the same picture
        uploaded again has the same hash.
        Nothing is recorded in the project until a command names the hash, so a repeat with
        the same Idempotency-Key, or none, answers the same hash."""
        supervisor_or_staff_write(project_id)
        upload = form["photo"]  # a file: the form's fields are not read
        try:
            data = upload.read()
        finally:
            upload.close()  # a large upload is spooled to a temporary file
        sha256 = runtime().photo_store.put(data)
        return {"sha256": sha256, **photo_urls(sha256)}, 201


# ---- the files (public) -------------------------------------------------------------------


def _stored(sha256: str) -> str:
    if not SHA256_RE.fullmatch(sha256) or not runtime().photo_store.exists(sha256):
        abort(404)
    return sha256


def _file(data: bytes, content_type: str, filename: str) -> Response:
    return Response(
        data,
        mimetype=content_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="{filename}"',
            # The address names the bytes: they never change.
            "Cache-Control": "public, max-age=31536000, immutable",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@files.get("/<string:sha256>")
@access(PUBLIC)
def photo(sha256: str) -> Response:
    """A stored photo by its SHA-256 (public): JPEG or PNG."""
    store = runtime().photo_store
    _stored(sha256)
    content_type = store.content_type(sha256)
    extension = "png" if content_type == "image/png" else "jpg"
    return _file(store.read(sha256), content_type, f"{sha256}.{extension}")


@files.get("/<string:sha256>/thumbnail")
@access(PUBLIC)
def photo_thumbnail(sha256: str) -> Response:
    """A stored photo's thumbnail (public): a JPEG at most 320 pixels wide and high."""
    store = runtime().photo_store
    _stored(sha256)
    return _file(store.thumbnail(sha256), "image/jpeg", f"{sha256}-thumbnail.jpg")
