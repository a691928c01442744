"""SQL injection through every place a value from outside meets the lake's SQL.

- `backlot sql --as-of`, `backlot export --as-of`, `backlot bi-url --as-of`: the publish id;
- the BI URL's options (`as_of=`, `data_path=`): a BI tool's configuration;
- the dashboard: its filters, its film pickers, its publish picker and its pages, posted to
  `/_dash-update-component` of a real `backlot dashboard` exactly as a browser would, and
  beyond what a browser would (any JSON in any input, malformed callback requests).

Each malicious value is refused or treated as data, never run: after every test the lake is
exactly as before (its snapshots, publishes, tables and views with their row counts, its
data files), and nothing was written outside it. One lake serves the whole module, built
once: nothing here may change it, and every test checks that nothing did.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import hypothesis
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

import pipelines.lib.bi  # noqa: F401 - registers duckdb+backlot, should the entry point not be installed
from pipelines import cli
from pipelines.settings import Settings
from tests.security.conftest import (
    Child,
    files_under,
    lake_fingerprint,
    published_home,
    start_backlot,
    use_home,
)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A home whose lake has every dashboard mart, published twice (publish 2 doubles Level Zero's budget)."""
    return published_home(tmp_path_factory, "injection")


@pytest.fixture
def unchanged(lake: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """This test's environment names the module's lake; afterwards the lake and the home are exactly as before."""
    use_home(lake, monkeypatch, tmp_path)
    before = lake_fingerprint(lake), files_under(lake.home)
    yield lake
    assert (lake_fingerprint(lake), files_under(lake.home)) == before


# --- --as-of ------------------------------------------------------------------------------------------

# Publish ids as an attacker would write them; int() refuses every one.
AS_OF_INJECTIONS = [
    "1; DROP TABLE meta.publishes",
    "1 OR 1=1",
    "1) OR (1=1",
    "1' OR '1'='1",
    "1 UNION SELECT * FROM meta.loads",
    "1; COPY (SELECT 1) TO '/tmp/backlot-pwned.csv'",
    "(SELECT max(publish_id) FROM meta.publishes)",
    "1 --",
    "1/**/",
    "0x01",
    "1e0",
    "",
    "-",
    "１; DROP TABLE meta.publishes",
    "2 AND (SELECT count(*) FROM read_csv('/etc/passwd')) > 0",
]


def test_as_of_takes_a_number_and_refuses_anything_else_before_touching_the_lake(
    unchanged: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commands = {
        "sql": ["sql", "SELECT count(*) FROM meta.publishes"],
        "export": ["export", str(tmp_path / "out")],
        "bi-url": ["bi-url"],
    }
    refused = {}
    for command, args in commands.items():
        for value in AS_OF_INJECTIONS:
            code = cli.main([*args, "--as-of", value])
            captured = capsys.readouterr()
            usage_error = f"argument --as-of: invalid int value: {value!r}" in captured.err
            refused[command, value] = (code, captured.out, usage_error)

    assert refused == {(c, v): (2, "", True) for c in commands for v in AS_OF_INJECTIONS}
    assert list(tmp_path.iterdir()) == []  # export wrote nothing
    assert not Path("/tmp/backlot-pwned.csv").exists()


def test_backlot_sql_as_of_is_refused_by_the_real_command(unchanged: Settings) -> None:
    env = {**os.environ, "BACKLOT_HOME": str(unchanged.home)}

    def backlot(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "pipelines.cli", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, check=False)

    injected = backlot("sql", "SELECT 1", "--as-of", "1; DROP TABLE meta.publishes")
    plain = backlot("sql", "SELECT count(*) AS n FROM meta.publishes", "--format", "csv")

    assert (injected.returncode, injected.stdout) == (2, "")
    assert "argument --as-of: invalid int value: '1; DROP TABLE meta.publishes'" in injected.stderr
    assert (plain.returncode, plain.stdout) == (0, "n\n2\n")


def test_what_int_reads_as_a_number_is_only_ever_that_publish_id(
    unchanged: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """Python's int() takes a few spellings of a number: each is that number, and nothing more."""
    budget = "SELECT production_budget_usd FROM film_capital_efficiency WHERE film_id = 'level-zero-2026'"
    spellings = {" 2 ": 2, "+1": 1, "１": 1, "٢": 2, "0_1": 1, "02": 2}
    budgets = {1: "4500000.0", 2: "9000000.0"}

    answered = {}
    for value in spellings:
        code = cli.main(["sql", budget, "--as-of", value, "--format", "csv"])
        answered[value] = (code, capsys.readouterr().out)

    assert answered == {v: (0, f"production_budget_usd\n{budgets[p]}\n") for v, p in spellings.items()}


# --- the BI URL ---------------------------------------------------------------------------------------


def test_the_bi_urls_as_of_takes_a_number_only(unchanged: Settings) -> None:
    for value in ["1; DROP TABLE meta.publishes", "1 OR 1=1", "1'--", "(SELECT 2)", "1 UNION SELECT 1"]:
        with pytest.raises(ValueError, match="invalid literal for int"):  # when the engine reads its URL
            sa.create_engine(f"duckdb+backlot:///{unchanged.home}?as_of={quote(value, safe='')}")
    with sa.create_engine(f"duckdb+backlot:///{unchanged.home}?as_of=1").connect() as con:
        assert con.execute(sa.text("SELECT max(production_budget_usd) FROM film_capital_efficiency")).scalar() == 210e6


def test_a_quote_in_the_bi_urls_data_path_cannot_run_sql(unchanged: Settings, tmp_path: Path) -> None:
    """The URL's `data_path` was pasted into the ATTACH between bare quotes: a `'` ended the string,
    and the rest ran before the connection was locked down (a writable ATTACH, COPY ... TO any
    file). Fixed in `lakehouse.attach_sql`; now the value is only ever a path, here not the lake's.
    """
    pwned = tmp_path / "pwned.txt"
    injected = f"{unchanged.data_path}'); COPY (SELECT 'pwned') TO '{pwned}'; --"
    engine = sa.create_engine(f"duckdb+backlot:///{unchanged.home}?data_path={quote(injected, safe='')}")

    with pytest.raises(sa.exc.DBAPIError, match="DATA_PATH"), engine.connect() as con:
        con.execute(sa.text("SELECT count(*) FROM film_capital_efficiency"))

    assert not pwned.exists()


# --- the dashboard --------------------------------------------------------------------------------------


class Dashboard:
    """Posts callbacks to a running dashboard as its page does, from the callbacks it declares."""

    def __init__(self, child: Child) -> None:
        self.child = child
        with urllib.request.urlopen(f"{child.base_url}/_dash-dependencies", timeout=30) as response:
            self.callbacks = {c["output"]: c for c in json.load(response)}

    def post(self, body: Any) -> tuple[int, str, bytes]:
        request = urllib.request.Request(
            f"{self.child.base_url}/_dash-update-component",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type", ""), error.read()

    def body(self, output: str, values: dict[str, Any]) -> dict[str, Any]:
        """The request the page sends for `output`, with `values` by `id.property` (missing ones: None)."""
        declared = self.callbacks[output]

        def items(specs: list[dict[str, str]]) -> list[dict[str, Any]]:
            return [{**spec, "value": values.get(f"{spec['id']}.{spec['property']}")} for spec in specs]

        ids = [part.rsplit(".", 1) for part in output.strip(".").split("...")]
        outputs = [{"id": i, "property": p} for i, p in ids]
        return {
            "output": output,
            "outputs": outputs if output.startswith("..") else outputs[0],
            "inputs": items(declared["inputs"]),
            "changedPropIds": [f"{s['id']}.{s['property']}" for s in declared["inputs"][:1]],
            "state": items(declared["state"]),
        }

    def call(self, output: str, values: dict[str, Any]) -> Any:
        """The JSON answer to the callback, or None for 204 ('nothing to update')."""
        status, content_type, data = self.post(self.body(output, values))
        assert status in (200, 204), (status, data[:500])
        if status == 204:
            return None
        assert content_type.startswith("application/json"), content_type
        return json.loads(data)


@pytest.fixture(scope="module")
def dashboard(lake: Settings) -> Iterator[Dashboard]:
    """`backlot dashboard` over the module's lake."""
    child = start_backlot(lake.home, ["dashboard"], env={})
    try:
        yield Dashboard(child)
    finally:
        output = child.stop()
    # Not one request of this module failed inside the dashboard.
    assert "Traceback" not in output, output
    assert "dashboard request failed" not in output, output


LEAGUE = "league-content.children"
PICKER = "..publish-picker.options...publish.data...publish-banner.children.."
# Film title cells of the league table (escaped as the table escapes them), by film.
TITLE_CELLS = {
    "level-zero-2026": "<td>Level Zero</td>",
    "bobby-tables": "<td>Robert&#x27;); DROP TABLE lake.meta.publishes; --&lt;script&gt;alert(1)&lt;/script&gt;</td>",
    "dune-x": "<td>Dune X</td>",
}
BY_ROI = ["level-zero-2026", "dune-x", "bobby-tables"]  # publish 2, highest ROI first


def _text(answer: Any) -> str:
    return json.dumps(answer)


def _films_shown(answer: Any) -> list[str]:
    """The films the league table lists, in its order."""
    markup = _text(answer)
    return [
        film for _, film in sorted((markup.find(cell), film) for film, cell in TITLE_CELLS.items() if cell in markup)
    ]


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _nodes(value)


@pytest.mark.usefixtures("unchanged")
def test_the_league_filters_and_sort_only_ever_compare_data(dashboard: Dashboard) -> None:
    filters = {
        ("league-model.value", "indie_digital' OR '1'='1"): [],
        ("league-model.value", "') OR 1=1 --"): [],
        ("league-distributor.value", "Major Pictures'; DROP TABLE lake.meta.publishes; --"): [],
        ("league-distributor.value", "%' OR '%'='"): [],
        # not a year: ignored, as any value the page cannot read; every film is shown
        ("league-year.value", "2026 OR 1=1"): BY_ROI,
        ("league-year.value", "2026); DROP TABLE lake.meta.publishes; --"): BY_ROI,
        # the real values still filter
        ("league-model.value", "indie_digital"): ["level-zero-2026"],
        ("league-distributor.value", "Major Pictures"): ["dune-x", "bobby-tables"],
        ("league-year.value", "2025"): ["bobby-tables"],
    }
    shown = {
        (control, value): _films_shown(dashboard.call(LEAGUE, {control: [value], "publish.data": 2}))
        for control, value in filters
    }
    # Only the listed sort columns are taken; anything else sorts by ROI, and any order but
    # "asc" is highest first.
    sorts = ["roi_multiple; DROP TABLE lake.meta.publishes", "title", "1", "roi_multiple DESC, (SELECT 1)", None, ["x"]]
    sorted_as = {
        str(sort): _films_shown(
            dashboard.call(LEAGUE, {"league-sort.value": sort, "league-order.value": "asc; --", "publish.data": 2})
        )
        for sort in sorts
    }

    assert shown == filters
    assert sorted_as == dict.fromkeys(map(str, sorts), BY_ROI)


@pytest.mark.usefixtures("unchanged")
def test_a_title_that_holds_sql_and_markup_is_shown_as_text(dashboard: Dashboard) -> None:
    """The table is the one place the dashboard sends markup (dcc.Markdown with HTML allowed): every
    value is escaped there. In the chart the title is data, which Plotly draws as text."""
    answer = dashboard.call(LEAGUE, {"publish.data": 2})

    markup = [node["props"]["children"] for node in _nodes(answer) if node.get("type") == "Markdown"]
    assert len(markup) == 1
    assert TITLE_CELLS["bobby-tables"] in markup[0]
    assert "<script" not in markup[0].lower()
    assert _films_shown(answer) == BY_ROI


FILM_INJECTIONS = [
    "' OR '1'='1",
    "level-zero-2026' --",
    "bobby-tables'; DROP TABLE lake.meta.publishes; --",
    "x' UNION SELECT * FROM meta.loads --",
    "level-zero-2026\x00",
]


@pytest.mark.usefixtures("unchanged")
def test_a_film_id_is_bound_as_a_parameter_and_matches_no_film(dashboard: Dashboard) -> None:
    """An injected id answers exactly what an unknown plain id answers: nothing matched it."""
    for page in ("render", "social"):
        output = f"{page}-content.children"
        unknown = _text(dashboard.call(output, {f"{page}-film.value": "no-such-film", "publish.data": 1}))
        known = _text(dashboard.call(output, {f"{page}-film.value": "level-zero-2026", "publish.data": 1}))
        assert unknown != known
        for film in FILM_INJECTIONS:
            injected = _text(dashboard.call(output, {f"{page}-film.value": film, "publish.data": 1}))
            assert injected.replace(json.dumps(film)[1:-1], "no-such-film") == unknown, (page, film)


@pytest.mark.usefixtures("unchanged")
def test_the_publish_picker_only_ever_chooses_a_listed_publish(dashboard: Dashboard) -> None:
    picks: list[tuple[Any, int]] = [
        ("1", 1),
        (1, 1),
        ("2", 2),
        ("latest", 2),
        ("1 OR 1=1", 2),
        ("1; DROP TABLE lake.meta.publishes", 2),
        ("1' --", 2),
        ("(SELECT min(publish_id) FROM meta.publishes)", 2),
        ("99", 2),
        (-1, 2),
        (10**30, 2),
        ({"$ne": 1}, 2),
        ([1], 2),
        (None, 2),
    ]
    chosen = {}
    for picked, _ in picks:
        response = dashboard.call(PICKER, {"publish-picker.value": picked, "publish.data": None})["response"]
        publish = response["publish"]["data"]
        chosen[str(picked)] = (publish, f"Publish {publish}" in _text(response["publish-banner"]))

    assert chosen == {str(picked): (shown, True) for picked, shown in picks}


@pytest.mark.usefixtures("unchanged")
def test_a_publish_id_the_browser_holds_is_only_ever_a_number(dashboard: Dashboard) -> None:
    """The page, the league filters and the film pickers read the publish id from the browser's store."""
    waiting = "Waiting for the first publish"
    for publish, note in [
        ("2; DROP TABLE lake.meta.publishes", waiting),
        ("1 OR 1=1", waiting),
        ([2], waiting),
        (99, "no publish with id 99"),
        (-1, "no publish with id -1"),
        (10**30, f"no publish with id {10**30}"),
    ]:
        page = dashboard.call("page.children", {"url.pathname": "/", "publish.data": publish})
        league = dashboard.call(LEAGUE, {"publish.data": publish})
        film = dashboard.call(
            "render-content.children", {"render-film.value": "level-zero-2026", "publish.data": publish}
        )
        assert note in _text(page), publish
        if isinstance(publish, int):
            assert note in _text(league), publish
            assert note in _text(film), publish
        else:  # not a number: nothing to update
            assert (league, film) == (None, None), publish


MALFORMED = [
    [1, 2],
    "league",
    {"output": "no-such.children", "inputs": [], "state": []},
    {"output": LEAGUE},
    {"output": LEAGUE, "outputs": {"id": "league-content", "property": "children"}, "inputs": "x"},
    {"output": LEAGUE, "outputs": {"id": "league-content", "property": "children"}, "inputs": [1, 2]},
    {"output": LEAGUE, "outputs": {"id": "league-content", "property": "children"}, "inputs": [{"id": "x"}]},
    {"output": "page.children", "outputs": {"id": "page", "property": "children"}, "inputs": [], "state": []},
    {
        "output": "page.children",
        "outputs": 7,
        "inputs": [{"id": "url", "property": "pathname"}, {"id": "publish", "property": "data"}],
    },
    {
        "output": "page.children",
        "outputs": {"id": "page", "property": "children"},
        "inputs": [{"id": "url", "property": "pathname"}, {"id": "publish", "property": "data"}],
        "changedPropIds": 5,
    },
]


@pytest.mark.usefixtures("unchanged")
def test_a_malformed_callback_request_is_a_json_400(dashboard: Dashboard) -> None:
    answers = []
    for body in MALFORMED:
        status, content_type, data = dashboard.post(body)
        answers.append(
            (status, content_type, json.loads(data)["error"] if content_type == "application/json" else data)
        )

    assert answers == [(400, "application/json", "bad_request")] * len(MALFORMED)


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["2026", "²", "9" * 5000, "1; DROP TABLE lake.meta.publishes", "' OR '1'='1", "latest", "/"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
FUZZ_EXAMPLES = 120


@pytest.mark.usefixtures("unchanged")
def test_any_json_in_any_control_never_fails_the_dashboard(dashboard: Dashboard) -> None:
    """Hypothesis puts arbitrary JSON in every input and state of every callback, as a hostile page would."""
    specs = [
        (output, [f"{s['id']}.{s['property']}" for s in c["inputs"] + c["state"]])
        for output, c in sorted(dashboard.callbacks.items())
    ]
    statuses: Counter[int] = Counter()

    @hypothesis.settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,  # nothing timed
        derandomize=True,  # the same requests every run
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        output, keys = data.draw(st.sampled_from(specs), label="callback")
        values = {key: data.draw(_JSON, label=key) for key in keys}
        if data.draw(st.booleans(), label="a real publish"):
            values["publish.data"] = data.draw(st.sampled_from([1, 2]), label="publish")
        status, content_type, body = dashboard.post(dashboard.body(output, values))
        statuses[status] += 1
        assert status in (200, 204), (status, body[:500])
        if status == 200:
            assert content_type.startswith("application/json")
            json.loads(body)

    fuzz()
    print(f"\ndashboard callbacks fuzzed: {sum(statuses.values())} requests, by status {dict(statuses)}")
    assert statuses[200] > 0
