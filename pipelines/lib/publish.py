"""Write-audit-publish: expose the audited marts in `marts` in one DuckLake transaction.

dbt builds the marts into `audit`; once every blocking check has passed, each mart the
run rebuilt becomes, in `marts`, a view of its audit table pinned to the current snapshot
(`AT (VERSION => n)`). Publishing copies no data, and because the views are pinned, a
later dbt run that rewrites `audit` (and perhaps fails its checks) changes nothing that
analysts see until the next publish.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pipelines.lakehouse import LAKE, current_snapshot, transaction


@dataclass(frozen=True)
class Publish:
    publish_id: int
    snapshot_id: int
    mart_rows: dict[str, int]


def publish(
    con: duckdb.DuckDBPyConnection, marts: list[str], run_id: str, *, all_marts: list[str] | None = None
) -> Publish:
    """Pin `marts` (those this run rebuilt and checked) to the current snapshot, in one commit.

    The other marts keep their pins: their audit tables are unchanged since they were last
    published. The publish records the row count of every mart in `all_marts` (default:
    `marts`) as analysts now see it.
    """
    snapshot = current_snapshot(con)
    all_marts = all_marts or marts
    rows = {
        mart: int(
            con.execute(  # type: ignore[index]
                f"SELECT count(*) FROM {LAKE}.audit.{mart} AT (VERSION => {snapshot})"
                if mart in marts
                else f"SELECT count(*) FROM {LAKE}.marts.{mart}"
            ).fetchone()[0]
        )
        for mart in all_marts
    }
    with transaction(con):
        last = con.execute("SELECT coalesce(max(publish_id), 0) FROM meta.publishes").fetchone()
        publish_id = int(last[0]) + 1 if last else 1
        for mart in marts:
            con.execute(
                f"CREATE OR REPLACE VIEW {LAKE}.marts.{mart} AS "
                f"SELECT * FROM {LAKE}.audit.{mart} AT (VERSION => {snapshot})"
            )
        con.execute(
            "INSERT INTO meta.publishes VALUES (?, ?, now(), ?, ?)",
            [publish_id, snapshot, rows, run_id],
        )
    return Publish(publish_id, snapshot, rows)
