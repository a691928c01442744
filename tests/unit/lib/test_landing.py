"""The landing zone: what counts as a pending file, atomic delivery, archiving (CONTRACTS.md §2)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from pipelines.lib import landing


def test_pending_files_skip_temp_partial_hidden_files_and_folders(tmp_path: Path) -> None:
    for name in ("films.csv", "films.csv.tmp", "films.csv.part", ".films.csv", ".DS_Store", "update.jsonl"):
        (tmp_path / name).write_text("title\n")
    (tmp_path / landing.ARCHIVE).mkdir()
    (tmp_path / landing.ARCHIVE / "old.csv").write_text("title\n")
    (tmp_path / "subfolder").mkdir()

    assert sorted(f.name for f in landing.pending_files(tmp_path)) == ["films.csv", "update.jsonl"]


def test_pending_files_carry_content_hash_and_size_oldest_first(tmp_path: Path) -> None:
    contents = {"b_newest.csv": b"3\n", "a_middle.csv": b"22\n", "c_oldest.csv": b"111\n"}
    for age, (name, content) in enumerate(contents.items()):
        path = tmp_path / name
        path.write_bytes(content)
        os.utime(path, ns=(1_700_000_000_000_000_000 - age * 10**9,) * 2)

    files = landing.pending_files(tmp_path)

    assert [f.name for f in files] == ["c_oldest.csv", "a_middle.csv", "b_newest.csv"]
    for file in files:
        assert file.sha256 == hashlib.sha256(contents[file.name]).hexdigest()
        assert file.size == len(contents[file.name])


def test_a_missing_source_folder_has_nothing_pending(tmp_path: Path) -> None:
    assert landing.pending_files(tmp_path / "never_created") == []


def test_deliver_returns_the_final_path_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    source_dir = tmp_path / "landing" / "films"

    target = landing.deliver(source_dir, "films.csv", b"title\nLevel Zero\n")

    assert target == source_dir / "films.csv"
    assert target.read_bytes() == b"title\nLevel Zero\n"
    assert [p.name for p in source_dir.iterdir()] == ["films.csv"]


def test_deliver_copies_a_file_and_replaces_an_older_delivery_of_the_same_name(tmp_path: Path) -> None:
    source_dir = tmp_path / "films"
    original = tmp_path / "catalog.csv"
    original.write_bytes(b"title\nfirst\n")
    landing.deliver(source_dir, "catalog.csv", original)
    original.write_bytes(b"title\ncorrected\n")

    target = landing.deliver(source_dir, "catalog.csv", original)

    assert target.read_bytes() == b"title\ncorrected\n"
    assert [p.name for p in source_dir.iterdir()] == ["catalog.csv"]


def test_a_failed_delivery_leaves_nothing_behind(tmp_path: Path) -> None:
    source_dir = tmp_path / "films"

    with pytest.raises(FileNotFoundError):
        landing.deliver(source_dir, "films.csv", tmp_path / "does_not_exist.csv")

    assert list(source_dir.iterdir()) == []


def test_archive_keeps_every_version_of_a_name_by_content(tmp_path: Path) -> None:
    first = landing.deliver(tmp_path, "catalog.csv", b"v1\n")
    [pending] = landing.pending_files(tmp_path)
    archived_first = landing.archive(pending)
    landing.deliver(tmp_path, "catalog.csv", b"v2\n")
    [pending] = landing.pending_files(tmp_path)
    archived_second = landing.archive(pending)

    assert not first.exists()
    assert landing.pending_files(tmp_path) == []
    assert archived_first.parent == archived_second.parent == tmp_path / landing.ARCHIVE
    digest = hashlib.sha256(b"v1\n").hexdigest()
    assert archived_first.name == f"{digest[:16]}__catalog.csv"
    assert (archived_first.read_bytes(), archived_second.read_bytes()) == (b"v1\n", b"v2\n")


def test_lines_are_counted_as_a_reader_numbers_them(tmp_path: Path) -> None:
    for name, content, lines in [
        ("a.csv", b"h\n1\n\n2\n", 4),
        ("b.csv", b"h\n1", 2),
        ("c.csv", b"h\r\n1\r\n", 2),
        ("d.csv", b"h\n1\n", 2),
    ]:
        (tmp_path / name).write_bytes(content)
        (file,) = [f for f in landing.pending_files(tmp_path) if f.name == name]
        assert file.lines == lines, name


def test_the_longest_line_is_bounded_from_above_within_a_chunk(tmp_path: Path) -> None:
    chunk = landing.CHUNK
    for name, lines in [
        ("short.jsonl", [b"x" * 10] * 5),
        ("long-middle.jsonl", [b"a", b"x" * (3 * chunk + 7), b"b"]),
        ("across.jsonl", [b"x" * (chunk - 5), b"y" * (chunk // 2), b"z" * 9]),
        ("no-final-newline.jsonl", [b"a", b"x" * (2 * chunk)]),
    ]:
        content = b"\n".join(lines) + (b"" if name.startswith("no-final") else b"\n")
        (tmp_path / name).write_bytes(content)
        (file,) = [f for f in landing.pending_files(tmp_path) if f.name == name]
        longest = max(map(len, lines))
        assert longest <= file.longest_line <= max(longest, chunk), name


@pytest.mark.parametrize(("byte", "odd"), [(b"\r", True), (b"\x0b", True), (b"\x0c", True), (b"\t", False)])
def test_carriage_returns_and_vertical_whitespace_are_noticed(tmp_path: Path, byte: bytes, odd: bool) -> None:
    (tmp_path / "f.jsonl").write_bytes(b"{}\n" * 100_000 + byte + b"{}\n")
    (file,) = landing.pending_files(tmp_path)
    assert file.odd_whitespace is odd
