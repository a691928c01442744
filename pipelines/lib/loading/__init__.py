"""Loading: landed files into `raw`, every row that cannot be trusted into `quarantine`.

By stage, one module each: `readers/` (one per format), `judge` (types and reasons),
`duplicates`, `commit`; `batch` runs them in order for one source's claimed files. A source
is described by a `spec.SourceSpec`; `macros` reads chart-formatted values in SQL.
"""

from pipelines.lib.loading.batch import load_batch, load_pending
from pipelines.lib.loading.readers.base import FileRejected
from pipelines.lib.loading.report import FileOutcome, LoadReport
from pipelines.lib.loading.spec import AlreadyLoaded, Column, FileNaming, JsonDocument, RowRule, SourceSpec

__all__ = [
    "AlreadyLoaded",
    "Column",
    "FileNaming",
    "FileOutcome",
    "FileRejected",
    "JsonDocument",
    "LoadReport",
    "RowRule",
    "SourceSpec",
    "load_batch",
    "load_pending",
]
