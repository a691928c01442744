"""What loading a batch did, per file and in all: the record `backlot run`, Dagster and meta.loads read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pipelines.lib import quality
from pipelines.lib.landing import LandedFile

FileStatus = Literal["loaded", "duplicate", "rejected"]


@dataclass
class FileOutcome:
    file: LandedFile
    status: FileStatus
    rows_loaded: int = 0
    rows_quarantined: int = 0
    # Why a file was rejected or is a duplicate; for a loaded file, a warning (schema drift) or None.
    detail: str | None = None


@dataclass
class LoadReport:
    source: str
    run_id: str
    files: list[FileOutcome] = field(default_factory=list)
    quality: quality.SuiteResult | None = None
    committed: bool = False
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    sample_reasons: list[str] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    def count(self, status: FileStatus) -> int:
        return sum(1 for f in self.files if f.status == status)
