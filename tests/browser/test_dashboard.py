"""The investor dashboard in a real browser: every page shows the published numbers, filters
and the publish picker change them, nothing is fetched from outside, and access is guarded."""

from __future__ import annotations

import json
import socket
import struct
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from pipelines.dashboard import formatting as fmt
from pipelines.lib import query
from tests.browser.conftest import screenshot, start_dashboard, stop
from tests.net import wait_for


@pytest.fixture(autouse=True)
def _home(published_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The expected numbers are read with `backlot sql`'s own path, on the dashboard's home."""
    monkeypatch.setenv("BACKLOT_HOME", str(published_home))


def sql(statement: str, *, as_of: int | None = None) -> list[tuple[object, ...]]:
    return query.run_sql(statement, as_of=as_of)[1]


def table(page: Page, table_id: str) -> list[list[str]]:
    page.locator(f"#{table_id} tbody tr").first.wait_for()
    return page.eval_on_selector_all(
        f"#{table_id} tbody tr", "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))"
    )


def choose(page: Page, control_id: str, option: str) -> None:
    """Pick an option of a Dash dropdown the way a visitor does: open it, click the option."""
    page.click(f"#{control_id}")
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def test_league_table_shows_every_film_ranked_and_filters(local_page: Page, dashboard: str) -> None:
    page = local_page
    page.goto(dashboard)
    expect(page.locator("#banner-publish-id")).to_have_text("Publish 2")
    films = sql("SELECT title, roi_multiple FROM film_capital_efficiency ORDER BY roi_multiple DESC NULLS LAST")
    rows = table(page, "league-table")
    assert len(rows) == len(films)
    assert (rows[0][1], rows[0][8]) == (films[0][0], fmt.multiple(films[0][1]))
    expect(page.locator("#league-kpi-0")).to_have_text(str(len(films)))
    screenshot(page, "league")

    choose(page, "league-model", "Legacy studio")
    # Two films share a title (a remake): the table adds the release year to tell them apart.
    legacy = sql(
        "SELECT CASE WHEN count(*) OVER (PARTITION BY title) > 1 THEN title || ' (' || year(release_date) || ')' "
        "ELSE title END FROM film_capital_efficiency QUALIFY production_model = 'legacy_studio' "
        "ORDER BY roi_multiple DESC NULLS LAST"
    )
    expect(page.locator("#league-kpi-0")).to_have_text(str(len(legacy)))
    rows = table(page, "league-table")
    assert {row[2] for row in rows} == {"Legacy studio"}
    assert [row[1] for row in rows] == [title for (title,) in legacy]

    choose(page, "league-sort", "Budget")
    (biggest,) = sql(
        "SELECT title FROM film_capital_efficiency WHERE production_model = 'legacy_studio' "
        "ORDER BY production_budget_usd DESC NULLS LAST LIMIT 1"
    )
    expect(page.locator("#league-table tbody tr").first.locator("td").nth(1)).to_have_text(str(biggest[0]))
    screenshot(page, "league-legacy-by-budget")


def test_models_page_compares_indie_with_studio(local_page: Page, dashboard: str) -> None:
    page = local_page
    page.goto(f"{dashboard}/models")
    for model, budget, roi, share in sql(
        "SELECT production_model, median_budget_usd, median_roi_multiple, break_even_share "
        "FROM production_model_comparison"
    ):
        expect(page.locator(f"#models-{model}-0")).to_have_text(fmt.money(budget))
        expect(page.locator(f"#models-{model}-1")).to_have_text(fmt.multiple(roi))
        expect(page.locator(f"#models-{model}-2")).to_have_text(fmt.share(share))
    expect(page.locator("#models-scatter .main-svg").first).to_be_visible()
    screenshot(page, "models")


def test_render_page_shows_spend_by_shot_and_against_budget(local_page: Page, dashboard: str) -> None:
    page = local_page
    page.goto(f"{dashboard}/render")
    spend = sql(
        "SELECT r.film_id, f.title, sum(r.render_cost_usd) AS cost, sum(r.render_hours) AS hours, count(*) AS shots "
        "FROM render_efficiency r JOIN film_capital_efficiency f USING (film_id) "
        "GROUP BY ALL ORDER BY cost DESC"
    )
    expect(page.locator("#render-kpi-0")).to_have_text(fmt.money(spend[0][2]))
    expect(page.locator("#render-kpi-2")).to_have_text(fmt.hours(spend[0][3]))
    screenshot(page, "render")

    other = spend[-1]
    choose(page, "render-film", str(other[1]))
    expect(page.locator("#render-kpi-0")).to_have_text(fmt.money(other[2]))
    expect(page.locator("#render-table tbody tr")).to_have_count(int(str(other[4])))


def test_social_page_sets_momentum_against_daily_gross(local_page: Page, dashboard: str) -> None:
    page = local_page
    page.goto(f"{dashboard}/social")
    top = sql(
        "SELECT s.film_id, p.pre_release_views FROM social_momentum s JOIN production_efficiency p USING (film_id) "
        "GROUP BY ALL ORDER BY max(s.views) DESC NULLS LAST, s.film_id LIMIT 1"
    )
    expect(page.locator("#social-kpi-0")).to_have_text(fmt.count(top[0][1]))
    expect(page.locator("#social-chart .main-svg").first).to_be_visible()
    screenshot(page, "social")


def test_the_publish_picker_shows_an_earlier_publish(local_page: Page, dashboard: str) -> None:
    page = local_page
    page.goto(dashboard)
    ranked = "SELECT title, roi_multiple FROM film_capital_efficiency WHERE film_id = 'level-zero-2026'"
    (now,) = sql(ranked)
    (before,) = sql(ranked, as_of=1)
    assert now[1] != before[1]  # the budget correction of publish 2 changed it
    level_zero = page.locator("#league-table tbody tr", has_text="Level Zero").locator("td").nth(8)
    expect(level_zero).to_have_text(fmt.multiple(now[1]))

    (published_at,) = sql("SELECT published_at FROM publishes WHERE publish_id = 1")
    choose(page, "publish-picker", f"Publish 1 · {published_at[0]:%Y-%m-%d %H:%M} UTC")
    expect(page.locator("#banner-publish-id")).to_have_text("Publish 1")
    expect(page.locator(".banner-earlier")).to_contain_text("the latest is 2")
    expect(level_zero).to_have_text(fmt.multiple(before[1]))
    screenshot(page, "league-publish-1")

    page.get_by_role("link", name="Indie vs studio").click()  # the pick holds across pages
    expect(page.locator("#banner-publish-id")).to_have_text("Publish 1")
    (indie,) = sql(
        "SELECT median_roi_multiple FROM production_model_comparison WHERE production_model = 'indie_digital'", as_of=1
    )
    expect(page.locator("#models-indie_digital-1")).to_have_text(fmt.multiple(indie[0]))


def test_beyond_loopback_it_needs_a_token_and_asks_for_it(published_home: Path, page: Page) -> None:
    refused, _ = start_dashboard(published_home, "--host", "0.0.0.0")
    output, _ = refused.communicate(timeout=60)
    assert refused.returncode == 2
    assert "refusing to listen on 0.0.0.0 without a token: set BACKLOT_DASHBOARD_TOKEN" in output

    process, port = start_dashboard(published_home, "--host", "0.0.0.0", token="investor-token")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url, 60)
        with pytest.raises(urllib.error.HTTPError) as asked:
            urllib.request.urlopen(url, timeout=10)
        assert asked.value.code == 401
        assert asked.value.headers["WWW-Authenticate"].startswith('Basic realm="backlot-dashboard"')
        assert json.loads(asked.value.read())["error"] == "unauthorized"

        signed_in = page.context.browser.new_context(  # type: ignore[union-attr]
            http_credentials={"username": "investor", "password": "investor-token"}
        )
        visitor = signed_in.new_page()
        visitor.goto(url)
        expect(visitor.locator("#banner-publish-id")).to_have_text("Publish 2")
        signed_in.close()
    finally:
        stop(process)


def test_errors_are_json_never_a_traceback(dashboard: str) -> None:
    for path in ("/assets/missing.css", "/_dash-component-suites/dash/missing.js"):
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{dashboard}{path}", timeout=10)
        assert missing.value.code == 404, path
        assert json.loads(missing.value.read())["error"] == "not_found"

    malformed = urllib.request.Request(
        f"{dashboard}/_dash-update-component", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as bad:
        urllib.request.urlopen(malformed, timeout=10)
    assert bad.value.code == 400
    assert json.loads(bad.value.read())["error"] == "bad_request"


def test_a_visitor_hanging_up_mid_download_does_not_stop_it(dashboard: str) -> None:
    """A browser that closes a connection while Plotly's 4 MB script is being sent (a tab
    closed, a page left): the dashboard carries on serving the next visitor."""
    address = urllib.parse.urlparse(dashboard)
    script = "/_dash-component-suites/plotly/package_data/plotly.min.js"
    for _ in range(5):
        with socket.create_connection((address.hostname, address.port), timeout=10) as hang_up:
            hang_up.sendall(f"GET {script} HTTP/1.1\r\nHost: {address.netloc}\r\n\r\n".encode())
            hang_up.recv(1024)  # the response has started; then the visitor is gone
            hang_up.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, not close
    with urllib.request.urlopen(f"{dashboard}/_dash-layout", timeout=30) as response:
        assert response.status == 200
