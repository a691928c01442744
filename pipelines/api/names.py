"""The file name a body lands under, and the format it is checked as.

A producer may name the file (`X-Backlot-Filename`); the name is then checked so that it
can only ever be one plain file name inside `landing/<source>/`, one a scan takes. Without
a name, the file is named by its content: `<sha256[:16]>.<extension of its format>`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pipelines.api.errors import ApiError
from pipelines.lib.loading import SourceSpec
from pipelines.lib.loading.readers import name_format

HEADER = "X-Backlot-Filename"
MAX_NAME_BYTES = 255  # a file name's limit on Linux file systems

# For a source that takes several formats and a body without a name (films).
MEDIA_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/json": "json",
    "application/x-ndjson": "jsonl",
    "application/ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/x-jsonlines": "jsonl",
    "application/jsonlines": "jsonl",
}
EXTENSIONS = {"csv": "csv", "json": "json", "jsonl": "jsonl", "log": "log"}
_PERCENT_ENCODED = re.compile(r"%[0-9A-Fa-f]{2}")


@dataclass(frozen=True)
class Naming:
    fmt: str  # csv, json, jsonl or log: what the body is checked as, and the loader reads it as
    name: str | None  # None: named by its content once it is hashed

    def file_name(self, sha256: str) -> str:
        return self.name or f"{sha256[:16]}.{EXTENSIONS[self.fmt]}"


def invalid(detail: str) -> ApiError:
    return ApiError(422, "invalid_filename", detail)


def header_value(raw: bytes | None) -> str | None:
    """The header's text: UTF-8 as sent (HTTP hands it over as bytes; Starlette would read them as Latin-1)."""
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid(f"{HEADER} is not UTF-8 text") from None


def check_name(name: str) -> None:
    """Refuse any name that is not one plain, visible file name: it could never leave the landing folder."""
    shown = repr(name[:80])
    if not name.strip():
        raise invalid(f"{HEADER} is empty")
    if len(name.encode()) > MAX_NAME_BYTES:
        raise invalid(f"{HEADER} is {len(name.encode())} bytes long; a file name has at most {MAX_NAME_BYTES}")
    if any(c in name for c in "/\\"):
        raise invalid(f"{HEADER} {shown} holds a path separator; send a bare file name")
    # Every control character, the C1 ones (U+0080-U+009F) too, and the line and paragraph
    # separators. Checking only C0 and DEL let U+0085 and U+2028 land, which end a line for
    # Python's str.splitlines (a log reader takes the rest of a log line for a line of its own),
    # and U+009B, which opens an escape sequence in terminals that honour C1 controls.
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in name):
        raise invalid(f"{HEADER} {shown} holds a control character")
    if ".." in name:
        raise invalid(f"{HEADER} {shown} holds '..'")
    if name.startswith("."):
        raise invalid(f"{HEADER} {shown} starts with '.': landing ignores such files, it would never be loaded")
    if name.lower().endswith((".tmp", ".part")):
        raise invalid(f"{HEADER} {shown} ends in .tmp or .part: landing ignores such files, it would never be loaded")
    if _PERCENT_ENCODED.search(name):
        # Taken literally, `%2e%2e` is harmless here; but whatever decodes it later gets `..`.
        raise invalid(f"{HEADER} {shown} looks percent-encoded; send the name itself, as UTF-8")


def choose(spec: SourceSpec, name: str | None, content_type: str | None) -> Naming:
    """The name and format of a delivery to `spec`; ApiError (415, 422) when it cannot be loaded as that source."""
    if name is not None:
        check_name(name)
        if spec.file_naming is not None:
            try:
                spec.file_naming.check(name)
            except ValueError as why:
                raise invalid(f"{why} (a {spec.name} file is named {spec.file_naming.pattern})") from None
        # As the loader will read it: a source that parses its own files takes any name it accepts.
        fmt = spec.formats[0] if spec.record_reader is not None else name_format(name)
        if fmt not in spec.formats:
            raise ApiError(
                415,
                "unsupported_format",
                f"{spec.name} takes {_listed(spec.formats)}; a file named {name!r} would be read as {fmt}",
            )
        return Naming(fmt, name)
    if spec.file_naming is not None:
        raise ApiError(
            422,
            "filename_required",
            f"{spec.name} reads data from the file name: send {HEADER}: {spec.file_naming.pattern}",
        )
    if len(spec.formats) == 1:
        return Naming(spec.formats[0], None)
    media_type = (content_type or "").split(";")[0].strip().lower()
    labelled = MEDIA_TYPES.get(media_type)
    if labelled is None or labelled not in spec.formats:
        types = ", ".join(t for t, f in MEDIA_TYPES.items() if f in spec.formats)
        raise ApiError(
            415,
            "unsupported_format",
            f"{spec.name} takes {_listed(spec.formats)}: say which with {HEADER} (its extension) "
            f"or Content-Type ({types}); got {media_type or 'no Content-Type'}",
        )
    return Naming(labelled, None)


def _listed(formats: tuple[str, ...]) -> str:
    return " or ".join(formats)
