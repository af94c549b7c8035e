"""Customer value, cross-sell and reproducibility, measured on the tiny built world and against
the simulator's truth."""

from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pytest

from ml import cross_sell, lapse_model

PRODUCT_TYPES = {
    "term", "whole_life", "endowment", "critical_illness", "annuity", "investment_linked",
}  # fmt: skip


def rows(built_world, sql: str) -> list[tuple]:
    con = built_world.connect()
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_historical_margin_is_the_truths_customer_value(built_world):
    """Premiums − investment component − claims − commissions − servicing cost, per customer,
    as the simulator booked it (up to the export's rounding of rates and costs)."""
    truth = built_world.data_dir / "truth" / "customers.csv"
    pairs = rows(
        built_world,
        f"""
        select v.historical_margin_twd, t.value_twd, t.premiums_paid_twd
        from ml.customer_value as v
        join pii.pii_customers as p using (customer_key)
        join read_csv('{truth}') as t using (customer_id)
        """,
    )
    ours, true, premiums = (np.array(column, dtype=float) for column in zip(*pairs, strict=True))
    assert len(pairs) > 500
    # within 1% of the premiums paid, or 100 TWD, for every customer
    assert np.all(np.abs(ours - true) <= np.maximum(100, 0.01 * premiums))
    assert ours.sum() == pytest.approx(true.sum(), rel=0.005)


def test_current_customers_margin_concentrates_as_the_truth_says(built_world):
    """The paper's value bands rank current customers: over those with a policy in force, the
    warehouse's historical margin splits into tenths with the truth's shares."""
    truth = built_world.data_dir / "truth" / "customers.csv"

    def tenths(values) -> np.ndarray:
        ordered = np.sort(np.array(values, dtype=float))[::-1]
        return np.array([part.sum() for part in np.array_split(ordered, 10)]) / ordered.sum()

    ours = [v for (v,) in rows(
        built_world,
        "select historical_margin_twd from ml.customer_value where policies_in_force > 0",
    )]  # fmt: skip
    true = [v for (v,) in rows(
        built_world,
        f"select value_twd from read_csv('{truth}') where is_policyholder_at_end",
    )]  # fmt: skip
    assert len(ours) == pytest.approx(len(true), rel=0.03)
    np.testing.assert_allclose(tenths(ours), tenths(true), atol=0.02)
    assert tenths(true)[-1] < 0


def test_value_deciles_concentrate_value(built_world):
    deciles = rows(
        built_world,
        "select value_decile, count(*), min(value_score_twd), max(value_score_twd) "
        "from ml.customer_value group by 1 order by 1",
    )
    assert [decile for decile, *_ in deciles] == list(range(1, 11))
    sizes = [size for _, size, _, _ in deciles]
    assert max(sizes) - min(sizes) <= 1
    # a higher decile never holds a lower value than the decile below it
    for (_, _, _, top_of_lower), (_, _, bottom_of_higher, _) in zip(
        deciles, deciles[1:], strict=False
    ):
        assert bottom_of_higher >= top_of_lower
    shares = dict(
        rows(built_world, "select value_decile, share_of_value from ml.value_concentration")
    )
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares[10] == max(shares.values()) and shares[10] > 0.2
    assert shares[1] == min(shares.values())
    cumulative = [
        share for (share,) in rows(
            built_world,
            "select cumulative_share_from_top from ml.value_concentration "
            "order by value_decile desc",
        )
    ]  # fmt: skip
    from_top = np.cumsum([shares[decile] for decile in range(10, 0, -1)])
    np.testing.assert_allclose(cumulative, from_top)
    assert cumulative[-1] == pytest.approx(1.0)


def test_future_value_discounts_premiums_by_survival(built_world):
    """No customer is expected to pay more than their in-force premium for twenty years, and
    the customers the lapse model rates riskiest are expected to pay less per premium TWD."""
    (bad,) = rows(
        built_world,
        """
        select count(*) from ml.customer_value as v
        join (
            select customer_key, sum(annualised_premium_twd) as premium
            from marts.dim_policy join ml.policy_lapse_scores using (policy_key)
            group by customer_key
        ) as p using (customer_key)
        where v.expected_future_premiums_twd > 20 * p.premium + 1
           or v.expected_future_premiums_twd < 0
        """,
    )[0]
    assert bad == 0
    (correlation,) = rows(
        built_world,
        """
        select corr(
            s.lapse_probability_12m, v.expected_future_premiums_twd / p.annualised_premium_twd
        )
        from ml.policy_lapse_scores as s
        join marts.dim_policy as p using (policy_key)
        join ml.customer_value as v using (customer_key)
        where v.policies_in_force = 1
        """,
    )[0]
    assert correlation < -0.3


def test_cross_sell_is_judged_against_the_truth_and_scores_only_when_promoted(built_world):
    table = {
        (model, metric): value
        for model, metric, value in rows(
            built_world, "select model_name, metric, value from ml.cross_sell_metrics"
        )
    }
    models = {model for model, _ in table}
    assert models == {*cross_sell.CANDIDATES, "oracle_true_probability", "next_best_product"}
    for model in cross_sell.CANDIDATES:
        assert 0.0 < table[(model, "roc_auc")] <= 1.0, model
    # the truth means what the label means
    oracle = "oracle_true_probability"
    assert table[(oracle, "mean_score")] == pytest.approx(
        table[(oracle, "observed_rate")], abs=0.04
    )
    assert 0 <= table[("next_best_product", "accuracy")] <= 1
    registered = rows(
        built_world, "select distinct model_name from ml.model_registry order by model_name"
    )
    assert registered == [
        ("cross_sell",),
        ("lapse_risk",),
        ("next_best_product",),
        ("segmentation",),
    ]
    ((promoted, reason),) = rows(
        built_world,
        "select is_promoted, promotion_reason from ml.model_registry "
        "where model_name = 'cross_sell'",
    )
    ((chosen,),) = rows(
        built_world,
        "select distinct model_name from ml.cross_sell_metrics "
        "where is_chosen and model_name <> 'next_best_product'",
    )
    floor = cross_sell.PROPENSITY_FLOORS["roc_auc"]
    assert promoted == (table[(chosen, "roc_auc")] >= floor), reason
    (scored,) = rows(built_world, "select count(*) from ml.cross_sell_scores")[0]
    if promoted:
        assert scored > 300
    else:  # a model below the floor scores nobody, and the registry says why
        assert scored == 0 and f"below the floor {floor}" in reason


def test_the_same_data_and_seed_give_the_same_scores(built_world, tmp_path, monkeypatch):
    """Training twice on one warehouse gives identical lapse and cross-sell scores, for every
    customer holding a policy (the cross-sell floor lowered, as the tiny world's purchases are
    too few to rank)."""
    shutil.copyfile(built_world.warehouse, tmp_path / "lifecrm.duckdb")
    monkeypatch.setenv("LIFECRM_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(cross_sell, "PROPENSITY_FLOORS", {"roc_auc": 0.0})
    con = duckdb.connect(str(tmp_path / "lifecrm.duckdb"))
    try:
        lapse = [lapse_model.run(con).scores["lapse_probability_12m"].to_numpy() for _ in range(2)]
        sell = [cross_sell.run(con).scores for _ in range(2)]
        (customers,) = con.execute(
            "select count(*) from features.feat_customers "
            "where feature_date = (select max(feature_date) from features.feat_customers)"
        ).fetchall()[0]
    finally:
        con.close()
    np.testing.assert_array_equal(lapse[0], lapse[1])
    first, second = sell
    assert len(first) == customers > 300
    assert first["purchase_probability_12m"].between(0, 1).all()
    assert set(first["next_best_product_type"]) <= PRODUCT_TYPES
    np.testing.assert_array_equal(
        first["purchase_probability_12m"], second["purchase_probability_12m"]
    )
    assert first["next_best_product_type"].equals(second["next_best_product_type"])


def test_the_report_models_read_the_ml_tables(built_world):
    """strategic.segment_profitability adds up to ml.customer_value over the segmented customers;
    tactical.cross_sell_list lists the best-scored customers, as many as were scored (to 500)."""
    (segmented, by_segment) = rows(
        built_world,
        """
        select
            (select sum(v.value_score_twd) from ml.customer_value as v
             join ml.customer_segments as s using (customer_key)),
            (select sum(value_score_twd) from strategic.segment_profitability)
        """,
    )[0]
    assert by_segment == pytest.approx(segmented)
    (scored, leads, best) = rows(
        built_world,
        """
        select
            (select count(*) from ml.cross_sell_scores),
            (select count(*) from tactical.cross_sell_list),
            (select customer_key from tactical.cross_sell_list where lead_rank = 1)
        """,
    )[0]
    assert leads == min(scored, 500)
    if scored:
        (top,) = rows(
            built_world,
            "select customer_key from ml.cross_sell_scores "
            "order by purchase_probability_12m desc, customer_key limit 1",
        )[0]
        assert best == top
