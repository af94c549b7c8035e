"""Generate a world and deliver it as a core system would: the initial full extract as of `end`,
then, call by call, the daily delta batches that follow; with the ground truth beside them in
`truth/` (which the pipeline never reads)."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from simulator import crm, people
from simulator.calibration import calibrate
from simulator.config import WorldConfig
from simulator.core import Parameters, simulate_block
from simulator.defects import (
    DefectRates,
    encode_big5,
    plant_row_defects,
    rename_column,
    truncate_last_line,
)
from simulator.delivery import daily_delta, initial_extract
from simulator.exports import as_text_columns, block_exports, global_exports
from simulator.ids import block_rng
from simulator.truth import block_truth
from simulator.writer import BatchWriter, to_arrow

WORLD_FILE = "world.json"
BIG5_EXPORT = "agents"  # the agency system is a legacy one
TRUNCATED_EXPORT = "interactions"
DRIFT = ("premium_payments", "amount_paid_twd", "amount_paid")  # renamed in the first daily batch
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _setup(cfg: WorldConfig) -> tuple[dict, dict]:
    agents = people.make_agents(block_rng(cfg.seed, 0, "agents"), cfg)
    campaigns = crm.campaigns_table(cfg, block_rng(cfg.seed, 0, "campaigns"))
    return agents, campaigns


def _write_batch(
    writer, tables: dict[str, dict], rates: DefectRates, rng, batch_date: date, cut, drift=None
) -> None:
    texts = {}
    for name, table in tables.items():
        rows = cut(name, table)
        if rows is not None:
            texts[name] = to_arrow(as_text_columns(rows))
    texts, defects = plant_row_defects(texts, rates, rng, batch_date)
    if drift is not None and drift[0] in texts:
        texts[drift[0]], renamed = rename_column(texts[drift[0]], *drift)
        defects = [*defects, *renamed]
    for name, table in texts.items():
        writer.write(name, table, [d for d in defects if d.export == name])


def _deliver(
    cfg,
    params,
    agents,
    campaigns,
    writer,
    rates,
    salt: str,
    *,
    cut,
    label: str,
    progress,
    drift=None,
    on_block=None,
) -> None:
    """Write one batch: the global exports, then each block's, cut to what the batch shows."""
    day = writer.batch_date
    _write_batch(writer, global_exports(cfg, agents, campaigns, params), rates,
                 block_rng(cfg.seed, 0, salt), day, cut)  # fmt: skip
    blocks = cfg.blocks
    for index in range(blocks):
        progress(label, index, blocks)
        sim = simulate_block(index, cfg, agents, campaigns, params)
        exports, vendor_truth = block_exports(sim)
        _write_batch(writer, exports, rates, block_rng(cfg.seed, index, salt), day, cut, drift)
        if on_block is not None:
            on_block(sim, vendor_truth)
    progress(label, blocks, blocks)


def generate_world(
    cfg: WorldConfig,
    data_dir: Path,
    rates: DefectRates | None = None,
    progress: Callable[..., None] = lambda *_: None,
) -> Path:
    """Write the initial full extract (batch `cfg.end`) and the truth; returns the batch folder."""
    rates = DefectRates() if rates is None else rates
    landing, truth_dir = data_dir / "landing", data_dir / "truth"
    agents, campaigns = _setup(cfg)
    progress("calibrating to the paper's figures")
    params, report = calibrate(cfg, agents, campaigns)
    end = np.datetime64(cfg.end, "D")
    writer = BatchWriter(landing / cfg.end.isoformat(), cfg.end, "full", data_dir)
    truth = BatchWriter(truth_dir, cfg.end, "truth", data_dir)

    def write_truth(sim, vendor_truth) -> None:
        for name, table in {**block_truth(sim, params, campaigns), **vendor_truth}.items():
            truth.write(name, to_arrow(as_text_columns(table)))

    _deliver(
        cfg, params, agents, campaigns, writer, rates, "defects",
        cut=lambda name, table: initial_extract(name, table, end),
        label="simulating and writing", progress=progress, on_block=write_truth,
    )  # fmt: skip
    truth.write("campaign_uplift", to_arrow(as_text_columns(crm.campaign_uplift_truth(campaigns))))
    if rates != DefectRates.none():
        writer.add_file_defects(
            truncate_last_line(
                writer.path(TRUNCATED_EXPORT), TRUNCATED_EXPORT, writer.rows[TRUNCATED_EXPORT]
            )
        )
        writer.add_file_defects(encode_big5(writer.path(BIG5_EXPORT), BIG5_EXPORT))
    batch = writer.close()
    _write_defects(truth_dir, writer.defects, append=False)
    truth.close(manifest=False)
    world = {
        "config": {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(cfg).items()},
        "parameters": asdict(params),
        "calibration": report,
        "defect_rates": asdict(rates),
    }
    (truth_dir / WORLD_FILE).write_text(json.dumps(world, indent=2) + "\n")
    return batch


def _write_defects(truth_dir: Path, defects: list[dict], append: bool) -> None:
    path = truth_dir / "defects.csv"
    columns = ["file", "line", "row", "column", "kind", "repairable", "export", "detail"]
    new = not append or not path.exists()
    with path.open("a" if append else "w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, columns)
        if new:
            out.writeheader()
        for record in defects:
            out.writerow({key: record.get(key, "") for key in columns})


def load_world(data_dir: Path) -> tuple[WorldConfig, Parameters, DefectRates]:
    path = data_dir / "truth" / WORLD_FILE
    if not path.is_file():
        raise ValueError(f"{path} not found: generate a world first (without --next-day)")
    world = json.loads(path.read_text())
    cfg = WorldConfig(
        **{
            k: date.fromisoformat(v) if k in ("start", "end") else v
            for k, v in world["config"].items()
        }
    )
    return cfg, Parameters(**world["parameters"]), DefectRates(**world["defect_rates"])


def generate_next_day(data_dir: Path, progress: Callable[..., None] = lambda *_: None) -> Path:
    """Write the daily delta batch for the day after the newest batch in the landing folder."""
    cfg, params, rates = load_world(data_dir)
    landing = data_dir / "landing"
    dates = sorted(  # a later delivery of a day (2026-01-01.2) is no new day
        date.fromisoformat(p.name) for p in landing.iterdir() if DAY.fullmatch(p.name)
    )
    day = dates[-1] + timedelta(days=1)
    if day > cfg.horizon_end:
        raise ValueError(f"the world is simulated up to {cfg.horizon_end}; no batch for {day}")
    agents, campaigns = _setup(cfg)
    stamp = np.datetime64(day, "D")
    writer = BatchWriter(landing / day.isoformat(), day, "delta", data_dir)

    # schema drift: the billing system renames a column in the first daily batch
    drifts = day == cfg.end + timedelta(days=1) and rates != DefectRates.none()
    _deliver(
        cfg, params, agents, campaigns, writer, rates, f"defects-{day.isoformat()}",
        cut=lambda name, table: daily_delta(name, table, stamp),
        label=f"writing the batch of {day}", progress=progress, drift=DRIFT if drifts else None,
    )  # fmt: skip
    batch = writer.close()
    _write_defects(data_dir / "truth", writer.defects, append=True)
    return batch


def generate_resend(
    data_dir: Path, file: str, progress: Callable[..., None] = lambda *_: None
) -> Path:
    """Re-send one delivered file corrected, as the source system does once told its file was
    refused: `<day>/<export>.csv` again, without the schema drift, as the next delivery of that
    day (`<day>.2/`, then `.3`, ...) with a manifest of its own. Its row defects are planted
    afresh (a source fixes what it was told about, not everything) and listed in the truth."""
    cfg, params, rates = load_world(data_dir)
    landing = data_dir / "landing"
    batch, _, name = file.partition("/")
    export = name.removesuffix(".csv")
    original = landing / batch / name
    if not DAY.fullmatch(batch[:10]) or not name.endswith(".csv") or not original.is_file():
        raise ValueError(f"no delivered file {file} in {landing} (expected <day>/<export>.csv)")
    day = date.fromisoformat(batch[:10])
    deliveries = [p.name for p in landing.iterdir() if p.name.startswith(f"{day.isoformat()}.")]
    folder = landing / f"{day.isoformat()}.{len(deliveries) + 2}"
    kind = "full" if day == cfg.end else "delta"
    agents, campaigns = _setup(cfg)
    stamp = np.datetime64(day, "D")
    cut_day = initial_extract if kind == "full" else daily_delta
    writer = BatchWriter(folder, day, kind, data_dir)
    _deliver(
        cfg, params, agents, campaigns, writer, rates, f"resend-{folder.name}",
        cut=lambda n, table: cut_day(n, table, stamp) if n == export else None,
        label=f"re-sending {file}", progress=progress,
    )  # fmt: skip
    if export not in writer.rows:
        raise ValueError(f"{file}: the source has no rows of {export} to re-send for {day}")
    batch_dir = writer.close()
    _write_defects(data_dir / "truth", writer.defects, append=True)
    return batch_dir
