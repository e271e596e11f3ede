"""Photos of inspection notes, milestones and rectification items, kept outside the event store.

An upload is taken only if it is a JPEG or PNG that decodes completely within a byte and a
pixel limit; it is then re-encoded with Pillow, turned upright by its EXIF orientation and
stored *without* any metadata (EXIF, GPS, XMP, ICC profile, text chunks), under the SHA-256 of
the re-encoded bytes, beside a small JPEG thumbnail. What an upload carried besides the
picture (a script appended to a JPEG, a location) never reaches the disk. Events name a photo
by that hash; ``exists`` lets the application refuse hashes that were never uploaded.

Files are written atomically (a temporary file in the same directory, then a rename), each
0600 in directories 0700: ``<root>/<first two hex digits>/<sha256>.jpg|.png`` and
``<sha256>.thumb.jpg``. The thumbnail is written before the photo, so a photo that exists has
its thumbnail.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import threading
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image, ImageFile, ImageOps

from renovation.domain.errors import DomainError

MAX_BYTES = 10 * 1024 * 1024  # a phone's photo is 2 to 8 MB
MAX_PIXELS = 50_000_000  # a 48- or 50-megapixel phone camera's full picture, not more
JPEG_QUALITY = 85
THUMBNAIL_PX = 320
THUMBNAIL_QUALITY = 80

SHA256 = re.compile(r"[0-9a-f]{64}")
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}
FIELD = "photo"


class PhotoTooLargeError(DomainError):
    """An upload over the byte limit (answered 413 by the API)."""

    code = "photo_too_large"

    def __init__(self, *, max_bytes: int) -> None:
        super().__init__(self.code, field=FIELD, max=_megabytes(max_bytes))


class PhotoStore:
    """Re-encoded JPEG and PNG photos in one directory, each under its SHA-256."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        max_bytes: int = MAX_BYTES,
        max_pixels: int = MAX_PIXELS,
        thumbnail_px: int = THUMBNAIL_PX,
    ) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self.thumbnail_px = thumbnail_px

    # ---- writing --------------------------------------------------------------------------

    def put(self, data: bytes) -> str:
        """Check, re-encode and keep a photo; its SHA-256. Refusals are DomainErrors on the
        field ``photo``: photo_empty, photo_too_large, photo_not_image,
        photo_too_many_pixels, photo_damaged. Nothing is written when one is raised."""
        photo, kind, thumbnail = self.clean(data)
        sha256 = hashlib.sha256(photo).hexdigest()
        if not self.exists(sha256):
            _private_dir(self.root)  # made on the first upload
            folder = self.root / sha256[:2]
            _private_dir(folder)
            _write_atomically(folder / f"{sha256}.thumb.jpg", thumbnail)
            _write_atomically(folder / f"{sha256}.{kind}", photo)
        return sha256

    def clean(self, data: bytes) -> tuple[bytes, str, bytes]:
        """The upload re-encoded (its bytes and ``jpg`` or ``png``) and its thumbnail."""
        if not data:
            raise DomainError("photo_empty", field=FIELD)
        if len(data) > self.max_bytes:
            raise PhotoTooLargeError(max_bytes=self.max_bytes)
        if data.startswith(JPEG_MAGIC):
            kind, formats = "jpg", ("JPEG",)
        elif data.startswith(PNG_MAGIC):
            kind, formats = "png", ("PNG",)
        else:
            raise DomainError("photo_not_image", field=FIELD)
        image = self._decode(data, formats)
        try:
            return _encode(image, kind), kind, self._thumbnail(image)
        except (OSError, ValueError):  # a mode that cannot be written back (none is known)
            raise DomainError("photo_damaged", field=FIELD) from None

    def _decode(self, data: bytes, formats: tuple[str, ...]) -> Image.Image:
        """The whole picture decoded, upright; a bomb or a damaged file is refused."""
        too_many = DomainError(
            "photo_too_many_pixels", field=FIELD, max=round(self.max_pixels / 1_000_000)
        )
        with _strict_pillow():
            # Pillow only warns below twice its own limit: here any bomb is a refusal. Its
            # other warnings (corrupt EXIF, say) concern what is thrown away anyway.
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                image = Image.open(io.BytesIO(data), formats=formats)
                width, height = image.size
                if width * height > self.max_pixels:
                    raise too_many
                image.load()
                upright = ImageOps.exif_transpose(image)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise too_many from None
            except (OSError, SyntaxError, ValueError, EOFError, zlib.error):
                # Not really a JPEG/PNG, truncated, a bad checksum, a bad chunk.
                raise DomainError("photo_damaged", field=FIELD) from None
        if image.format not in ("JPEG", "MPO", "PNG"):
            raise DomainError("photo_not_image", field=FIELD)
        return upright

    def _thumbnail(self, image: Image.Image) -> bytes:
        thumb = _flat_rgb(image)
        thumb.info = {}  # a comment, a profile, EXIF: none of them goes along
        thumb.thumbnail((self.thumbnail_px, self.thumbnail_px), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        thumb.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
        return out.getvalue()

    # ---- reading --------------------------------------------------------------------------

    def exists(self, sha256: str) -> bool:
        return self._find(sha256) is not None

    def content_type(self, sha256: str) -> str:
        return CONTENT_TYPES[self._path(sha256).suffix[1:]]

    def read(self, sha256: str) -> bytes:
        """The stored photo; FileNotFoundError for a hash never stored (or not a hash)."""
        return self._path(sha256).read_bytes()

    def open(self, sha256: str):
        return self._path(sha256).open("rb")

    def thumbnail(self, sha256: str) -> bytes:
        self._path(sha256)
        return (self.root / sha256[:2] / f"{sha256}.thumb.jpg").read_bytes()

    def _path(self, sha256: str) -> Path:
        path = self._find(sha256)
        if path is None:
            raise FileNotFoundError(sha256)
        return path

    def _find(self, sha256: str) -> Path | None:
        if not (isinstance(sha256, str) and SHA256.fullmatch(sha256)):
            return None
        folder = self.root / sha256[:2]
        for kind in CONTENT_TYPES:
            path = folder / f"{sha256}.{kind}"
            if path.is_file():
                return path
        return None


_PILLOW_SETTINGS = threading.Lock()


@contextmanager
def _strict_pillow() -> Iterator[None]:
    """Pillow's process-wide settings as a check needs them, one decode at a time.

    WeasyPrint sets ``ImageFile.LOAD_TRUNCATED_IMAGES`` when it is imported, and with it
    Pillow completes a truncated or broken image with grey instead of failing: while a
    photo is checked it is off, and warnings are caught here (a decompression-bomb warning
    is an error). Both are put back afterwards.
    """
    with _PILLOW_SETTINGS, warnings.catch_warnings():
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _encode(image: Image.Image, kind: str) -> bytes:
    """The picture alone: a new file with none of the upload's metadata."""
    out = io.BytesIO()
    if kind == "jpg":
        picture = image.convert("L" if image.mode in ("1", "L") else "RGB")
        picture.info = {}
        picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        grey = image.mode in ("1", "L")
        picture = image.convert("RGBA" if transparent else "L" if grey else "RGB")
        picture.info = {}
        picture.save(out, "PNG", optimize=True)
    return out.getvalue()


def _flat_rgb(image: Image.Image) -> Image.Image:
    """RGB for a JPEG thumbnail; transparency laid on white."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _megabytes(n: int) -> float | int:
    value = n / (1024 * 1024)
    return int(value) if value == int(value) else round(value, 1)


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)


def _write_atomically(path: Path, data: bytes) -> None:
    """A whole file or none: a 0600 temporary file beside it, flushed, then renamed."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
