"""The landing zone: what is waiting, atomic delivery that never overwrites, claims, archiving."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from pipelines.lib import landing


def _names(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def test_waiting_files_skip_temp_partial_hidden_files_and_folders(tmp_path: Path) -> None:
    for name in ("films.csv", "films.csv.tmp", "films.csv.part", ".films.csv", ".DS_Store", "update.jsonl"):
        (tmp_path / name).write_text("title\n")
    (tmp_path / landing.ARCHIVE).mkdir()
    (tmp_path / landing.ARCHIVE / "old.csv").write_text("title\n")
    (tmp_path / "subfolder").mkdir()

    assert sorted(_names(landing.waiting_paths(tmp_path))) == ["films.csv", "update.jsonl"]


def test_claimed_files_carry_content_hash_and_size_oldest_first(tmp_path: Path) -> None:
    contents = {"b_newest.csv": b"3\n", "a_middle.csv": b"22\n", "c_oldest.csv": b"111\n"}
    for age, (name, content) in enumerate(contents.items()):
        path = tmp_path / name
        path.write_bytes(content)
        os.utime(path, ns=(1_700_000_000_000_000_000 - age * 10**9,) * 2)

    with landing.claim(tmp_path) as claimed:
        files = claimed.files

    assert [f.name for f in files] == ["c_oldest.csv", "a_middle.csv", "b_newest.csv"]
    for file in files:
        assert file.sha256 == hashlib.sha256(contents[file.name]).hexdigest()
        assert file.size == len(contents[file.name])
        assert file.path.parent.parent == tmp_path / landing.QUEUE  # read from the claim's own folder


def test_a_missing_source_folder_has_nothing_waiting(tmp_path: Path) -> None:
    assert landing.waiting_paths(tmp_path / "never_created") == []


def test_deliver_returns_the_final_path_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    source_dir = tmp_path / "landing" / "films"

    target = landing.deliver(source_dir, "films.csv", b"title\nLevel Zero\n")

    assert target == source_dir / "films.csv"
    assert target.read_bytes() == b"title\nLevel Zero\n"
    assert [p.name for p in source_dir.iterdir()] == ["films.csv"]


def test_a_second_delivery_under_a_waiting_name_never_replaces_the_first(tmp_path: Path) -> None:
    source_dir = tmp_path / "films"
    original = tmp_path / "catalog.csv"
    original.write_bytes(b"title\nfirst\n")
    landing.deliver(source_dir, "catalog.csv", original)
    original.write_bytes(b"title\ncorrected\n")

    target = landing.deliver(source_dir, "catalog.csv", original)

    assert target.read_bytes() == b"title\ncorrected\n"
    waiting = landing.waiting_paths(source_dir)
    assert _names(waiting) == ["catalog.csv", "catalog.csv"]
    assert [p.read_bytes() for p in waiting] == [b"title\nfirst\n", b"title\ncorrected\n"]  # oldest first


def test_a_failed_delivery_leaves_nothing_behind(tmp_path: Path) -> None:
    source_dir = tmp_path / "films"

    with pytest.raises(FileNotFoundError):
        landing.deliver(source_dir, "films.csv", tmp_path / "does_not_exist.csv")

    assert list(source_dir.iterdir()) == []


def test_a_delivery_during_a_claim_is_left_for_the_next_one(tmp_path: Path) -> None:
    landing.deliver(tmp_path, "today.csv", b"v1\n")
    with landing.claim(tmp_path) as claimed:
        landing.deliver(tmp_path, "today.csv", b"v2\n")  # the collector rewrites today's file mid-batch
        assert [f.path.read_bytes() for f in claimed.files] == [b"v1\n"]  # the bytes it hashed
        claimed.archive()

    with landing.claim(tmp_path) as claimed:
        assert [f.path.read_bytes() for f in claimed.files] == [b"v2\n"]


def test_files_stay_queued_until_a_batch_archives_them(tmp_path: Path) -> None:
    landing.deliver(tmp_path, "a.csv", b"a\n")
    with landing.claim(tmp_path) as claimed:
        assert _names([f.path for f in claimed.files]) == ["a.csv"]  # not archived: e.g. its check failed

    assert _names(landing.waiting_paths(tmp_path)) == ["a.csv"]
    landing.deliver(tmp_path, "b.csv", b"b\n")
    with landing.claim(tmp_path) as claimed:
        assert _names([f.path for f in claimed.files]) == ["a.csv", "b.csv"]
        claimed.archive()
    assert landing.waiting_paths(tmp_path) == []
    assert not any((tmp_path / landing.QUEUE).iterdir())


def test_archive_keeps_every_version_of_a_name_by_content(tmp_path: Path) -> None:
    for content in (b"v1\n", b"v2\n"):
        landing.deliver(tmp_path, "catalog.csv", content)
        with landing.claim(tmp_path) as claimed:
            claimed.archive()

    assert landing.waiting_paths(tmp_path) == []
    archived = sorted((tmp_path / landing.ARCHIVE).iterdir(), key=lambda p: p.stat().st_mtime_ns)
    digest = hashlib.sha256(b"v1\n").hexdigest()
    assert archived[0].name == f"{digest[:16]}__catalog.csv"
    assert [p.read_bytes() for p in archived] == [b"v1\n", b"v2\n"]


def _scanned(tmp_path: Path, name: str, content: bytes) -> landing.LandedFile:
    path = tmp_path / name
    path.write_bytes(content)
    return landing.scan(path)


def test_lines_are_counted_as_a_reader_numbers_them(tmp_path: Path) -> None:
    for name, content, lines in [
        ("a.csv", b"h\n1\n\n2\n", 4),
        ("b.csv", b"h\n1", 2),
        ("c.csv", b"h\r\n1\r\n", 2),
        ("d.csv", b"h\n1\n", 2),
    ]:
        assert _scanned(tmp_path, name, content).lines == lines, name


def test_the_longest_line_is_bounded_from_above_within_a_chunk(tmp_path: Path) -> None:
    chunk = landing.CHUNK
    for name, lines in [
        ("short.jsonl", [b"x" * 10] * 5),
        ("long-middle.jsonl", [b"a", b"x" * (3 * chunk + 7), b"b"]),
        ("across.jsonl", [b"x" * (chunk - 5), b"y" * (chunk // 2), b"z" * 9]),
        ("no-final-newline.jsonl", [b"a", b"x" * (2 * chunk)]),
    ]:
        content = b"\n".join(lines) + (b"" if name.startswith("no-final") else b"\n")
        file = _scanned(tmp_path, name, content)
        longest = max(map(len, lines))
        assert longest <= file.longest_line <= max(longest, chunk), name


@pytest.mark.parametrize(("byte", "odd"), [(b"\r", True), (b"\x0b", True), (b"\x0c", True), (b"\t", False)])
def test_carriage_returns_and_vertical_whitespace_are_noticed(tmp_path: Path, byte: bytes, odd: bool) -> None:
    assert _scanned(tmp_path, "f.jsonl", b"{}\n" * 100_000 + byte + b"{}\n").odd_whitespace is odd
