"""Formats DuckDB cannot read (Blender logs): a source's own Python reader yields the records."""

from __future__ import annotations

from pipelines.lib.landing import LandedFile
from pipelines.lib.loading.readers.base import FileReader, FileRejected
from pipelines.lib.loading.sql import identifier


class PythonRecordReader(FileReader):
    """Records from `spec.record_reader`, handed to DuckDB as one Arrow table per file."""

    def read_file(self, file: LandedFile, table: str) -> str | None:
        import pyarrow as pa

        record_reader = self.spec.record_reader
        assert record_reader is not None
        names = [c.name for c in self.spec.columns]
        columns: dict[str, list[str | None]] = {name: [] for name in ["_row_number", *names]}
        try:
            for record in record_reader(file.path):
                for name, values in columns.items():
                    value = record.get(name)
                    values.append(None if value is None else str(value))
        except ValueError as error:
            raise FileRejected(str(error)) from error
        arrow = pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})
        self.con.register("_records_arrow", arrow)
        try:
            cols = ", ".join(identifier(name) for name in names)
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT CAST(_row_number AS BIGINT) AS _row_number, "
                f"{cols}, NULL::VARCHAR AS _raw, NULL::VARCHAR AS _parse_error FROM _records_arrow"
            )
        finally:
            self.con.unregister("_records_arrow")
        return None
