"""One read of a delivered file's bytes (lifecrm/ingest/file_scan.py): its checksum, its lines,
whether it is UTF-8 and where a NUL byte is, across the reader's chunk boundaries."""

from __future__ import annotations

import codecs
import hashlib

import pytest

from lifecrm.ingest import file_scan
from lifecrm.ingest.file_scan import scan


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(file_scan, "CHUNK", 7)  # every test crosses chunk boundaries


@pytest.mark.parametrize(
    ("data", "lines"),
    [(b"", 0), (b"a,b\n", 1), (b"a,b\n1,2", 2), (b"a,b\n1,2\n", 2), (b"a,b\r\n1,2\r\n", 2)],
)
def test_lines_and_checksum(tmp_path, small_chunks, data, lines):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    scanned = scan(path)
    assert scanned.sha256 == hashlib.sha256(data).hexdigest()
    assert scanned.lines == lines
    assert scanned.is_utf8 and scanned.nul_at is None and not scanned.bom


def test_a_character_split_across_chunks_is_utf8(tmp_path, small_chunks):
    data = ("id,name\n" + "1,陳志明\n" * 5).encode("utf-8")  # 3-byte characters, 7-byte chunks
    path = tmp_path / "f.csv"
    path.write_bytes(codecs.BOM_UTF8 + data)
    scanned = scan(path)
    assert scanned.is_utf8 and scanned.bom and scanned.lines == 6


def test_big5_is_not_utf8_and_the_first_bad_byte_is_named(tmp_path, small_chunks):
    prefix = b"id,name\n1,ok\n"
    path = tmp_path / "f.csv"
    path.write_bytes(prefix + "2,陳志明\n".encode("cp950"))
    scanned = scan(path)
    assert scanned.utf8_error_at == len(prefix) + 2


def test_a_truncated_character_at_the_end_is_not_utf8(tmp_path, small_chunks):
    path = tmp_path / "f.csv"
    path.write_bytes(b"id\n" + "陳".encode()[:2])
    assert scan(path).utf8_error_at == 3


def test_a_nul_byte_is_found_with_its_line(tmp_path, small_chunks):
    path = tmp_path / "f.csv"
    path.write_bytes(b"id,name\n1,a\n2,b\x00c\n")
    assert scan(path).nul_at == (15, 3)
