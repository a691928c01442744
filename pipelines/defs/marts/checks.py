"""The GX suite of every mart, run on the audit table before it may be published."""

import dagster as dg

from pipelines.defs.marts.assets import MARTS
from pipelines.lib import quality
from pipelines.lib.loading import record_quality
from pipelines.lib.resources import LakehouseResource


def mart_quality_check(mart: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["audit", mart]),
        name="quality_suite",
        blocking=True,
        description=f"GX suite quality/audit/{mart}.json (DuckDB on all rows, GX on a sample).",
    )
    def _check(context: dg.AssetCheckExecutionContext, lakehouse: LakehouseResource) -> dg.AssetCheckResult:
        suite = quality.load_suite("audit", mart)
        con = lakehouse.connect()
        try:
            result = quality.run_suite(con, suite, f"lake.audit.{mart}")
            record_quality(con, f"audit.{mart}", result, context.run.run_id)
        finally:
            con.close()
        return dg.AssetCheckResult(
            passed=result.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description=result.summary(),
            metadata={"rows_checked": result.rows_checked, "engine_error": result.engine_error or ""},
        )

    return _check


mart_checks = [mart_quality_check(mart) for mart in MARTS]
