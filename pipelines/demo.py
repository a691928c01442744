"""`backlot demo`: seed sample data, run the pipeline, print what the marts say."""

from __future__ import annotations

import sys

from pipelines.lib import query
from pipelines.sample_data.box_office import seed_box_office
from pipelines.sample_data.render import seed_render
from pipelines.sample_data.social import seed_social
from pipelines.settings import load_settings

SUMMARY_QUERIES = {
    "Capital efficiency league table (top 12 by ROI)": """
        SELECT title, production_model AS model, production_budget_usd AS budget_usd,
               opening_weekend_gross_usd AS opening_usd, worldwide_gross_usd AS worldwide_usd,
               roi_multiple AS roi, legs_multiple AS legs, is_break_even AS break_even
        FROM film_capital_efficiency ORDER BY roi_multiple DESC NULLS LAST LIMIT 12""",
    "Indie digital versus legacy studio": """
        SELECT production_model, films, median_budget_usd, median_roi_multiple,
               break_even_share, total_worldwide_gross_usd
        FROM production_model_comparison ORDER BY production_model""",
}
# Shown once the render marts are published (they arrive with the render-farm models).
RENDER_QUERIES = {
    "Render efficiency per shot (a farm's week)": """
        SELECT film_id, shot, frames_rendered, frames_failed, render_hours, render_cost_usd,
               cost_per_frame_usd, failure_waste_share, avg_gpu_utilization_pct
        FROM render_efficiency ORDER BY film_id, shot""",
    "Render spend against budget and gross": """
        SELECT film_id, production_model, production_budget_usd, render_cost_usd,
               render_cost_share_of_budget, worldwide_gross_usd, gross_per_render_dollar
        FROM production_efficiency WHERE render_cost_usd IS NOT NULL
        ORDER BY gross_per_render_dollar DESC NULLS LAST""",
}

# Shown once the social marts are published.
SOCIAL_QUERIES = {
    "Social momentum on YouTube (linked videos; channel statistics apart)": """
        SELECT film_id, min(date) AS first_seen, max(views) AS views, max(views_delta) AS best_day_gain,
               arg_max(date, views_delta) AS best_day, max(engagement_rate) AS peak_engagement,
               max(channel_subscribers) AS channel_subscribers
        FROM social_momentum WHERE platform = 'youtube' GROUP BY film_id ORDER BY views DESC NULLS LAST""",
    "Audience conversion beside capital efficiency": """
        SELECT f.title, f.production_model AS model, f.production_budget_usd AS budget_usd,
               p.pre_release_views, f.worldwide_gross_usd AS worldwide_usd,
               p.gross_per_1k_pre_release_views AS gross_per_1k_views, f.roi_multiple AS roi
        FROM production_efficiency p JOIN film_capital_efficiency f USING (film_id)
        WHERE p.pre_release_views IS NOT NULL ORDER BY f.roi_multiple DESC NULLS LAST""",
}


def run_demo(*, scale: int = 1, seed: int = 7) -> int:
    from pipelines.run import run_once

    settings = load_settings()
    written = seed_box_office(settings.landing_dir, scale=scale, seed=seed)
    written += seed_render(settings.landing_dir, seed=seed)
    written += seed_social(settings.landing_dir, seed=seed)
    print(f"seeded {len(written)} files into {settings.landing_dir}")
    outcome = run_once(progress=sys.stderr.isatty())
    print(outcome.render())
    if not outcome.published:
        return 1
    published = set(outcome.publish.mart_rows) if outcome.publish else set()
    queries = SUMMARY_QUERIES | (RENDER_QUERIES if "render_efficiency" in published else {})
    queries |= SOCIAL_QUERIES if "social_momentum" in published else {}
    for title, sql in queries.items():
        columns, rows = query.run_sql(sql)
        print(f"\n{title}\n{query.table(columns, rows)}")
    print('\nTry: .venv/bin/backlot sql "select * from film_capital_efficiency"  |  .venv/bin/backlot status')
    return 0
