"""Write exports as an insurer's core system delivers them: one folder per batch date holding
the CSV files and a manifest of their row counts and checksums."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from simulator.config import WorldConfig


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_csv(table: pa.Table, path: Path) -> None:
    # DuckDB's writer: fast, quotes only where needed, ISO dates, empty string for null.
    con = duckdb.connect()
    try:
        con.register("export", table)
        con.execute(f"copy export to '{path}' (format csv, header true)")
    finally:
        con.close()


def write_batch(landing_dir: Path, batch_date: date, exports: dict[str, pa.Table]) -> Path:
    batch_dir = landing_dir / batch_date.isoformat()
    batch_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for name, table in exports.items():
        path = batch_dir / f"{name}.csv"
        _write_csv(table, path)
        files.append(
            {
                "file": path.name,
                "rows": table.num_rows,
                "bytes": path.stat().st_size,
                "sha256": _sha256(path),
            }
        )
    manifest = {"batch_date": batch_date.isoformat(), "kind": "full", "files": files}
    (batch_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return batch_dir


def write_truth(truth_dir: Path, tables: dict[str, pa.Table], cfg: WorldConfig) -> None:
    truth_dir.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        _write_csv(table, truth_dir / f"{name}.csv")
    config = {k: str(v) for k, v in dataclasses.asdict(cfg).items()}
    (truth_dir / "world.json").write_text(json.dumps(config, indent=2) + "\n")
