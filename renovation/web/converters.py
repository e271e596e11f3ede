"""URL converters the web layer shares."""

from __future__ import annotations

from werkzeug.routing import BaseConverter

HEX_ID_PATTERN = "^[0-9a-f]{6,32}$"


class HexIdConverter(BaseConverter):
    """An id the service makes (an opinion's, a consultation's): lowercase hex.

    So ``/opinions/answers`` is never taken for the opinion called "answers".
    """

    regex = "[0-9a-f]{6,32}"


def hex_id_schema(_converter: BaseConverter) -> dict:
    return {"type": "string", "pattern": HEX_ID_PATTERN}
