"""One read of a delivered file's bytes for everything the loader must know before DuckDB reads
it: its sha256 (against the manifest), whether it is UTF-8, where a NUL byte is, and how many
physical lines it has (when they are the records plus the header, no record spans lines and
no line map is needed). Reading the bytes once is most of what this costs."""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20


@dataclass(frozen=True)
class FileScan:
    sha256: str
    lines: int  # physical lines; a last line without a line break counts
    bom: bool  # starts with UTF-8's byte-order mark
    utf8_error_at: int | None = None  # offset of the first byte that is not UTF-8
    nul_at: tuple[int, int] | None = None  # (offset, line) of the first NUL byte

    @property
    def is_utf8(self) -> bool:
        return self.utf8_error_at is None


def scan(path: Path) -> FileScan:
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset, newlines, last, first = 0, 0, b"", b""
    utf8_error_at = nul_at = None
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
            if nul_at is None and (nul := chunk.find(b"\x00")) >= 0:
                nul_at = (offset + nul, newlines + chunk.count(b"\n", 0, nul) + 1)
            newlines += chunk.count(b"\n")
            pending = len(decoder.getstate()[0])  # bytes of a character the chunk before began
            if utf8_error_at is None and not (chunk.isascii() and not pending):
                try:  # ASCII needs no decoding, unless a character began in the chunk before
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:  # its offsets count the pending bytes too
                    utf8_error_at = offset - pending + exc.start
            first = first or chunk[:3]
            last = chunk[-1:]
            offset += len(chunk)
    if utf8_error_at is None:
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            utf8_error_at = offset - pending + exc.start
    lines = newlines + (1 if last not in (b"", b"\n") else 0)
    return FileScan(digest.hexdigest(), lines, first == codecs.BOM_UTF8, utf8_error_at, nul_at)
