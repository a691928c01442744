"""The `raw/<source>` asset every landing source gets, derived from its spec: waiting files -> raw + quarantine."""
# No `from __future__ import annotations` in asset modules: Dagster reads the context type hints.

from collections.abc import Iterator
from typing import Any

import dagster as dg

from pipelines.defs.resources import LAKE_WRITERS_POOL, LakehouseResource
from pipelines.lib.loading import LoadReport, SourceSpec, load_pending

QUALITY_CHECK = "quality_suite"


def raw_key(spec: SourceSpec) -> dg.AssetKey:
    return dg.AssetKey(["raw", spec.name])


def raw_asset(spec: SourceSpec, *, group: str) -> dg.AssetsDefinition:
    """Loading `landing/<source>/` into `raw.<source>`, with the source's suite as a blocking check."""
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
        # Warn after the source's usual interval without a load, fail after three of them.
        freshness_policy=(
            dg.FreshnessPolicy.time_window(warn_window=spec.expected_every, fail_window=3 * spec.expected_every)
            if spec.expected_every
            else None
        ),
        description=f"Waiting files of landing/{spec.name}/ loaded into raw.{spec.name}; bad rows to quarantine.",
    )
    def _load(context: dg.AssetExecutionContext, lakehouse: LakehouseResource) -> Iterator[dg.MaterializeResult[None]]:
        con = lakehouse.connect()
        try:
            report = load_pending(con, spec, lakehouse.settings().landing(spec.name), run_id=context.run_id)
        finally:
            con.close()
        _log(context, report)
        yield dg.MaterializeResult(metadata=_metadata(report), check_results=[_check_result(report)])

    return _load


# Files named one by one in a step's log; the rest are counted (every file is in meta.loads).
FILES_LOGGED = 50


def _log(context: dg.AssetExecutionContext, report: LoadReport) -> None:
    """One log event per kind of news, however many files: each event is a row the run's
    Dagster instance writes, and meta.loads keeps every file anyway."""
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
