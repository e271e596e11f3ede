"""Photo uploads: real images made with Pillow, real files on disk, hostile files refused.

Every refusal is a 4xx with a code on the field ``photo`` and leaves the photo directory
empty; what is stored is re-encoded (no EXIF, no GPS, nothing appended) and served with its
content type and ``nosniff``.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import struct
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from renovation import accounts
from renovation.domain.errors import DomainError
from renovation.photos import PhotoStore
from renovation.web import runtime
from tests.conftest import STAFF, registration, walk
from tests.helpers import make_app, record_acceptance

PAYLOAD = b"<script>alert('polyglot')</script>"
GPS_IFD = 0x8825
ORIENTATION = 0x0112


# ---- images --------------------------------------------------------------------------------


def noisy(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """A picture that does not compress to nothing (so truncating it cuts the scan data)."""
    return Image.frombytes(mode, (width, height), os.urandom(width * height * len(mode)))


def jpeg(image: Image.Image | None = None, **save: object) -> bytes:
    out = io.BytesIO()
    (image or noisy(64, 48)).save(out, "JPEG", **save)
    return out.getvalue()


def png(image: Image.Image | None = None) -> bytes:
    out = io.BytesIO()
    (image or noisy(40, 30, "RGBA")).save(out, "PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """A 200×100 JPEG from a phone held upright (orientation 6), with its location."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (33.0, 30.0, 15.0), 3: "E", 4: (119.0, 1.0, 2.0)})
    return jpeg(noisy(200, 100), exif=exif)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A 1-bit PNG declaring ``width × height`` pixels whose zeros compress to a few kB."""
    row = b"\x00" + bytes((width + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


# ---- the app -------------------------------------------------------------------------------


def build(tmp_path: Path, **config: object):
    app = make_app(tmp_path, **config)
    engine = app.extensions["renovation"].engine
    app.tokens = {}
    for username, role, districts in [
        ("zhang", "staff", ["清江浦区"]),
        ("li", "staff", ["天宁区"]),
        ("chen", "auditor", []),
        ("root", "admin", []),
    ]:
        accounts.add_user(engine, username, "correct horse battery", role, districts=districts)
        app.tokens[username] = accounts.issue_token(engine, username)
    with app.app_context():
        app.project_id = runtime().app.register_project(registration(), actor=STAFF).project_id
    return app


@pytest.fixture
def photo_app(tmp_path):
    app = build(tmp_path)
    yield app
    app.extensions["renovation"].close()


def upload(app, data: bytes, filename: str = "photo.jpg", *, user: str | None = "zhang", **kw):
    headers = {"Authorization": f"Bearer {app.tokens[user]}"} if user else {}
    headers.update(kw.get("headers", {}))
    # Encoded in memory: the test client spools a large body to a file it never closes.
    mimetype = kw.get("mimetype", "image/jpeg")
    boundary, body = encode_multipart(
        {"photo": FileStorage(io.BytesIO(data), filename, content_type=mimetype)}
    )
    return app.test_client().post(
        f"/api/projects/{kw.get('project_id', app.project_id)}/photos",
        data=body,
        headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def stored_files(app) -> list[Path]:
    root = Path(app.config["PHOTO_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def refused(response, status: int, code: str, app) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == code
    assert list(body["errors"]) == ["photo"] and body["errors"]["photo"][0]
    assert stored_files(app) == []


# ---- what is stored ------------------------------------------------------------------------


def test_a_jpeg_is_stored_upright_without_its_exif_and_location(photo_app):
    original = jpeg_with_gps()
    assert b"PhoneMaker" in original and Image.open(io.BytesIO(original)).getexif()

    response = upload(photo_app, original)

    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    sha = body["sha256"]
    assert body["url"] == f"/photos/{sha}"
    assert body["thumbnail_url"] == f"/photos/{sha}/thumbnail"
    served = photo_app.test_client().get(body["url"])
    assert served.status_code == 200
    assert hashlib.sha256(served.data).hexdigest() == sha
    assert served.data != original
    stored = Image.open(io.BytesIO(served.data))
    assert stored.format == "JPEG"
    assert stored.size == (100, 200)  # turned by its orientation before the EXIF went
    assert dict(stored.getexif()) == {}
    assert "exif" not in stored.info
    assert b"Exif" not in served.data and b"PhoneMaker" not in served.data


def test_files_are_private_and_written_whole(photo_app):
    sha = upload(photo_app, jpeg()).get_json()["sha256"]
    root = Path(photo_app.config["PHOTO_DIR"])
    files = stored_files(photo_app)
    assert [p.name for p in files] == [f"{sha}.jpg", f"{sha}.thumb.jpg"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE((root / sha[:2]).stat().st_mode) == 0o700
    assert not [p for p in root.rglob(".upload-*")]  # no temporary file left behind


def test_the_same_picture_twice_is_one_photo(photo_app):
    data = jpeg()
    first = upload(photo_app, data).get_json()["sha256"]
    assert upload(photo_app, data).get_json()["sha256"] == first
    assert len(stored_files(photo_app)) == 2


def test_an_upload_is_a_write_without_a_project_version(photo_app):
    data = jpeg()
    keyed = {"Idempotency-Key": "photo-1"}
    first = upload(photo_app, data, headers=keyed).get_json()["sha256"]
    assert upload(photo_app, data, headers=keyed).get_json()["sha256"] == first
    stale = upload(photo_app, jpeg(), headers={"If-Match": '"3"'})
    assert stale.status_code == 412 and "If-Match" in stale.get_json()["errors"]
    bad_key = upload(photo_app, jpeg(), headers={"Idempotency-Key": "no spaces"})
    assert bad_key.status_code == 400
    assert len(stored_files(photo_app)) == 2  # the first photo and its thumbnail only


def test_a_png_is_stored_as_png_and_served_as_png(photo_app):
    body = upload(photo_app, png(), "plan.png", mimetype="image/png").get_json()
    client = photo_app.test_client()

    served = client.get(body["url"])
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"].startswith("inline")
    assert "immutable" in served.headers["Cache-Control"]
    picture = Image.open(io.BytesIO(served.data))
    assert picture.format == "PNG" and picture.size == (40, 30) and picture.mode == "RGBA"

    thumb = client.get(body["thumbnail_url"])
    assert thumb.status_code == 200
    assert thumb.headers["Content-Type"] == "image/jpeg"
    assert thumb.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(thumb.data)).format == "JPEG"


def test_the_thumbnail_is_a_small_jpeg(photo_app):
    body = upload(photo_app, jpeg(noisy(1000, 500))).get_json()
    served = photo_app.test_client().get(body["thumbnail_url"])
    assert served.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(served.data)).size == (320, 160)


# ---- hostile files -------------------------------------------------------------------------


def test_an_html_file_named_jpg_is_refused(photo_app):
    html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    refused(upload(photo_app, html, "photo.jpg"), 422, "photo_not_image", photo_app)


def test_an_svg_is_refused(photo_app):
    svg = (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
        b'height="10"><script>alert(1)</script></svg>'
    )
    refused(
        upload(photo_app, svg, "photo.jpg", mimetype="image/svg+xml"),
        422,
        "photo_not_image",
        photo_app,
    )


def test_a_gif_is_refused(photo_app):
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "GIF")
    refused(upload(photo_app, out.getvalue(), "photo.gif"), 422, "photo_not_image", photo_app)


def test_a_decompression_bomb_is_refused(photo_app):
    bomb = png_bomb()
    assert len(bomb) < 200_000  # 400 million pixels in a few kilobytes
    response = upload(photo_app, bomb, "bomb.png", mimetype="image/png")
    refused(response, 422, "photo_too_many_pixels", photo_app)
    assert response.get_json()["params"] == {"max": 50}


def test_a_picture_over_the_configured_pixels_is_refused(tmp_path):
    app = build(tmp_path, PHOTO_MAX_PIXELS=1_000_000)
    try:
        refused(upload(app, png_bomb(1200, 1000), "big.png"), 422, "photo_too_many_pixels", app)
        assert upload(app, png_bomb(1000, 1000), "ok.png").status_code == 201
    finally:
        app.extensions["renovation"].close()


def test_a_truncated_jpeg_is_refused(photo_app):
    whole = jpeg(noisy(400, 300))
    response = upload(photo_app, whole[: len(whole) // 2])
    refused(response, 422, "photo_damaged", photo_app)


def test_a_truncated_picture_is_refused_though_weasyprint_tolerates_them(tmp_path, monkeypatch):
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # as WeasyPrint sets it
    store = PhotoStore(tmp_path / "photos")
    whole_jpeg, whole_png = jpeg(noisy(300, 200)), png(noisy(300, 200))
    for cut in (whole_jpeg[: len(whole_jpeg) // 2], whole_png[: len(whole_png) // 2]):
        with pytest.raises(DomainError) as refusal:
            store.put(cut)
        assert refusal.value.code == "photo_damaged"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # put back for the PDFs
    assert not (tmp_path / "photos").exists()


def test_a_png_with_a_bad_checksum_is_refused(photo_app):
    data = bytearray(png())
    data[-20] ^= 0xFF  # inside the last IDAT chunk
    refused(upload(photo_app, bytes(data), "x.png"), 422, "photo_damaged", photo_app)


def test_a_polyglot_keeps_the_picture_and_loses_the_payload(photo_app):
    with_tail = jpeg() + b"<html><body>" + PAYLOAD + b"</body></html>"
    in_comment = jpeg(comment=PAYLOAD)
    assert PAYLOAD in in_comment

    for data in (with_tail, in_comment):
        response = upload(photo_app, data)
        assert response.status_code == 201
        served = photo_app.test_client().get(response.get_json()["url"])
        assert served.headers["Content-Type"] == "image/jpeg"
        assert PAYLOAD not in served.data and b"<html>" not in served.data
    for path in stored_files(photo_app):
        assert PAYLOAD not in path.read_bytes()


def test_an_empty_upload_is_refused(photo_app):
    refused(upload(photo_app, b""), 422, "photo_empty", photo_app)


def test_an_upload_without_the_file_is_refused(photo_app):
    response = photo_app.test_client().post(
        f"/api/projects/{photo_app.project_id}/photos",
        data={"photo": "not a file"},
        headers={"Authorization": f"Bearer {photo_app.tokens['zhang']}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "photo" in response.get_json()["errors"]
    assert stored_files(photo_app) == []


def padded(size: int) -> bytes:
    """A valid JPEG of exactly ``size`` bytes (zeros after its end, which decoders ignore)."""
    picture = jpeg()
    return picture + bytes(size - len(picture))


def test_a_file_over_the_limit_is_refused(tmp_path):
    limit = 1024 * 1024
    app = build(tmp_path, PHOTO_MAX_BYTES=limit)
    try:
        response = upload(app, padded(limit + 1))
        refused(response, 413, "photo_too_large", app)
        assert response.get_json()["params"] == {"max": 1}
        # Far over: the request is cut off before it is read, with the same answer.
        refused(upload(app, padded(limit + 200 * 1024)), 413, "photo_too_large", app)
        assert upload(app, padded(limit)).status_code == 201
    finally:
        app.extensions["renovation"].close()


def test_a_photo_may_exceed_the_app_request_limit(photo_app):
    big = jpeg(noisy(1600, 1400), quality=95)
    assert len(big) > photo_app.config["MAX_CONTENT_LENGTH"]
    assert upload(photo_app, big).status_code == 201


# ---- who may upload ------------------------------------------------------------------------


def test_anonymous_uploads_are_refused(photo_app):
    assert upload(photo_app, jpeg(), user=None).status_code == 401
    assert stored_files(photo_app) == []


def test_auditors_may_not_upload(photo_app):
    assert upload(photo_app, jpeg(), user="chen").status_code == 403
    assert stored_files(photo_app) == []


def test_staff_of_another_district_may_not_upload(photo_app):
    assert upload(photo_app, jpeg(), user="li").status_code == 403
    assert stored_files(photo_app) == []


def test_admins_may_upload(photo_app):
    assert upload(photo_app, jpeg(), user="root").status_code == 201


def test_an_unknown_project_is_404(photo_app):
    response = upload(photo_app, jpeg(), project_id="00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404
    assert stored_files(photo_app) == []


# ---- reading -------------------------------------------------------------------------------


def test_only_a_stored_lowercase_hash_is_served(photo_app):
    sha = upload(photo_app, jpeg()).get_json()["sha256"]
    client = photo_app.test_client()
    assert client.get(f"/photos/{sha}").status_code == 200
    for wrong in (
        sha.upper(),
        sha[:-1],
        sha + "0",
        "z" * 64,
        "0" * 64,  # well-formed, never stored
        "..%2F..%2Fev.sqlite",
        f"{sha}.jpg",
    ):
        assert client.get(f"/photos/{wrong}").status_code == 404, wrong
        assert client.get(f"/photos/{wrong}/thumbnail").status_code == 404, wrong


def test_the_store_knows_only_hashes(tmp_path):
    store = PhotoStore(tmp_path / "photos")
    assert not (tmp_path / "photos").exists()  # made on the first upload
    for name in ("", "../secret", "0" * 64, "A" * 64, None):
        assert not store.exists(name)  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        store.read("0" * 64)
    with pytest.raises(DomainError) as refusal:
        store.put(b"GIF89a")
    assert (refusal.value.code, refusal.value.field) == ("photo_not_image", "photo")


# ---- commands naming photos ----------------------------------------------------------------


def defect(due_on) -> dict:
    return {
        "what": "外墙渗水",
        "building": "1",
        "unit": "1",
        "responsible": "construction",
        "due_on": due_on,
    }


def test_commands_refuse_a_photo_never_uploaded(photo_app):
    sha = upload(photo_app, jpeg()).get_json()["sha256"]
    never = hashlib.sha256(b"never uploaded").hexdigest()
    with photo_app.app_context():
        app = runtime().app
        assert app.photo_store is runtime().photo_store is not None
        pid = photo_app.project_id
        walk(app, pid, "acceptance_inspection")
        (item,) = record_acceptance(
            app,
            pid,
            actor=STAFF,
            conclusion="passed_with_rectification",
            defects=[defect(app.today() + timedelta(days=10))],
        )
        version = app.get_project(pid).version

        for command in (
            lambda photos: app.attach_photos(
                pid,
                {"subject": "rectification_item", "subject_id": item, "photos": photos},
                actor=STAFF,
            ),
            lambda photos: app.rectification_step(
                pid, item, "ready", {"note": "已修补", "photos": photos}, actor=STAFF
            ),
        ):
            with pytest.raises(DomainError) as refusal:
                command([sha, never])
            assert (refusal.value.code, refusal.value.field) == ("unknown_photo", "photos")
            assert app.get_project(pid).version == version  # nothing written

        app.attach_photos(
            pid, {"subject": "rectification_item", "subject_id": item, "photos": [sha]}, actor=STAFF
        )
        app.rectification_step(pid, item, "ready", {"photos": [sha]}, actor=STAFF)
        assert app.get_project(pid).rectification_items[item]["photos"] == [sha]


@pytest.mark.parametrize(
    "code",
    [
        "unknown_photo",
        "photo_empty",
        "photo_not_image",
        "photo_too_large",
        "photo_too_many_pixels",
        "photo_damaged",
    ],
)
def test_photo_refusals_have_chinese_words(code):
    from renovation.vocabulary import vocabulary

    english = vocabulary("en").refusal(code, {"max": 10})
    chinese = vocabulary("zh").refusal(code, {"max": 10})
    assert english and chinese and chinese != english
    assert any("\u4e00" <= c <= "\u9fff" for c in chinese)


def test_an_api_refusal_speaks_chinese_when_asked(photo_app):
    response = photo_app.test_client().post(
        f"/api/projects/{photo_app.project_id}/photos",
        data={"photo": (io.BytesIO(b"<html></html>"), "x.jpg")},
        headers={
            "Authorization": f"Bearer {photo_app.tokens['zhang']}",
            "Accept-Language": "zh",
        },
        content_type="multipart/form-data",
    )
    body = response.get_json()
    assert body["code"] == "photo_not_image"
    assert any("\u4e00" <= c <= "\u9fff" for c in body["errors"]["photo"][0])


@pytest.mark.parametrize(
    ("mode", "transparent", "stored"),
    [
        ("1", False, "L"),
        ("L", False, "L"),
        ("LA", False, "RGBA"),
        ("P", True, "RGBA"),
        ("P", False, "RGB"),
        ("RGB", False, "RGB"),
        ("RGBA", False, "RGBA"),
        ("I;16", False, "RGB"),
    ],
)
def test_every_png_mode_is_written_back(tmp_path, mode, transparent, stored):
    picture = Image.new(mode, (30, 20))
    if transparent:
        picture.info["transparency"] = 0
    store = PhotoStore(tmp_path / "photos")
    sha = store.put(png(picture))
    assert Image.open(io.BytesIO(store.read(sha))).mode == stored
    assert Image.open(io.BytesIO(store.thumbnail(sha))).mode == "RGB"
    assert store.content_type(sha) == "image/png"
