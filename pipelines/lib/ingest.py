"""The ingestion asset every landing source gets: pending files -> raw + quarantine, checked."""
# No `from __future__ import annotations` in asset modules: Dagster reads the context type hints.

from collections.abc import Iterator
from typing import Any

import dagster as dg

from pipelines.lib import landing
from pipelines.lib.loading import LoadReport, SourceSpec, load_batch
from pipelines.lib.resources import LAKE_WRITERS_POOL, LakehouseResource

QUALITY_CHECK = "quality_suite"


def raw_key(spec: SourceSpec) -> dg.AssetKey:
    return dg.AssetKey(["raw", spec.name])


def ingest_asset(spec: SourceSpec, *, group: str) -> dg.AssetsDefinition:
    key = raw_key(spec)
    check = dg.AssetCheckSpec(
        QUALITY_CHECK,
        asset=key,
        blocking=True,
        description=f"GX suite quality/raw/{spec.name}.json on the batch (DuckDB on all rows, GX on a sample).",
    )

    @dg.asset(
        key=key,
        group_name=group,
        deps=[dg.AssetKey(["raw", name]) for name in spec.depends_on],
        check_specs=[check],
        pool=LAKE_WRITERS_POOL,
        kinds={"duckdb"},
        description=f"Pending files of landing/{spec.name}/ loaded into raw.{spec.name}; bad rows to quarantine.",
    )
    def _ingest(
        context: dg.AssetExecutionContext, lakehouse: LakehouseResource
    ) -> Iterator[dg.MaterializeResult[None]]:
        settings = lakehouse.settings()
        files = landing.pending_files(settings.landing(spec.name))
        con = lakehouse.connect()
        try:
            report = load_batch(con, spec, files, run_id=context.run_id)
        finally:
            con.close()
        _log(context, report)
        yield dg.MaterializeResult(metadata=_metadata(report), check_results=[_check_result(report)])

    return _ingest


# Files named one by one in a step's log; the rest are counted (every file is in meta.loads).
FILES_LOGGED = 50


def _log(context: dg.AssetExecutionContext, report: LoadReport) -> None:
    """One log event per kind of news, however many files: each event is a row the run's
    Dagster instance writes (1,000 events cost 3 s), and meta.loads keeps every file anyway."""
    lines = [
        f"{outcome.file.name}: {outcome.status}, {outcome.rows_loaded} rows loaded, "
        f"{outcome.rows_quarantined} quarantined{' - ' + outcome.detail if outcome.detail else ''}"
        for outcome in report.files
    ]
    if len(lines) > FILES_LOGGED:
        lines[FILES_LOGGED:] = [f"... and {len(lines) - FILES_LOGGED} more files (all in meta.loads)"]
    summary = (
        f"{len(report.files)} files: {report.count('loaded')} loaded, {report.count('duplicate')} duplicate, "
        f"{report.count('rejected')} rejected; {report.rows_loaded} rows loaded, {report.rows_quarantined} quarantined"
    )
    context.log.info("\n".join([summary, *lines]))
    if report.sample_reasons:
        context.log.warning("\n".join(f"quarantined {reason}" for reason in report.sample_reasons))
    if not report.committed:
        context.log.error(f"nothing committed: {report.quality.summary() if report.quality else 'no quality result'}")


def _metadata(report: LoadReport) -> dict[str, Any]:
    return {
        "files_loaded": report.count("loaded"),
        "files_duplicate": report.count("duplicate"),
        "files_rejected": report.count("rejected"),
        "rows_loaded": report.rows_loaded,
        "rows_quarantined": report.rows_quarantined,
        "committed": report.committed,
        "seconds": round(report.seconds, 3),
        "quarantine_sample": dg.MetadataValue.md("\n".join(f"- {r}" for r in report.sample_reasons) or "none"),
    }


def _check_result(report: LoadReport) -> dg.AssetCheckResult:
    result = report.quality
    assert result is not None
    return dg.AssetCheckResult(
        check_name=QUALITY_CHECK,
        passed=result.success,
        severity=dg.AssetCheckSeverity.ERROR,
        description=result.summary(),
        metadata={
            "rows_checked": result.rows_checked,
            "rows_validated_by_gx": result.rows_validated_by_gx,
            "engine_error": result.engine_error or "",
            "failures": "; ".join(result.failures),
        },
    )
