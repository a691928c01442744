"""Bad input, generated and hand-made, through the real loader: it never raises, never loses a row.

`test_bad_input.py` generates files for every source (Hypothesis), `test_seed_corpus.py`
loads the hand-made files of `tests/fixtures/corpus/<source>/` every time, and
`test_schema_drift.py` says what a file whose columns changed gets; `test_scan_encoding.py`
holds the landing scan's account of a file's encoding to Python's. `oracle.py` holds the
properties every loaded batch must have; `inputs.py` the generators.
"""
