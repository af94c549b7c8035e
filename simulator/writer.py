"""Write a batch as an insurer's core system delivers it: one folder per batch date holding the
CSV exports (streamed block by block) and a manifest of their row counts and checksums."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.defects import Defect

MANIFEST = "manifest.json"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def to_arrow(columns: dict[str, np.ndarray]) -> pa.Table:
    """Text columns as an Arrow table; empty text becomes null, which the CSV shows as empty."""
    arrays = {}
    for name, values in columns.items():
        array = pa.array(values, type=pa.string())
        arrays[name] = pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)
    return pa.table(arrays)


class BatchWriter:
    """Appends tables to the batch's CSV files and tracks each record's line for the truth."""

    def __init__(self, folder: Path, batch_date: date, kind: str, root: Path) -> None:
        self.dir, self.root = folder, root  # file names in the defect list are relative to root
        self.dir.mkdir(parents=True, exist_ok=True)
        self.batch_date, self.kind = batch_date, kind
        self.rows: dict[str, int] = {}
        self.next_line: dict[str, int] = {}
        self.defects: list[dict] = []
        self._con = duckdb.connect()

    def path(self, export: str) -> Path:
        return self.dir / f"{export}.csv"

    def write(self, export: str, table: pa.Table, defects: list[Defect] = ()) -> None:
        path = self.path(export)
        if export not in self.rows:
            path.write_text(",".join(table.column_names) + "\n", encoding="utf-8")
            self.rows[export], self.next_line[export] = 0, 2
        # The physical line of each record: one line each, plus any line breaks inside fields.
        breaks = np.zeros(table.num_rows, dtype=np.int64)
        for column in table.columns:
            breaks += pc.fill_null(pc.count_substring(column, "\n"), 0).to_numpy(
                zero_copy_only=False
            )
        lines = self.next_line[export] + np.concatenate([[0], np.cumsum(1 + breaks)[:-1]]).astype(
            np.int64
        )
        for defect in defects:
            record = asdict(defect)
            record["file"] = str(path.relative_to(self.root))
            record["line"] = int(lines[defect.row]) if defect.row >= 0 else -1
            record["row"] = self.rows[export] + defect.row if defect.row >= 0 else -1
            self.defects.append(record)
        if table.num_rows:
            part = self.dir / f".{export}.part"
            self._con.register("chunk", table)
            self._con.execute(f"copy chunk to '{part}' (format csv, header false)")
            self._con.unregister("chunk")
            with path.open("ab") as out, part.open("rb") as chunk:
                out.write(chunk.read())
            part.unlink()
        self.rows[export] += table.num_rows
        self.next_line[export] += int(table.num_rows + breaks.sum())

    def add_file_defects(self, defects: list[Defect]) -> None:
        for defect in defects:
            record = asdict(defect)
            record["file"] = str(self.path(defect.export).relative_to(self.root))
            record["line"] = self.next_line[defect.export] - 1 if defect.row >= 0 else -1
            self.defects.append(record)

    def close(self, manifest: bool = True) -> Path:
        self._con.close()
        if not manifest:
            return self.dir
        files = [
            {
                "file": self.path(export).name,
                "rows": rows,
                "bytes": self.path(export).stat().st_size,
                "sha256": sha256_of(self.path(export)),
            }
            for export, rows in self.rows.items()
        ]
        manifest = {"batch_date": self.batch_date.isoformat(), "kind": self.kind, "files": files}
        (self.dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        return self.dir
