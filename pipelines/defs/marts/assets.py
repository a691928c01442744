"""dbt (staging -> intermediate -> audit) and the publish step that exposes audited marts."""

import json
import os
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from pipelines.defs.resources import LAKE_WRITERS_POOL, LakehouseResource
from pipelines.lib import publish as wap
from pipelines.lib.dbt import ensure_manifest, profile_env

MANIFEST = ensure_manifest()
# The marts are the dbt models built into `audit`; adding one there publishes it.
MARTS = sorted(
    node["name"]
    for node in json.loads(MANIFEST.read_text())["nodes"].values()
    if node["resource_type"] == "model" and node["config"].get("schema") == "audit"
)


class LakeTranslator(DagsterDbtTranslator):
    """dbt sources and models keyed by lake schema: raw/films, staging/stg_..., audit/<mart>."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props["schema"]
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "marts" if dbt_resource_props.get("config", {}).get("schema") == "audit" else "transform"


@dbt_assets(
    manifest=MANIFEST,
    dagster_dbt_translator=LakeTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
    pool=LAKE_WRITERS_POOL,
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, lakehouse: LakehouseResource) -> Iterator[Any]:
    """Staging, intermediate and audit models with their dbt tests."""
    settings = lakehouse.settings()
    os.environ.update(profile_env(settings))
    settings.dbt_target_dir.mkdir(parents=True, exist_ok=True)
    # One fixed target folder per home keeps dbt's partial parse warm between runs.
    # dbt unit tests run in `make test`, not on every production pass (dbt's own advice).
    args = ["build", "--exclude-resource-type", "unit_test"]
    yield from dbt.cli(args, context=context, target_path=settings.dbt_target_dir).stream()


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["marts", mart], deps=[["audit", mart]], group_name="marts", kinds={"duckdb"}) for mart in MARTS
    ],
    pool=LAKE_WRITERS_POOL,
)
def published_marts(
    context: dg.AssetExecutionContext, lakehouse: LakehouseResource
) -> Iterator[dg.MaterializeResult[None]]:
    """Publish every audited mart in one DuckLake transaction (write-audit-publish)."""
    con = lakehouse.connect()
    try:
        result = wap.publish(con, MARTS, context.run_id)
    finally:
        con.close()
    context.log.info(f"publish {result.publish_id} at snapshot {result.snapshot_id}: {result.mart_rows}")
    for mart in MARTS:
        yield dg.MaterializeResult(
            asset_key=["marts", mart],
            metadata={
                "publish_id": result.publish_id,
                "snapshot_id": result.snapshot_id,
                "dagster/row_count": result.mart_rows[mart],
            },
        )
