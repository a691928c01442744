"""JSON paths as SQL: the columns' keys as one STRUCT shape, and fields read out of it.

A column's `path` (`$.snippet.title`) is a path of object keys. Every reader of JSON turns
the columns into one shape, so each record is parsed once for all of them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pipelines.lib.loading.spec import Column
from pipelines.lib.loading.sql import identifier, literal

# A value kept as JSON text (a body value the response's SQL reads), not as a column's text.
JSON_LEAF = "JSON"


def json_shape(columns: Sequence[Column]) -> dict[str, Any]:
    """The columns' JSON keys as a tree of objects with `"VARCHAR"` leaves: `json_transform`'s shape."""
    shape: dict[str, Any] = {}
    for column in columns:
        *parents, leaf = column.json_keys
        node = shape
        for key in parents:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise ValueError(f"column {column.name}: {column.path} runs through another column's value")
        if leaf in node:
            raise ValueError(f"column {column.name}: its path is another column's, or leads into one")
        node[leaf] = "VARCHAR"
    return shape


def json_values(record: str, columns: Sequence[Column]) -> tuple[str, dict[str, str]]:
    """SQL for the columns' values (as text) in the JSON `record`: one expression, and per column its part.

    One `json_transform` to a struct of VARCHARs: a value is read as `json_extract_string`
    reads it (a string's content, other JSON as its text, null or absent as NULL; keys
    matched exactly, the first of repeated keys), but the record is parsed once for all
    columns instead of once per extracted path.
    """
    shape = json_shape(columns)
    parts = {c.name: struct_field("_values", c.json_keys) for c in columns}
    return f"json_transform({record}, {literal(json.dumps(shape))})", parts


def struct_field(struct: str, keys: Sequence[str]) -> str:
    """SQL for the field down `keys` in the STRUCT `struct`: `_values['snippet']['title']`."""
    return struct + "".join(f"[{literal(key)}]" for key in keys)


def json_type(node: str | dict[str, Any]) -> str:
    """DuckDB's type for a `json_shape` node: `VARCHAR`, or `STRUCT("title" VARCHAR, ...)` for an object."""
    if isinstance(node, str):
        return node
    return "STRUCT(" + ", ".join(f"{identifier(key)} {json_type(child)}" for key, child in node.items()) + ")"


def read_json_columns(shape: dict[str, Any]) -> str:
    """`read_json`'s `columns` argument for a `json_shape`-like tree: one column per top-level key."""
    return "{" + ", ".join(f"{literal(key)}: {literal(json_type(node))}" for key, node in shape.items()) + "}"


def read_json_field(keys: Sequence[str]) -> str:
    """SQL for the value down `keys` in `read_json`'s columns: `"snippet"['title']`."""
    return struct_field(identifier(keys[0]), keys[1:])
