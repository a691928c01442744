"""Failed runs, made loud: which step failed and why, which check blocked the publish.

Each failed run is recorded (`pipelines.lib.failures`) by `backlot run` for its own runs and
by the run-failure sensor for every other run of the instance; `backlot status` prints the
ones since the last publish.
"""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg

from pipelines.lib import failures
from pipelines.settings import load_settings


def root_cause(error: object) -> str:
    """The innermost error's message: the one that says what actually went wrong."""
    while getattr(error, "cause", None) is not None:
        error = error.cause  # type: ignore[attr-defined]
    lines = [line for line in str(getattr(error, "message", error)).strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def failed_steps(events: Iterable[dg.DagsterEvent]) -> list[str]:
    """`step: root cause` per failed step; a failed blocking check is reported as a check instead."""
    return [
        f"{event.step_key}: {root_cause(event.step_failure_data.error)}"
        for event in events
        if event.step_failure_data.error is None
        or event.step_failure_data.error.cls_name != "DagsterAssetCheckFailedError"
    ]


def failed_checks(evaluations: Iterable[dg.AssetCheckEvaluation]) -> list[str]:
    """Every check that did not pass, with its description; a warn-severity check informs, it does not block."""
    return [
        f"{'WARNING' if evaluation.severity == dg.AssetCheckSeverity.WARN else 'FAILED CHECK'} "
        f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}"
        + (f": {evaluation.description}" if evaluation.description else "")
        for evaluation in evaluations
        if not evaluation.passed
    ]


@dg.run_failure_sensor(
    name="record_failed_runs",
    default_status=dg.DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=True,
    description="Records every failed run (steps, checks, root causes) where `backlot status` prints it.",
)
def record_failed_runs(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    evaluations = [
        data
        for entry in context.instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        if entry.dagster_event is not None
        and isinstance(data := entry.dagster_event.event_specific_data, dg.AssetCheckEvaluation)
    ]
    steps = failed_steps(context.get_step_failure_events())
    if not steps and not evaluations:
        steps = [f"the run failed: {root_cause(context.failure_event.message or '')}"]
    failures.record(load_settings(), run.run_id, run.job_name, steps, failed_checks(evaluations))
    context.log.info(f"recorded failed run {run.run_id}")
