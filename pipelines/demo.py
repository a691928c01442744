"""`backlot demo`: seed sample data, run the pipeline, print what the marts say."""

from __future__ import annotations

import sys

from pipelines.headline import headline
from pipelines.lib import query
from pipelines.sample_data.box_office import seed_box_office
from pipelines.sample_data.render import seed_render
from pipelines.sample_data.social import seed_social
from pipelines.settings import load_settings

# Budgets and grosses in whole dollars: cents on a $150M budget are noise.
SUMMARY_QUERIES = {
    "Capital efficiency league table (top 12 by ROI)": """
        SELECT title, year(release_date)::VARCHAR AS year, production_model AS model,
               production_budget_usd::BIGINT AS budget_usd, opening_weekend_gross_usd::BIGINT AS opening_usd,
               worldwide_gross_usd::BIGINT AS worldwide_usd, roi_multiple AS roi, legs_multiple AS legs,
               is_break_even AS break_even
        FROM film_capital_efficiency ORDER BY roi_multiple DESC NULLS LAST LIMIT 12""",
    "Indie digital versus legacy studio": """
        SELECT production_model, films, median_budget_usd::BIGINT AS median_budget_usd,
               median_roi_multiple, round(100 * break_even_share) AS break_even_pct,
               total_worldwide_gross_usd::BIGINT AS total_worldwide_gross_usd
        FROM production_model_comparison ORDER BY production_model""",
}
# Shown once the render marts are published (they arrive with the render-farm models).
RENDER_QUERIES = {
    "Render spend against budget (films with render telemetry; failed attempts and re-renders included)": """
        SELECT f.title, p.production_model AS model, p.production_budget_usd::BIGINT AS budget_usd,
               round(p.render_cost_usd)::BIGINT AS render_usd,
               round(100 * p.render_cost_share_of_budget, 3) AS render_pct_of_budget,
               round(r.gpu_hours)::BIGINT AS gpu_hours, p.worldwide_gross_usd::BIGINT AS worldwide_usd,
               round(p.gross_per_render_dollar)::BIGINT AS gross_per_render_dollar
        FROM production_efficiency p
        JOIN film_capital_efficiency f USING (film_id)
        JOIN (SELECT film_id, sum(render_hours) AS gpu_hours FROM render_efficiency GROUP BY film_id) r USING (film_id)
        ORDER BY p.render_cost_usd DESC NULLS LAST""",
    "What a frame costs (per rendered frame, failed attempts' cost included)": """
        SELECT coalesce(f.title, r.film_id) AS title, count(*) AS shots, sum(r.frames_rendered) AS frames_rendered,
               sum(r.frames_failed) AS frames_failed,
               round(sum(r.avg_seconds_per_frame * r.frames_rendered) / sum(r.frames_rendered) / 60, 1)
                   AS minutes_per_frame,
               sum(r.render_cost_usd) / sum(r.frames_rendered) AS usd_per_frame,
               -- only shots whose every frame's resolution is known, as the mart's own column
               sum(r.render_cost_usd) FILTER (WHERE r.cost_per_megapixel_usd IS NOT NULL)
                   / sum(r.megapixels_rendered) FILTER (WHERE r.cost_per_megapixel_usd IS NOT NULL)
                   AS usd_per_megapixel,
               round(100 * sum(r.render_hours * r.failure_waste_share) / sum(r.render_hours), 1)
                   AS gpu_hours_lost_to_failures_pct
        FROM render_efficiency r LEFT JOIN film_capital_efficiency f USING (film_id)
        GROUP BY ALL ORDER BY usd_per_frame DESC""",
    "Render spend by month (render_daily)": """
        SELECT coalesce(f.title, d.film_id) AS title, strftime(d.date, '%Y-%m') AS month,
               sum(d.frames_rendered) AS frames_rendered, round(sum(d.render_hours))::BIGINT AS gpu_hours,
               round(sum(d.render_cost_usd))::BIGINT AS spend_usd,
               -- a running total of costs, never negative: the month's largest is its last day's
               round(max(d.cumulative_render_cost_usd))::BIGINT AS cumulative_usd,
               round(100 * max(d.cumulative_cost_share_of_budget), 3) AS cumulative_pct_of_budget
        FROM render_daily d LEFT JOIN film_capital_efficiency f USING (film_id)
        GROUP BY ALL ORDER BY title, month""",
}

# Shown once the social marts are published.
SOCIAL_QUERIES = {
    "Social momentum on YouTube (linked videos; channel statistics apart)": """
        SELECT film_id, min(date) AS first_seen, max(views) AS views, max(views_delta) AS best_day_gain,
               arg_max(date, views_delta) AS best_day, max(engagement_rate) AS peak_engagement,
               max(channel_subscribers) AS channel_subscribers
        FROM social_momentum WHERE platform = 'youtube' GROUP BY film_id ORDER BY views DESC NULLS LAST""",
    "Audience conversion beside capital efficiency": """
        SELECT f.title, f.production_model AS model, f.production_budget_usd::BIGINT AS budget_usd,
               p.pre_release_views, f.worldwide_gross_usd::BIGINT AS worldwide_usd,
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
    if not outcome.current:
        return 1
    if lines := headline():
        print("\n" + "\n".join(lines))
    queries = SUMMARY_QUERIES | RENDER_QUERIES | SOCIAL_QUERIES
    for title, sql in queries.items():
        columns, rows = query.run_sql(sql)
        print(f"\n{title}\n{query.table(columns, rows)}")
    print(
        "\nSee it in a browser: .venv/bin/backlot dashboard  (then open http://127.0.0.1:8050)"
        "\nQuery it: .venv/bin/backlot sql \"select * from render_daily where film_id = 'level-zero-2026'\"  |  "
        ".venv/bin/backlot status"
    )
    return 0
