"""Lake upkeep as a Dagster job: the lake maintenance (a lake writer) and forgetting old runs."""

import dagster as dg

from pipelines.defs.jobs import LAKE_WRITER_TAGS
from pipelines.defs.maintenance.runs import delete_old_runs
from pipelines.defs.resources import LAKE_WRITERS_POOL, LakehouseResource
from pipelines.lib import maintenance

MAINTENANCE_JOB = "backlot_maintenance"


# In the writers' pool: it commits to the lake, so it waits for any load, dbt build or
# publish in flight (and they for it) like every other writer. A failed attempt changes
# nothing it did not finish, so retrying is safe; on the SQLite catalog a reader in the
# middle of a long query can make the commit fail with "database is locked".
@dg.op(pool=LAKE_WRITERS_POOL, out=dg.Out(dg.Nothing), retry_policy=dg.RetryPolicy(max_retries=2, delay=120))
def maintain_lake(context: dg.OpExecutionContext, lakehouse: LakehouseResource) -> dg.Output[None]:
    """Merge small data files, expire snapshots past the retention (sparing publishes), delete unneeded files."""
    con = lakehouse.connect()
    try:
        report = maintenance.maintain(con, lakehouse.settings())
    finally:
        con.close()
    context.log.info(report.render())
    return dg.Output(
        None,
        metadata={
            "catalog_files_before": report.catalog_before.files,
            "catalog_files_after": report.catalog_after.files,
            "catalog_bytes_before": report.catalog_before.bytes,
            "catalog_bytes_after": report.catalog_after.bytes,
            "disk_files_before": report.disk_before.files if report.disk_before else None,
            "disk_files_after": report.disk_after.files if report.disk_after else None,
            "files_merged": report.files_merged,
            "snapshots_expired": report.snapshots_expired,
            "publishes_expired": list(report.publishes_expired),
            "files_deleted": report.files_deleted,
            "bytes_freed": report.bytes_freed,
            "files_waiting": report.files_waiting,
            "seconds": report.seconds,
        },
    )


@dg.op
def delete_old_dagster_runs(context: dg.OpExecutionContext, lakehouse: LakehouseResource) -> None:
    """Delete the finished runs (and their events) older than BACKLOT_RUN_RETENTION_DAYS."""
    retention_days = lakehouse.settings().run_retention_days
    deleted = delete_old_runs(context.instance, retention_days)
    context.log.info(f"deleted {len(deleted)} Dagster runs older than {retention_days} days")
    for run_id in deleted:
        context.log.debug(f"deleted run {run_id}")


@dg.job(
    name=MAINTENANCE_JOB,
    description="Lake upkeep and old-run clean-up (nightly; `backlot maintain` by hand).",
    tags=LAKE_WRITER_TAGS,  # one lake-writing run at a time
)
def backlot_maintenance() -> None:
    maintain_lake()
    delete_old_dagster_runs()
