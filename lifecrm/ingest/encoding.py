"""Text encodings of delivered files: UTF-8 (with or without a byte-order mark) is read as it is;
a legacy system's Big5 (cp950) file is transcoded to UTF-8 first; anything else is refused."""

from __future__ import annotations

import codecs
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lifecrm.ingest.file_scan import FileScan, scan
from lifecrm.ingest.landing import LandingError

CHUNK = 1 << 20
FALLBACKS = ("cp950",)  # Big5 as Taiwanese systems write it


def _decodes(path: Path, encoding: str) -> bool:
    """Whether the whole file decodes in `encoding` (read only for a file that is not UTF-8)."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    with path.open("rb") as handle:
        try:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


@contextmanager
def utf8_copy(path: Path, scanned: FileScan | None = None) -> Iterator[tuple[Path, str]]:
    """The file itself if it is UTF-8, else a transcoded temporary copy; with the encoding found.
    `scanned`: the file's scan when the landing folder has read it already (its bytes are then
    not read again for a UTF-8 file)."""
    scanned = scanned or scan(path)
    if scanned.nul_at is not None:
        offset, line = scanned.nul_at
        raise LandingError(
            f"{path}: a NUL byte at offset {offset} (line {line}): not text; refusing the file"
        )
    if scanned.is_utf8:
        yield path, "utf-8-sig" if scanned.bom else "utf-8"
        return
    bad_at = scanned.utf8_error_at
    for encoding in FALLBACKS:
        if _decodes(path, encoding):
            with tempfile.TemporaryDirectory(prefix="lifecrm-transcode-") as tmp:
                copy = Path(tmp) / path.name
                with (
                    path.open("r", encoding=encoding, newline="") as src,
                    copy.open("w", encoding="utf-8", newline="") as dst,
                ):
                    for text in iter(lambda: src.read(CHUNK), ""):
                        dst.write(text)
                yield copy, encoding
            return
    raise LandingError(
        f"{path}: not UTF-8 (invalid byte at offset {bad_at}) nor {', '.join(FALLBACKS)}; "
        "cannot decode it: refusing the file"
    )
