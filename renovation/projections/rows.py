"""Read-model rows are plain dicts; lists and dicts among their values are stored as JSON text."""

from __future__ import annotations

import json
from typing import Any


def encode_row(row: dict[str, Any], json_columns: tuple[str, ...]) -> dict[str, Any]:
    return {
        k: json.dumps(v, ensure_ascii=False) if k in json_columns else v for k, v in row.items()
    }


def decode_row(columns: dict[str, Any], json_columns: tuple[str, ...]) -> dict[str, Any]:
    return {k: json.loads(v) if k in json_columns else v for k, v in columns.items()}
