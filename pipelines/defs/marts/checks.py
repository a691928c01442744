"""The GX suite of every mart, run on the audit tables before they may be published."""

from collections.abc import Iterator

import dagster as dg

from pipelines.defs.marts.assets import MARTS
from pipelines.defs.resources import LAKE_WRITERS_POOL, LakehouseResource
from pipelines.lib import quality

CHECK = "quality_suite"


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            CHECK,
            asset=dg.AssetKey(["audit", mart]),
            blocking=True,
            description=f"GX suite quality/audit/{mart}.json (DuckDB on all rows, GX on a sample).",
        )
        for mart in MARTS
    ],
    pool=LAKE_WRITERS_POOL,  # it records each result in meta.quality_results
)
def mart_quality_checks(
    context: dg.AssetCheckExecutionContext, lakehouse: LakehouseResource
) -> Iterator[dg.AssetCheckResult]:
    """One step and one connection for all marts: each check is small, the set-up is not."""
    con = lakehouse.connect()
    try:
        for mart in MARTS:
            result = quality.run_suite(con, quality.load_suite("audit", mart), f"lake.audit.{mart}")
            quality.record(con, f"audit.{mart}", result, context.run.run_id)
            yield dg.AssetCheckResult(
                asset_key=dg.AssetKey(["audit", mart]),
                check_name=CHECK,
                passed=result.success,
                severity=dg.AssetCheckSeverity.ERROR,
                description=result.summary(),
                metadata={"rows_checked": result.rows_checked, "engine_error": result.engine_error or ""},
            )
    finally:
        con.close()
