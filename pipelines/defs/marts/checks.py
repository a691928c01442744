"""The GX suite of every mart a run rebuilt, run on its audit table before it may be published.

A suite whose `meta.pass_rows` names the rows a pass recomputes (an incremental mart
replaces whole partitions) checks only those rows after an incremental build, and every
row after a full one; a suite without it checks the whole table every time. A mart the
run did not rebuild is not checked again: it is the table that passed when it was published.
"""

from collections.abc import Iterator

import dagster as dg

from pipelines.defs.marts.assets import MARTS
from pipelines.defs.resources import LAKE_WRITERS_POOL, LakehouseResource
from pipelines.lib import passes, quality

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
    can_subset=True,
    pool=LAKE_WRITERS_POOL,  # it records each result in meta.quality_results
)
def mart_quality_checks(
    context: dg.AssetCheckExecutionContext, lakehouse: LakehouseResource
) -> Iterator[dg.AssetCheckResult]:
    """One step and one connection for all marts: each check is small, the set-up is not."""
    con = lakehouse.connect()
    try:
        full, rebuilt = passes.rebuilt_marts(con, context.run.run_id)
        for mart in rebuilt:
            suite = quality.load_suite("audit", mart)
            rows = f"lake.audit.{mart}"
            if suite.pass_rows and not full:
                rows = f"(SELECT * FROM {rows} WHERE {suite.pass_rows})"
            result = quality.run_suite(con, suite, rows)
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
