"""`make bench`: time and peak memory of the simulator and the pipeline, printed as a table.

    python benchmarks/run.py [--sizes 50000,200000] [--pipeline-customers 50000]

Each measurement runs the real `lifecrm` command in a fresh temporary data directory, in its own
process, so its peak resident memory is its own. The largest world is ingested phase by phase,
then run whole, then each model is trained and scored again on its own. The pipeline world's
models are also printed beside the simulator's truth (the oracle).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIFECRM = str(Path(sys.executable).parent / "lifecrm")
PHASES = [sys.executable, str(Path(__file__).with_name("ingest_phases.py"))]
MODELS = [sys.executable, str(Path(__file__).with_name("model_phases.py"))]


def measure(args: list[str], data_dir: Path, command: list[str] | None = None):
    """Wall seconds, peak resident memory (MB) and output of one `lifecrm` command (or of
    `command`), run in its own process."""
    command = command or [LIFECRM, *args]
    env = {**os.environ, "LIFECRM_DATA_DIR": str(data_dir)}
    env.pop("DAGSTER_HOME", None)
    with tempfile.TemporaryFile() as log, tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=out, stderr=log)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            log.seek(0)
            raise RuntimeError(f"{' '.join(command)} failed:\n{log.read()[-3000:].decode()}")
        out.seek(0)
        return seconds, usage.ru_maxrss / 1024, out.read().decode()


def landing_size(data_dir: Path) -> tuple[int, float]:
    files = list((data_dir / "landing").rglob("*.csv"))
    rows = sum(sum(1 for _ in f.open("rb")) - 1 for f in files)
    return rows, sum(f.stat().st_size for f in files) / 1e6


def duckdb_floor(data_dir: Path) -> float:
    """Seconds for DuckDB alone to load every landed CSV as text: the floor for ingestion
    (without manifests, encodings, line numbers or rules; the Big5 file is left out)."""
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    for i, path in enumerate(sorted((data_dir / "landing").rglob("*.csv"))):
        read = f"read_csv('{path}', all_varchar = true, ignore_errors = true)"
        try:
            con.execute(f"create table t{i} as select * from {read}")
        except duckdb.InvalidInputException:
            continue
    return time.perf_counter() - started


def model_metrics(data_dir: Path) -> str:
    """The chosen lapse and cross-sell models' out-of-time metrics beside the oracle's (ROC AUC
    with its bootstrap interval, precision and lift at the depth of each model's list), as a
    table, and whether the chosen lapse model meets the targets (ROC AUC within 0.03 of the
    oracle's, expected calibration error under 0.03)."""
    import duckdb

    con = duckdb.connect(str(data_dir / "warehouse" / "lifecrm.duckdb"), read_only=True)
    try:
        frame = (
            con.sql(
                """
            pivot (
                select 'lapse' as model, model_name, metric, value from ml.model_metrics
                where not starts_with(metric, 'validation_')
                union all
                select 'cross-sell', model_name, metric, value from ml.cross_sell_metrics
                where model_name <> 'next_best_product' and not starts_with(metric, 'validation_')
            )
            on metric in ('roc_auc', 'roc_auc_ci_low', 'roc_auc_ci_high', 'pr_auc',
                          'brier_score', 'expected_calibration_error', 'list_rows',
                          'precision_at_list', 'lift_at_list')
            using any_value(round(value, 3))
            order by model, model_name
            """
            )
            .to_arrow_table()
            .to_pandas()
        )
        ((chosen_auc, calibration, oracle_auc),) = con.execute(
            """
            select
                any_value(value) filter (where is_chosen and metric = 'roc_auc'),
                any_value(value) filter (where is_chosen and metric = 'expected_calibration_error'),
                any_value(value) filter (
                    where model_name = 'oracle_true_probability' and metric = 'roc_auc')
            from ml.model_metrics
            """
        ).fetchall()
    finally:
        con.close()
    met = oracle_auc is not None and chosen_auc >= oracle_auc - 0.03 and calibration < 0.03
    verdict = (
        f"\nChosen lapse model: ROC AUC {chosen_auc:.3f} "
        f"(oracle {oracle_auc or float('nan'):.3f}), calibration error "
        f"{calibration:.3f}; targets (AUC within 0.03 of the oracle, error under 0.03) "
        f"{'met' if met else 'NOT met'}."
    )
    return frame.to_markdown(index=False) + verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50000,200000", help="customer counts to generate")
    parser.add_argument(
        "--pipeline-customers", type=int, default=50000, help="world size for the model table"
    )
    args = parser.parse_args()
    rows_out = []
    sizes = [int(s) for s in args.sizes.split(",") if s]
    with tempfile.TemporaryDirectory() as keep:
        for size in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                world = Path(keep) if size == max(sizes) else Path(tmp)
                seconds, peak, _ = measure(["generate", "--customers", str(size)], world)
                rows, megabytes = landing_size(world)
                rows_out.append(
                    (
                        f"generate --customers {size:,}",
                        seconds,
                        peak,
                        f"{rows:,} rows, {megabytes:,.0f} MB",
                    )
                )
        # ingestion and validation of the largest world's initial extract, beside DuckDB's own load
        world = Path(keep)
        rows, _ = landing_size(world)
        with tempfile.TemporaryDirectory() as scratch:
            (Path(scratch) / "landing").symlink_to(world / "landing")
            _, peak, output = measure([], Path(scratch), command=PHASES)
        phases = json.loads(output.strip().splitlines()[-1])
        for phase in ("load", "validate"):
            seconds = phases[f"{phase}_seconds"]
            rows_out.append(
                (
                    f"  {phase} phase alone ({max(sizes):,})",
                    seconds,
                    peak,
                    f"{phases['rows'] / seconds:,.0f} rows/s (peak of both phases)",
                )
            )
        seconds, peak, _ = measure(["run"], world)
        rows_out.append(
            (f"run, the whole pipeline ({max(sizes):,})", seconds, peak, f"{rows:,} rows in")
        )
        for phase in ("lapse", "cross_sell", "value", "segments"):
            _, peak, output = measure([], world, command=[*MODELS, phase])
            done = json.loads(output.strip().splitlines()[-1])
            rows_out.append(
                (
                    f"  {phase} model alone ({max(sizes):,})",
                    done["seconds"],
                    peak,
                    f"{done['rows']:,} rows scored",
                )
            )
        floor = duckdb_floor(world)
        rows_out.append(
            (
                "DuckDB read_csv of the same files (floor)",
                floor,
                float("nan"),
                f"{rows / floor:,.0f} rows/s",
            )
        )
    with tempfile.TemporaryDirectory() as tmp:
        n = args.pipeline_customers
        measure(["generate", "--customers", str(n)], Path(tmp))
        seconds, peak, _ = measure(["run"], Path(tmp))
        rows, megabytes = landing_size(Path(tmp))
        rows_out.append((f"run ({n:,}-customer world)", seconds, peak, f"{rows:,} rows in"))
        against_truth = model_metrics(Path(tmp))
    print(f"| {'command':<44} | {'seconds':>8} | {'peak MB':>8} | output |")
    print(f"|{'-' * 46}|{'-' * 9}:|{'-' * 9}:|---|")
    for name, seconds, peak, note in rows_out:
        print(f"| {name:<44} | {seconds:>8.1f} | {peak:>8.0f} | {note} |")
    print(f"\nModels against the truth, out of time ({n:,}-customer world):\n")
    print(against_truth)


if __name__ == "__main__":
    main()
