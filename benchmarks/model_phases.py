"""Train and score one model on a built warehouse, timed, without Dagster around it.

    LIFECRM_DATA_DIR=<world> python benchmarks/model_phases.py lapse|cross_sell|value|segments

The same library calls the `ml` assets make; run each phase in its own process (as `make bench`
does) so its peak memory is its own. Prints one JSON line: {"seconds": ..., "rows": ...}.
"""

from __future__ import annotations

import json
import sys
import time

import duckdb

from lifecrm import settings
from lifecrm.warehouse_file import duckdb_limits
from ml import cross_sell, lapse_model, segments, value
from ml.store import replace_table


def lapse(con) -> int:
    result = lapse_model.run(con)
    replace_table(con, "ml.model_metrics", result.metrics)
    return replace_table(con, "ml.policy_lapse_scores", result.scores)


def cross_selling(con) -> int:
    return replace_table(con, "ml.cross_sell_scores", cross_sell.run(con).scores)


def customer_value(con) -> int:
    value.run(con)
    return con.execute("select count(*) from ml.customer_value").fetchall()[0][0]


def segmentation(con) -> int:
    result = segments.segment(segments.customer_features(con))
    return replace_table(con, "ml.customer_segments", result.assignments)


PHASES = {"lapse": lapse, "cross_sell": cross_selling, "value": customer_value,
          "segments": segmentation}  # fmt: skip


def main() -> None:
    phase = PHASES[sys.argv[1]]
    con = duckdb.connect(str(settings.warehouse_path()), config=duckdb_limits())
    try:
        started = time.perf_counter()
        rows = phase(con)
        seconds = time.perf_counter() - started
    finally:
        con.close()
    print(json.dumps({"seconds": seconds, "rows": rows}))


if __name__ == "__main__":
    main()
