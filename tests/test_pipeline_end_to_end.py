"""A tiny world, generated and materialised through `lifecrm run`, measured in the warehouse."""

from __future__ import annotations

import csv
import subprocess

import pytest
from conftest import BIN, BuiltWorld

SCHEMAS = ("raw", "staging", "pii", "marts", "features", "ml", "strategic", "tactical")


def scalar(world: BuiltWorld, sql: str):
    con = world.connect()
    try:
        return con.execute(sql).fetchall()[0][0]
    finally:
        con.close()


def test_every_schema_holds_non_empty_tables(built_world):
    con = built_world.connect()
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ? order by 1, 2",
            [list(SCHEMAS)],
        ).fetchall()
        assert {schema for schema, _ in tables} == set(SCHEMAS)
        # the tiny world's purchases are too few for a cross-sell model to pass its floor, and
        # with none promoted nobody is scored (tests/test_value_and_cross_sell.py)
        (cross_sell_promoted,) = con.execute(
            "select bool_or(is_promoted) from ml.model_registry where model_name = 'cross_sell'"
        ).fetchall()[0]
        unscored = {
            "ml.cross_sell_scores",
            "tactical.cross_sell_list",
            "staging.stg_ml__cross_sell_scores",
        }
        for schema, name in tables:
            rows = con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0]
            may_be_empty = f"{schema}.{name}" in unscored and not cross_sell_promoted
            assert rows > 0 or may_be_empty, f"{schema}.{name} is empty"
    finally:
        con.close()


def test_every_view_reads_without_the_secret_key(built_world):
    """A BI tool or analyst opens the file with no secret: no view may compute a key on read."""
    con = built_world.connect()
    try:
        keyed_views = con.execute(
            "select schema_name || '.' || view_name from duckdb_views() "
            "where not internal and sql ilike '%getvariable%'"
        ).fetchall()
        assert keyed_views == []
        missing = con.execute(
            "select count(*) filter (where customer_key is null), count(*) "
            "from intermediate.int_customers__persons"
        ).fetchall()[0]
        assert missing[0] == 0 and missing[1] > 0
    finally:
        con.close()


def test_raw_tables_hold_every_exported_row(built_world):
    for export, rows in built_world.manifest_rows().items():
        with (built_world.batch_dir / f"{export}.csv").open(newline="", encoding="utf-8") as f:
            records_in_file = sum(1 for _ in csv.reader(f)) - 1
        assert records_in_file == rows
        assert scalar(built_world, f"select count(*) from raw.{export}") == rows, export


def test_marts_hold_every_entity_plus_the_unknown_member(built_world):
    rows = built_world.manifest_rows()
    assert scalar(built_world, "select count(*) from marts.dim_customer") == rows["customers"] + 1
    assert scalar(built_world, "select count(*) from marts.dim_agent") == rows["agents"] + 1
    assert scalar(built_world, "select count(*) from marts.dim_policy") == rows["policies"] + 1
    assert (
        scalar(built_world, "select count(*) from marts.fct_premium_payments")
        == rows["premium_payments"]
    )
    # every fact row found its policy
    assert (
        scalar(
            built_world, "select count(*) from marts.fct_premium_payments where policy_key = '-1'"
        )
        == 0
    )


def test_marts_do_not_carry_direct_identifiers(built_world):
    columns = scalar(
        built_world,
        "select list(column_name) from information_schema.columns where table_schema = 'marts'",
    )
    for identifier in ("national_id", "customer_name", "phone", "email"):
        assert identifier not in columns


def test_every_in_force_policy_is_scored_with_a_probability(built_world):
    """Every policy in force and still paying: a paid-up one cannot lapse, and is not scored."""
    in_force = scalar(
        built_world, "select count(*) from marts.dim_policy where is_in_force and not is_paid_up"
    )
    assert scalar(built_world, "select count(*) from ml.policy_lapse_scores") == in_force
    low, high = scalar(
        built_world,
        "select [min(lapse_probability_12m), max(lapse_probability_12m)] "
        "from ml.policy_lapse_scores",
    )
    assert 0.0 <= low < high <= 1.0


def test_lapse_scores_rank_the_true_risk(built_world):
    """The model's scores agree with the simulator's true 12-month lapse probabilities."""
    truth = built_world.data_dir / "truth" / "policies.csv"
    correlation = scalar(
        built_world,
        f"""
        select corr(rank_model, rank_truth) from (
            select rank() over (order by s.lapse_probability_12m) as rank_model,
                   rank() over (order by t.true_lapse_probability_12m) as rank_truth
            from ml.policy_lapse_scores s
            join marts.dim_policy p using (policy_key)
            join read_csv('{truth}') t using (policy_number)
        )
        """,
    )
    assert correlation > 0.3, f"Spearman correlation with the true risk is only {correlation:.2f}"


def test_model_metrics_are_recorded_for_each_candidate(built_world):
    """Every candidate is cross-validated in the training window; the chosen one alone is
    judged on the evaluation window, beside the truth, and scores."""
    con = built_world.connect()
    try:
        metrics = con.execute(
            "select model_name, is_chosen, hyper_parameters, metric, value from ml.model_metrics"
        ).fetchall()
        scored_by = con.execute("select distinct model_name from ml.policy_lapse_scores").fetchall()
        registry = con.execute(
            "select version, is_promoted from ml.model_registry where model_name = 'lapse_risk'"
        ).fetchall()
        scored_version = con.execute(
            "select distinct model_version from ml.policy_lapse_scores"
        ).fetchall()
    finally:
        con.close()
    candidates = {"lapse_logistic_regression", "lapse_gradient_boosting"}
    searched = {
        (model, params): value
        for model, _, params, metric, value in metrics
        if metric == "validation_roc_auc"
    }
    assert {model for model, _ in searched} == candidates and len(searched) >= 4
    for setting, auc in searched.items():
        assert 0.5 < auc <= 1.0, setting
    table = {(model, metric): value for model, _, _, metric, value in metrics}
    judged = {model for model, _, _, metric, _ in metrics if metric == "roc_auc"}
    chosen = {model for model, is_chosen, *_ in metrics if is_chosen}
    assert len(chosen) == 1 and judged == chosen | {"oracle_true_probability"}
    (best,) = chosen
    assert 0 <= table[(best, "expected_calibration_error")] < 0.2
    assert 0 < table[(best, "brier_score")] < 0.25
    assert scored_by == [(best,)]
    assert registry == [(1, True)] and scored_version == [(1,)]
    # the simulator's true probabilities rank the same policies better than any model can
    oracle = table[("oracle_true_probability", "roc_auc")]
    assert oracle > table[(best, "roc_auc")] > oracle - 0.15
    # the truth means what the label means: its mean is the observed lapse rate
    observed = table[("oracle_true_probability", "observed_rate")]
    assert table[("oracle_true_probability", "mean_score")] == pytest.approx(observed, abs=0.04)


def test_strategic_book_adds_up_to_the_marts(built_world):
    strategic = scalar(
        built_world,
        "select [sum(policies_in_force), sum(annualised_premium_in_force_twd)] "
        "from strategic.inforce_premium_by_product",
    )
    marts = scalar(
        built_world,
        "select [count(*), sum(annualised_premium_in_force_twd)] from marts.dim_policy "
        "where is_in_force",
    )
    assert strategic == marts


def test_tactical_worklist_is_the_riskiest_in_force_policies(built_world):
    con = built_world.connect()
    try:
        worklist = con.execute(
            "select policy_key, lapse_probability_12m "
            "from tactical.lapse_risk_worklist order by risk_rank"
        ).fetchall()
        riskiest = con.execute(
            "select policy_key, lapse_probability_12m from ml.policy_lapse_scores "
            "order by lapse_probability_12m desc, policy_key limit ?",
            [len(worklist)],
        ).fetchall()
        not_in_force = con.execute(
            "select count(*) from tactical.lapse_risk_worklist w "
            "join marts.dim_policy p using (policy_key) where not p.is_in_force"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert len(worklist) == 200
    assert [p for _, p in worklist] == sorted((p for _, p in worklist), reverse=True)
    assert {k for k, _ in worklist} == {k for k, _ in riskiest}
    assert not_in_force == 0


def test_run_prints_the_warehouse_and_queries_to_try(built_world):
    out = built_world.run.stdout
    assert str(built_world.warehouse) in out
    assert "from strategic.inforce_premium_by_product" in out


@pytest.mark.parametrize("table", ["strategic.inforce_premium_by_product"])
def test_an_older_duckdb_reader_opens_the_warehouse(built_world, table):
    """The duckdb CLI (1.5.x, an older DuckDB than the writer's) reads the warehouse file."""
    done = subprocess.run(
        [str(BIN / "duckdb"), "-readonly", "-csv", str(built_world.warehouse),
         "-c", f"select version(), count(*) from {table}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    version, rows = done.stdout.splitlines()[1].split(",")
    assert version.startswith("v1.")
    assert int(rows) > 0


def test_the_queries_run_prints_to_try_run(built_world):
    from lifecrm.summary import QUERIES_TO_TRY

    con = built_world.connect()
    try:
        (cross_sell_promoted,) = con.execute(
            "select bool_or(is_promoted) from ml.model_registry where model_name = 'cross_sell'"
        ).fetchall()[0]
        for title, sql in QUERIES_TO_TRY:
            found = con.sql(sql).fetchall()
            # the tiny world scores nobody for cross-sell (see test_every_schema_holds_...)
            assert found or ("cross_sell_list" in sql and not cross_sell_promoted), title
    finally:
        con.close()
