"""`make bench`: time and peak memory of the simulator and the pipeline, printed as a table.

    python benchmarks/run.py [--ingest-sizes 200000,1000000] [--sizes 50000,200000]
                             [--pipeline-customers 50000]

Each measurement runs the real `lifecrm` command (or one phase of benchmarks/ingest_phases.py)
in a fresh temporary data directory, in its own process, so its peak resident memory is its
own. First the ingestion table: each `--ingest-sizes` world's initial extract, the floor (sha256
and DuckDB's typed read_csv of the same files into memory), the persisting floor (the same, as
text, into a database file), the load and the validation, side by side with their ratios. Then
the simulator at each `--sizes`, the largest world run whole (with the ten slowest dbt models of
that run, from dbt's run_results.json), and each model trained and scored again on its own. The
pipeline world's models are also printed beside the simulator's truth (the oracle).
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


def ingestion_table(sizes: list[int]) -> str:
    """Per world: the floor (sha256 and DuckDB's own typed read_csv of the landed files into
    memory), the persisting floor (the same as text into a database file, kept), the load and
    validation phases, each in its own process in a fresh data directory, their ratios
    (load to each floor, validation to the load), rows per second and peak memory."""
    lines = [
        "| customers | rows | MB of CSV | floor s | persist floor s | load s | load / floor "
        "| load / persist floor | validate s | validate / load | load rows/s | validate rows/s "
        "| peak MB (floor, load, validate) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for size in sizes:
        with tempfile.TemporaryDirectory() as world, tempfile.TemporaryDirectory() as scratch:
            measure(["generate", "--customers", str(size)], Path(world))
            rows, megabytes = landing_size(Path(world))
            (Path(scratch) / "landing").symlink_to(Path(world) / "landing")
            (Path(scratch) / "secrets").symlink_to(Path(world) / "secrets")
            done = {}
            for phase in ("floor", "persist", "load", "validate"):
                _, peak, output = measure([], Path(scratch), command=[*PHASES, phase])
                done[phase] = (json.loads(output.strip().splitlines()[-1])["seconds"], peak)
        (floor, floor_mb), (persist, _), (load, load_mb), (check, check_mb) = (
            done["floor"], done["persist"], done["load"], done["validate"]
        )  # fmt: skip
        lines.append(
            f"| {size:,} | {rows:,} | {megabytes:,.0f} | {floor:.1f} | {persist:.1f} | "
            f"{load:.1f} | {load / floor:.2f}x | {load / persist:.2f}x | {check:.1f} | "
            f"{check / load:.2f}x | {rows / load:,.0f} | "
            f"{rows / check:,.0f} | {floor_mb:,.0f}, {load_mb:,.0f}, {check_mb:,.0f} |"
        )
    return "\n".join(lines)


def slowest_models(data_dir: Path, count: int = 10) -> str:
    """The `count` slowest dbt models (and snapshots) of the runs in data_dir, from the
    run_results.json each of the run's dbt steps leaves, as a table, with all models' total."""
    timings = {}
    for results in (data_dir / "dbt").rglob("run_results.json"):
        for result in json.loads(results.read_text())["results"]:
            if result["unique_id"].split(".")[0] in ("model", "snapshot"):
                timings[result["unique_id"]] = result["execution_time"]
    slowest = sorted(timings.items(), key=lambda item: -item[1])[:count]
    lines = ["| dbt model | seconds |", "|---|---:|"]
    lines += [f"| {unique_id.split('.')[-1]} | {seconds:.1f} |" for unique_id, seconds in slowest]
    lines.append(f"| all {len(timings)} models and snapshots | {sum(timings.values()):.1f} |")
    return "\n".join(lines)


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
    parser.add_argument(
        "--ingest-sizes", default="200000,1000000", help="worlds for the ingestion table"
    )
    args = parser.parse_args()
    ingestion = ingestion_table([int(s) for s in args.ingest_sizes.split(",") if s])
    print("Ingestion of an initial extract, phase by phase, beside the floor:\n")
    print(ingestion + "\n", flush=True)
    rows_out = []
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if not sizes:  # `--sizes ''`: the ingestion table alone
        return
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
        world = Path(keep)
        rows, _ = landing_size(world)
        seconds, peak, _ = measure(["run"], world)
        rows_out.append(
            (f"run, the whole pipeline ({max(sizes):,})", seconds, peak, f"{rows:,} rows in")
        )
        dbt_models = slowest_models(world)
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
    print(f"\nThe slowest dbt models of the whole run ({max(sizes):,}-customer world):\n")
    print(dbt_models)
    print(f"\nModels against the truth, out of time ({n:,}-customer world):\n")
    print(against_truth)


if __name__ == "__main__":
    main()
