"""dbt (staging -> intermediate -> audit) and the publish step that exposes audited marts."""

import json
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
from pydantic import Field

from pipelines.defs.resources import LAKE_WRITERS_POOL, LakehouseResource
from pipelines.lib import dbt, passes
from pipelines.lib import publish as wap

MANIFEST = json.loads(dbt.ensure_manifest().read_text())


def _marts(manifest: Mapping[str, Any]) -> list[str]:
    """The dbt models built into `audit` (adding one there publishes it), each after those it reads."""
    nodes = manifest["nodes"]
    audit = {
        unique_id
        for unique_id, node in nodes.items()
        if node["resource_type"] == "model" and node["config"].get("schema") == "audit"
    }
    ordered: list[str] = []

    def visit(unique_id: str) -> None:
        if unique_id in ordered:
            return
        for parent in nodes[unique_id]["depends_on"]["nodes"]:
            if parent in audit:
                visit(parent)
        ordered.append(unique_id)

    for unique_id in sorted(audit):
        visit(unique_id)
    return [nodes[unique_id]["name"] for unique_id in ordered]


MARTS = _marts(MANIFEST)


class LakeTranslator(DagsterDbtTranslator):
    """dbt sources and models keyed by lake schema: raw/films, staging/stg_..., audit/<mart>."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props["schema"]
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "marts" if dbt_resource_props.get("config", {}).get("schema") == "audit" else "transform"


TRANSLATOR = LakeTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


class PassConfig(dg.Config):
    full_refresh: bool = Field(
        default=False,
        description="Rebuild every model from all of raw (dbt --full-refresh), views included, "
        "instead of only what the sources' new rows change.",
    )


@dbt_assets(manifest=MANIFEST, dagster_dbt_translator=TRANSLATOR, pool=LAKE_WRITERS_POOL)
def dbt_models(context: dg.AssetExecutionContext, config: PassConfig, lakehouse: LakehouseResource) -> Iterator[Any]:
    """The models downstream of the sources with new rows (all on a full build), with their dbt tests.

    dbt runs in this process (pipelines/lib/dbt.py). A mart the pass did not rebuild is
    reported unchanged, so that its checks and the publish still see it.
    """
    settings = lakehouse.settings()
    con = lakehouse.connect()
    try:
        plan = passes.plan(con, full_refresh=config.full_refresh)
        marks = passes.watermarks(con, plan.sources)  # the lake's writers take turns: nothing loads meanwhile
    finally:
        con.close()
    args = plan.dbt_args()
    context.log.info(f"{'full build' if plan.full else 'incremental build'}: {plan.reason}; dbt build {args}")
    events: list[Any] = []
    if args is not None:
        result = dbt.build(settings, args)
        for raw_event in result.events:
            message = DbtCoreCliEventMessage(raw_event=raw_event, event_history_metadata={})
            events += message.to_default_asset_events(
                manifest=MANIFEST, dagster_dbt_translator=TRANSLATOR, context=context
            )
    rebuilt = {event.output_name for event in events if isinstance(event, dg.Output)}
    marts = [mart for mart in MARTS if _output_name(context, mart) in rebuilt]
    # Unchanged marts first: Dagster takes a step's outputs in dependency order, and nothing
    # the pass rebuilt is upstream of a mart it left alone.
    for mart in MARTS:
        if mart not in marts:
            yield dg.Output(None, output_name=_output_name(context, mart), metadata={"status": "unchanged"})
    yield from events
    if args is None:
        return
    if not result.success:
        raise dg.Failure(f"dbt build failed{': ' + result.error if result.error else ''} (the run's log has why)")
    con = lakehouse.connect()
    try:
        passes.record_build(con, context.run.run_id, plan, marks, marts)
    finally:
        con.close()


def _output_name(context: dg.AssetExecutionContext, mart: str) -> str:
    return context.assets_def.get_output_name_for_asset_key(dg.AssetKey(["audit", mart]))


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["marts", mart], deps=[["audit", mart]], group_name="marts", kinds={"duckdb"}, skippable=True)
        for mart in MARTS
    ],
    pool=LAKE_WRITERS_POOL,
)
def published_marts(
    context: dg.AssetExecutionContext, lakehouse: LakehouseResource
) -> Iterator[dg.MaterializeResult[None]]:
    """Publish the audited marts this run rebuilt in one DuckLake transaction (write-audit-publish)."""
    con = lakehouse.connect()
    try:
        _, marts = passes.rebuilt_marts(con, context.run.run_id)
        if not marts:
            context.log.info("no mart was rebuilt: the published marts stand as they are")
            return
        result = wap.publish(con, marts, context.run.run_id, all_marts=MARTS)
    finally:
        con.close()
    context.log.info(f"publish {result.publish_id} at snapshot {result.snapshot_id}: {result.mart_rows}")
    for mart in marts:
        yield dg.MaterializeResult(
            asset_key=["marts", mart],
            metadata={
                "publish_id": result.publish_id,
                "snapshot_id": result.snapshot_id,
                "dagster/row_count": result.mart_rows[mart],
            },
        )
