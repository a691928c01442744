"""The demo's headline: what the published marts say about capital efficiency, in plain words.

Every number comes from a query of the marts; only the sentences are written here.
"""

from __future__ import annotations

from typing import Any

from pipelines.lib import query

COHORTS_SQL = """
    SELECT replace(production_model, '_', '-') AS cohort, median_budget_usd, median_roi_multiple,
           break_even_share
    FROM production_model_comparison ORDER BY production_model"""

# Per production model, the film with the largest render spend, and its cost per frame
# against the indie film's.
RENDER_SQL = """
    WITH films AS (
        SELECT p.production_model, f.title, p.production_budget_usd, p.render_cost_usd,
               p.render_cost_share_of_budget, sum(r.frames_rendered) AS frames, sum(r.render_hours) AS gpu_hours,
               p.render_cost_usd / nullif(sum(r.frames_rendered), 0) AS cost_per_frame_usd
        FROM production_efficiency p
        JOIN film_capital_efficiency f USING (film_id)
        JOIN render_efficiency r USING (film_id)
        WHERE p.production_model IS NOT NULL
        GROUP BY p.production_model, f.title, p.production_budget_usd, p.render_cost_usd, p.render_cost_share_of_budget
        QUALIFY row_number() OVER (PARTITION BY p.production_model ORDER BY p.render_cost_usd DESC NULLS LAST) = 1
    )
    SELECT replace(production_model, '_', '-') AS cohort, title, frames, gpu_hours, render_cost_usd,
           render_cost_share_of_budget, production_budget_usd, cost_per_frame_usd,
           cost_per_frame_usd / (SELECT cost_per_frame_usd FROM films WHERE production_model = 'indie_digital')
               AS cost_per_frame_vs_indie
    FROM films ORDER BY production_model"""


def headline() -> list[str]:
    """A line per finding; none for what the marts cannot say yet."""
    lines = []
    cohorts = [row for row in _rows(COHORTS_SQL) if row["median_roi_multiple"] is not None]
    if cohorts:
        lines.append(
            "Capital efficiency: " + "; ".join(_cohort(row, first=not i) for i, row in enumerate(cohorts)) + "."
        )
    renders = [row for row in _rows(RENDER_SQL) if row["render_cost_usd"] is not None]
    lines += [f"Render: {_render(row)}." for row in renders]
    return lines


def _rows(sql: str) -> list[dict[str, Any]]:
    columns, rows = query.run_sql(sql)
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _cohort(row: dict[str, Any], *, first: bool) -> str:
    """The first cohort in full words, the next ones in the same order, shorter."""
    text = f"{row['cohort']} films return a median {row['median_roi_multiple']:.1f}×"
    text += " their budget" if first else ""
    details = []
    if row["median_budget_usd"] is not None:
        details.append(f"median budget {usd(row['median_budget_usd'])}" if first else usd(row["median_budget_usd"]))
    if row["break_even_share"] is not None:
        share = f"{row['break_even_share']:.0%}"
        details.append(f"{share} of them past break-even" if first else share)
    return text + (f" ({', '.join(details)})" if details else "")


def _render(row: dict[str, Any]) -> str:
    text = (
        f"{row['title']} ({row['cohort']}) rendered {row['frames']:,} frames in {row['gpu_hours']:,.0f} GPU-hours "
        f"for {usd(row['render_cost_usd'])}"
    )
    details = []
    if row["render_cost_share_of_budget"] is not None:
        details.append(f"{row['render_cost_share_of_budget']:.2%} of its {usd(row['production_budget_usd'])} budget")
    if row["cost_per_frame_usd"] is not None:
        per_frame = f"{usd(row['cost_per_frame_usd'])} a frame"
        vs_indie = row["cost_per_frame_vs_indie"]
        if vs_indie is not None and round(vs_indie, 1) != 1:
            per_frame += f", {vs_indie:.0f}× the indie film's"
        details.append(per_frame)
    return text + (f": {'; '.join(details)}" if details else "")


def usd(amount: float) -> str:
    """$4.5M, $249k, $0.46: the precision a reader needs."""
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(amount) >= size:
            return f"${amount / size:,.3g}{unit}" if abs(amount) < 1000 * size else f"${amount / size:,.0f}{unit}"
    return f"${amount:,.2f}"
