"""The landing scan's account of a file's encoding, against Python decoding the whole file at once.

The loader rejects or quarantines what is not UTF-8 text from what `landing.scan` finds
while it hashes the file chunk by chunk (its byte-order mark, the first line with a NUL, the
first line with bytes UTF-8 does not allow). A character split across two chunks is the
hard case, so the chunk is made a few bytes long here. No lake: hundreds of examples cost
a second.
"""

from __future__ import annotations

import codecs
import tempfile
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.lib import landing

pieces = st.one_of(
    st.text(max_size=8).map(lambda text: text.encode()),  # UTF-8 of anything, newlines and all
    st.sampled_from([b"\n", b"\r\n", b"\x00", b"\xe9", b"\xc3", b"\xa9", b"\xff\xfe", b"\xef\xbb\xbf", b"\xf0\x9f"]),
    st.binary(max_size=4),
)
contents = st.lists(pieces, max_size=30).map(b"".join)


def _line_of(content: bytes, offset: int) -> int:
    return content.count(b"\n", 0, offset) + 1


@settings(max_examples=300, deadline=None)
@given(content=contents, chunk=st.integers(min_value=1, max_value=9))
def test_the_scan_finds_what_decoding_the_whole_file_finds(content: bytes, chunk: int) -> None:
    with tempfile.TemporaryDirectory() as folder, mock.patch.object(landing, "CHUNK", chunk):
        path = Path(folder) / "f.csv"
        path.write_bytes(content)
        scanned = landing.scan(path)

    try:
        content.decode("utf-8")
        not_utf8_line = None
    except UnicodeDecodeError as error:
        not_utf8_line = _line_of(content, error.start)
    assert scanned.not_utf8_line == not_utf8_line
    assert scanned.nul_line == (_line_of(content, content.index(b"\0")) if b"\0" in content else None)
    boms = [("UTF-32", codecs.BOM_UTF32_LE), ("UTF-16", codecs.BOM_UTF16_LE), ("UTF-8", codecs.BOM_UTF8)]
    assert scanned.bom == next((name for name, mark in boms if content.startswith(mark)), None)
