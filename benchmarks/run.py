"""`make bench`: time and peak memory of the simulator and the pipeline, printed as a table.

    python benchmarks/run.py [--sizes 50000,200000] [--pipeline-customers 5000]

Each measurement runs the real `lifecrm` command in a fresh temporary data directory, in its own
process, so its peak resident memory is its own.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIFECRM = str(Path(sys.executable).parent / "lifecrm")


def measure(args: list[str], data_dir: Path) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one `lifecrm` command."""
    env = {**os.environ, "LIFECRM_DATA_DIR": str(data_dir)}
    env.pop("DAGSTER_HOME", None)
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        child = subprocess.Popen([LIFECRM, *args], env=env, stdout=log, stderr=log)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            log.seek(0)
            raise RuntimeError(f"lifecrm {' '.join(args)} failed:\n{log.read()[-3000:].decode()}")
    return seconds, usage.ru_maxrss / 1024


def landing_size(data_dir: Path) -> tuple[int, float]:
    files = list((data_dir / "landing").rglob("*.csv"))
    rows = sum(sum(1 for _ in f.open("rb")) - 1 for f in files)
    return rows, sum(f.stat().st_size for f in files) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50000,200000", help="customer counts to generate")
    parser.add_argument(
        "--pipeline-customers", type=int, default=5000, help="world size for `lifecrm run`"
    )
    args = parser.parse_args()
    rows_out = []
    for size in [int(s) for s in args.sizes.split(",") if s]:
        with tempfile.TemporaryDirectory() as tmp:
            seconds, peak = measure(["generate", "--customers", str(size)], Path(tmp))
            rows, megabytes = landing_size(Path(tmp))
            rows_out.append(
                (
                    f"generate --customers {size:,}",
                    seconds,
                    peak,
                    f"{rows:,} rows, {megabytes:,.0f} MB",
                )
            )
    with tempfile.TemporaryDirectory() as tmp:
        n = args.pipeline_customers
        measure(["generate", "--customers", str(n), "--clean"], Path(tmp))
        seconds, peak = measure(["run"], Path(tmp))
        rows, megabytes = landing_size(Path(tmp))
        rows_out.append((f"run ({n:,}-customer world)", seconds, peak, f"{rows:,} rows in"))
    print(f"| {'command':<40} | {'seconds':>8} | {'peak MB':>8} | output |")
    print(f"|{'-' * 42}|{'-' * 10}:|{'-' * 10}:|---|")
    for name, seconds, peak, note in rows_out:
        print(f"| {name:<40} | {seconds:>8.1f} | {peak:>8.0f} | {note} |")


if __name__ == "__main__":
    main()
