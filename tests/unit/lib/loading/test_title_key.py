"""The film-matching key is one rule: the loader's `title_key` macro and dbt's give the same key for every title."""

from __future__ import annotations

from pathlib import Path

import duckdb
import jinja2

from pipelines.lib.loading.macros import MACROS
from pipelines.sample_data.box_office import seed_box_office
from pipelines.settings import DBT_PROJECT_DIR

# Titles the tests and the sample data use, and the shapes charts print them in.
TITLES = [
    "Level Zero",
    "LEVEL ZERO!",
    "level zero",
    "  The Man Who Fell: Redux!  ",
    "Dune X",
    "Starfall Legacy",
    "Nonexistent Film",
    "Rust Valley",
    "Amélie",
    "Star Wars: Episode IV – A New Hope",
    "Se7en",
    "9",
    "",
    "!!!",
    "Mr. & Mrs. Smith",
    "Crouching Tiger, Hidden Dragon",
]


def _dbt_title_key() -> str:
    """dbt's `title_key` macro, rendered by Jinja as dbt renders it, for the column `title`."""
    macro = (DBT_PROJECT_DIR / "macros" / "title_key.sql").read_text()
    return str(jinja2.Environment().from_string(macro).module.title_key("title")).strip()  # type: ignore[attr-defined]


def test_the_loader_and_dbt_compute_the_same_title_key(tmp_path: Path) -> None:
    seed_box_office(tmp_path / "landing")
    con = duckdb.connect()
    con.execute(MACROS)
    con.execute("CREATE TABLE titles (title VARCHAR)")
    con.executemany("INSERT INTO titles VALUES (?)", [[t] for t in [*TITLES, None]])
    for path in (tmp_path / "landing").rglob("*.csv"):  # every title the sample charts and catalog print
        relation = con.sql(f"SELECT * FROM read_csv('{path}', all_varchar = true)")
        if "title" in relation.columns:
            con.execute(f"INSERT INTO titles SELECT title FROM read_csv('{path}', all_varchar = true)")

    differing = con.execute(
        f"SELECT title, title_key(title), {_dbt_title_key()} FROM titles "
        f"WHERE title_key(title) IS DISTINCT FROM {_dbt_title_key()}"
    ).fetchall()

    assert con.execute("SELECT count(DISTINCT title) FROM titles").fetchone()[0] > 30  # type: ignore[index]
    assert differing == []
