"""The demo's social snapshots: deterministic, and only the deliberate faults are quarantined."""

from __future__ import annotations

from pathlib import Path

from pipelines.lib import loading
from pipelines.sample_data.social import seed_social
from pipelines.sources import SOURCES
from tests.unit.conftest import Lake


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    first = seed_social(tmp_path / "a")
    second = seed_social(tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_the_weeks_load_with_only_the_deliberate_faults_quarantined(catalog: Lake) -> None:
    catalog.con.execute(
        "INSERT INTO raw.films (film_id, title, release_date) VALUES "
        "('starfall-legacy-2026', 'Starfall Legacy', '2026-06-19'), "
        "('mister-marmalade-2026', 'Mister Marmalade', '2026-08-05'), "
        "('glasswing-2026', 'Glasswing', '2026-08-14'), ('cloudbreak-2026', 'Cloudbreak', '2026-03-13')"
    )
    seed_social(catalog.settings.landing_dir)
    reports = {
        name: loading.load_pending(catalog.con, SOURCES[name], catalog.settings.landing(name))
        for name in ("social_links", "youtube", "reddit")
    }
    assert all(r.committed for r in reports.values())
    assert reports["reddit"].rows_quarantined == 0
    assert [f.detail for f in reports["youtube"].files if f.status == "rejected"] == [
        "the API answered with an error, not data: 403 quotaExceeded "
        "(The request cannot be completed because you have exceeded your quota.)"
    ]
    reasons = catalog.scalar(
        "SELECT list(DISTINCT regexp_replace(_reason, 'item [0-9]+', 'item N')) FROM quarantine.youtube "
        "WHERE _row_number IS NOT NULL"
    )
    assert reasons == ["duplicate of videos_20260612T090000Z.json item N (same object_id, observed_at)"]
    assert catalog.scalar("SELECT list(_reason) FROM quarantine.social_links") == [
        "unknown film: no film_id 'level-zero-2' in the films catalog"
    ]
    # The viral teaser: under 100k views in its first week, millions a month later.
    views = catalog.rows(
        "SELECT observed_at::DATE::VARCHAR AS d, max(view_count) AS v FROM raw.youtube "
        "WHERE object_id = 'Lz0TrailerA1' AND observed_at::DATE IN ('2026-06-07', '2026-07-09') GROUP BY 1 ORDER BY 1"
    )
    assert views[0]["v"] < 100_000
    assert views[1]["v"] > 10_000_000
