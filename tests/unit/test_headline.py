"""The demo's headline: its numbers come from the published marts, and it says nothing the marts do not."""

from __future__ import annotations

from typing import Any

import pytest

from pipelines.headline import headline, usd


def _mart(lake: Any, name: str, sql: str) -> None:
    """A published-looking mart; its decimal literals made DOUBLE, as in the marts' contracts."""
    lake.con.execute(f"CREATE VIEW lake.marts.{name} AS {sql}")
    columns = lake.con.execute(f"DESCRIBE lake.marts.{name}").fetchall()
    casts = ", ".join(f"{c} :: DOUBLE AS {c}" if t.startswith("DECIMAL") else c for c, t, *_ in columns)
    lake.con.execute(f"CREATE OR REPLACE VIEW lake.marts.{name} AS SELECT {casts} FROM ({sql})")


@pytest.fixture
def marts(lake: Any) -> Any:
    """Two cohorts; an indie and a studio film with render spend, and an indie one with less."""
    _mart(
        lake,
        "production_model_comparison",
        "SELECT * FROM (VALUES ('indie_digital', 4.5e6, 3.02, 0.5), ('legacy_studio', 150e6, 0.674, 0.18)) "
        "t(production_model, median_budget_usd, median_roi_multiple, break_even_share)",
    )
    _mart(
        lake,
        "film_capital_efficiency",
        "SELECT * FROM (VALUES ('lz', 'Level Zero'), ('sf', 'Starfall Legacy'), ('gw', 'Glasswing')) t(film_id, title)",
    )
    _mart(
        lake,
        "production_efficiency",
        "SELECT * FROM (VALUES ('lz', 'indie_digital', 4.5e6, 27_000.0, 0.006), "
        "('sf', 'legacy_studio', 210e6, 250_000.0, 0.00119), ('gw', 'indie_digital', 18e6, 600.0, 0.00003)) "
        "t(film_id, production_model, production_budget_usd, render_cost_usd, render_cost_share_of_budget)",
    )
    _mart(
        lake,
        "render_efficiency",
        "SELECT * FROM (VALUES ('lz', 50_000, 30_000.0), ('lz', 10_000, 10_000.0), ('sf', 20_000, 80_000.0), "
        "('gw', 2_000, 900.0)) t(film_id, frames_rendered, render_hours)",
    )
    return lake


def test_the_headline_reads_the_marts(marts: Any) -> None:
    assert headline() == [
        "Capital efficiency: indie-digital films return a median 3.0× their budget (median budget $4.5M, 50% of "
        "them past break-even); legacy-studio films return a median 0.7× ($150M, 18%).",
        # The film of each cohort that spent most on render; the studio's frames against the indie's ($0.45).
        "Render: Level Zero (indie-digital) rendered 60,000 frames in 40,000 GPU-hours for $27k: 0.60% of its "
        "$4.5M budget; $0.45 a frame.",
        "Render: Starfall Legacy (legacy-studio) rendered 20,000 frames in 80,000 GPU-hours for $250k: 0.12% of "
        "its $210M budget; $12.50 a frame, 28× the indie film's.",
    ]


def test_no_render_spend_no_render_line(marts: Any) -> None:
    marts.con.execute(
        "CREATE OR REPLACE VIEW lake.marts.render_efficiency AS "
        "SELECT * FROM (VALUES ('x', 1, 1.0)) t(film_id, frames_rendered, render_hours) WHERE false"
    )
    assert [line.split(":")[0] for line in headline()] == ["Capital efficiency"]


@pytest.mark.parametrize(
    ("amount", "text"),
    [(4_500_000, "$4.5M"), (210e6, "$210M"), (27_974.3, "$28k"), (0.456, "$0.46"), (1.2e9, "$1.2B"), (999, "$999.00")],
)
def test_amounts_read_as_a_reader_needs_them(amount: float, text: str) -> None:
    assert usd(amount) == text
