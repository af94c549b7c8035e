"""Text encodings of delivered files: UTF-8 (with or without a byte-order mark) is read as it is;
a legacy system's Big5 (cp950) file is transcoded to UTF-8 first; anything else is refused."""

from __future__ import annotations

import codecs
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lifecrm.ingest.landing import LandingError

CHUNK = 1 << 20
FALLBACKS = ("cp950",)  # Big5 as Taiwanese systems write it


def _decodes(path: Path, encoding: str) -> tuple[bool, int]:
    """Whether the whole file decodes, and if not, the byte offset where it fails. A NUL byte is
    no text in any encoding a source may use: the file is refused, naming its line."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset, lines = 0, 1
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            nul = chunk.find(b"\x00")
            if nul >= 0 and not encoding.startswith("utf-16"):
                line = lines + chunk.count(b"\n", 0, nul)
                raise LandingError(
                    f"{path}: a NUL byte at offset {offset + nul} (line {line}): not text; "
                    "refusing the file"
                )
            lines += chunk.count(b"\n")
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return False, offset + exc.start
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return False, offset + exc.start
    return True, -1


@contextmanager
def utf8_copy(path: Path) -> Iterator[tuple[Path, str]]:
    """The file itself if it is UTF-8, else a transcoded temporary copy; with the encoding found."""
    ok, bad_at = _decodes(path, "utf-8")
    if ok:
        with path.open("rb") as handle:
            bom = handle.read(3) == codecs.BOM_UTF8
        yield path, "utf-8-sig" if bom else "utf-8"
        return
    for encoding in FALLBACKS:
        if _decodes(path, encoding)[0]:
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
