"""SQL macros that read numbers, dates and flags the way public charts print them.

`$1,234,567`, `4,539` and `+15.2%` are numbers; `-`, `n/c`, `N/A` and empty are unknown
(NULL), never zero. Every batch defines them (as TEMP macros) before it is judged; the
sources' own rules may use them too (`title_key`, `slug`).
"""

MACROS = r"""
-- CASE, so the regex runs only on bracketed cells and the list only on short ones that could
-- be a marker: trimmed, every marker is empty or starts with '-', '—', '–' or 'n', so a cell
-- starting with any other printable ASCII character is not one (lower(trim()) copies the
-- cell). list_contains, not IN: DuckDB plans a constant IN-list as a join, once per use per row.
-- A bracketed marker is words as nvidia-smi prints them (`[N/A]`, `[Not Supported]`, `[Unknown
-- Error]`): a capital, then letters, spaces and `/.'-`. A JSON array (`["Horror"]`, `[5000]`,
-- `[]`, `[true]`) is a value, kept as text or quarantined, never silently unknown.
CREATE OR REPLACE TEMP MACRO chart_unknown(s) AS
    CASE WHEN s IS NULL THEN true WHEN contains(s, '[') THEN regexp_full_match(s, '\s*\[[A-Z][A-Za-z /.''-]*\]\s*')
         WHEN length(s) > 6 THEN false
         WHEN ascii(s) BETWEEN 33 AND 127 AND ascii(s) NOT IN (45, 78, 110) THEN false
         ELSE list_contains(['', '-', '--', '—', '–', 'n/c', 'n/a', 'na', 'null', 'none'], lower(trim(s))) END;
-- A text cell: unknown markers become NULL and surrounding spaces go. trim() copies every
-- value, and takes Unicode spaces (no-break, em ...) as well as ' '; a plain-ASCII cell
-- without a space at either end, as most are, is already trimmed and passes as it is.
CREATE OR REPLACE TEMP MACRO chart_text(s) AS
    CASE WHEN chart_unknown(s) THEN NULL
         WHEN strlen(s) = length(s) AND NOT starts_with(s, ' ') AND NOT ends_with(s, ' ') THEN s
         ELSE trim(s) END;
-- NaN, inf and overflowing literals are not numbers a chart prints.
CREATE OR REPLACE TEMP MACRO nullif_nonfinite(x) AS CASE WHEN isfinite(x) THEN x END;
-- Unknown markers fail the cast and come out NULL, so no chart_unknown() here. `$` and `,`
-- are removed from the cells that have them: replace() copies every cell it is given, and
-- plain numbers, as APIs and farm events send them, need no copy. Only a cell that still
-- does not cast is looked at for `%` or spaces (a cast that fails costs as much as one that
-- succeeds).
CREATE OR REPLACE TEMP MACRO chart_number(s) AS
    nullif_nonfinite(coalesce(CASE WHEN contains(s, '$') OR contains(s, ',')
                                   THEN TRY_CAST(replace(replace(s, '$', ''), ',', '') AS DOUBLE)
                                   ELSE TRY_CAST(s AS DOUBLE) END,
                              CASE WHEN contains(s, '%') OR contains(s, ' ')
                                   THEN TRY_CAST(translate(s, '$,% ', '') AS DOUBLE) END));
-- nvidia-smi prints units after numbers (`45 %`, `1139 MiB`); its unknowns are bracketed.
CREATE OR REPLACE TEMP MACRO measure_number(s) AS
    nullif_nonfinite(coalesce(TRY_CAST(s AS DOUBLE), TRY_CAST(
        regexp_extract(s, '^\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*[A-Za-z%/]*\s*$', 1) AS DOUBLE)));
-- The same, but only in `unit` (a regex, escaped) or without one: `80 GiB` is no number of MiB.
CREATE OR REPLACE TEMP MACRO measure_in(s, unit) AS
    nullif_nonfinite(coalesce(TRY_CAST(s AS DOUBLE), TRY_CAST(
        regexp_extract(s, '^\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(?:' || unit || ')?\s*$', 1) AS DOUBLE)));
-- The casts skip surrounding spaces themselves; the patterns do too, rather than trim()
-- copying every value first. They keep out what the casts also accept: `epoch`,
-- `infinity`, `2026-6-1`, `2026-12-3?`. A GLOB, cheaper than a regex, takes the unpadded
-- cells, as most are; only the others meet the regex.
CREATE OR REPLACE TEMP MACRO iso_date(s) AS
    CASE WHEN s GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' OR regexp_full_match(s, ' *\d{4}-\d{2}-\d{2} *')
         THEN TRY_CAST(s AS DATE) END;
CREATE OR REPLACE TEMP MACRO iso_timestamp(s) AS
    -- ISO 8601, or nvidia-smi's `2026/11/24 23:57:28.661` (UTC)
    CASE WHEN s GLOB '[0-9][0-9][0-9][0-9][-/][0-9][0-9][-/][0-9][0-9]*'
              OR regexp_matches(s, '^ *\d{4}[-/]\d{2}[-/]\d{2}')
         THEN TRY_CAST(s AS TIMESTAMPTZ) END;
-- DuckDB's own cast accepts exactly true/t/yes/y/1 and false/f/no/n/0, in any case.
CREATE OR REPLACE TEMP MACRO chart_boolean(s) AS coalesce(TRY_CAST(s AS BOOLEAN), TRY_CAST(trim(s) AS BOOLEAN));
-- The film-matching key, as dbt's `title_key` macro computes it (a test holds them equal).
CREATE OR REPLACE TEMP MACRO title_key(s) AS regexp_replace(lower(s), '[^a-z0-9]+', '', 'g');
CREATE OR REPLACE TEMP MACRO slug(s) AS trim(regexp_replace(lower(s), '[^a-z0-9]+', '-', 'g'), '-');
"""
