"""JSON files (`.json`) holding one array of records."""

from __future__ import annotations

from pipelines.lib.landing import LandedFile
from pipelines.lib.loading.readers.base import FileReader, FileRejected
from pipelines.lib.loading.readers.json_records import json_drift, read_json_records, sampled_keys
from pipelines.lib.loading.sql import literal


class JsonArrayReader(FileReader):
    """One JSON array of objects; `_row_number` is the record's position in the array (1-based)."""

    def read_file(self, file: LandedFile, table: str) -> str | None:
        # A UTF-8 byte-order mark (Windows tools write one) is not JSON: the text after it is.
        text = (
            "(SELECT CASE WHEN starts_with(content, chr(65279)) THEN substr(content, 2) ELSE content END AS content "
            f"FROM read_text({literal(str(file.path))}))"
        )
        valid = self.con.execute(
            f"SELECT json_valid(content), CASE WHEN json_valid(content) THEN json_type(content) END FROM {text}"
        ).fetchone()
        if not valid or not valid[0]:
            raise FileRejected(
                "not valid JSON (truncated or malformed; JSON Lines must be named .jsonl); nothing in it was loaded"
            )
        if valid[1] != "ARRAY":
            raise FileRejected(f"expected a JSON array of records, found a JSON {str(valid[1]).lower()}")
        read_json_records(
            self.con,
            self.spec,
            # a JSON null element stays a record (and is quarantined), it does not vanish
            "SELECT generate_subscripts(records, 1) AS _row_number, coalesce(unnest(records), 'null') AS _record "
            f"FROM (SELECT from_json(content, '[\"json\"]') AS records FROM {text})",
            table,
        )
        # A catalog is small: its records are cut from the text once more for their keys.
        records = f"SELECT unnest(from_json(content, '[\"json\"]')) AS _record FROM {text}"
        return json_drift(self.spec, sampled_keys(self.con, records))
