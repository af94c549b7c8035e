"""Customer value, cross-sell and reproducibility, measured on the tiny built world and against
the simulator's truth."""

from __future__ import annotations

import json
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


def truth_tenths(values) -> np.ndarray:
    """Each tenth's share of the total, the top tenth first (the simulator's own deciles)."""
    ordered = np.sort(np.array(values, dtype=float))[::-1]
    return np.array([part.sum() for part in np.array_split(ordered, 10)]) / ordered.sum()


def test_published_value_concentration_is_the_truths(built_world):
    """The paper's value bands as `docs/simulator.md` defines them: current customers (a policy
    in force on the as-of date) in tenths by historical margin. The published table's shares
    are the truth's, over as many customers as the truth's current policyholders."""
    truth = built_world.data_dir / "truth" / "customers.csv"
    published = rows(
        built_world,
        "select decile, customers, share_of_historical_margin, "
        "cumulative_share_of_historical_margin_from_top "
        "from strategic.value_concentration order by decile desc",
    )
    true = [v for (v,) in rows(
        built_world,
        f"select value_twd from read_csv('{truth}') where is_policyholder_at_end",
    )]  # fmt: skip
    assert [decile for decile, *_ in published] == list(range(10, 0, -1))
    assert sum(customers for _, customers, _, _ in published) == pytest.approx(len(true), rel=0.01)
    shares = np.array([share for _, _, share, _ in published])
    np.testing.assert_allclose(shares, truth_tenths(true), atol=0.02)
    np.testing.assert_allclose([c for *_, c in published], np.cumsum(shares))
    assert shares[-1] < 0  # the bottom tenth destroys value
    # the executive headlines carry the same two figures
    headlines = dict(
        rows(
            built_world,
            "select kpi_code, current_value from strategic.executive_headlines "
            "where kpi_code in ('value_top_decile_share', 'value_bottom_decile_share')",
        )
    )
    assert headlines == {
        "value_top_decile_share": pytest.approx(shares[0]),
        "value_bottom_decile_share": pytest.approx(shares[-1]),
    }


def test_value_deciles_rank_current_and_former_customers_apart(built_world):
    """Current customers are in tenths by margin and by value score; former customers (nothing
    in force) only in tenths of their own, which the win-back list uses."""
    (misplaced,) = rows(
        built_world,
        """
        select count(*) from ml.customer_value as v
        left join (
            select distinct customer_key from marts.dim_policy where is_in_force
        ) as current using (customer_key)
        where v.is_current_customer <> (current.customer_key is not null)
           or (v.is_current_customer and (
               v.value_decile is null or v.historical_margin_decile is null
               or v.former_customer_value_decile is not null))
           or (not v.is_current_customer and (
               v.value_decile is not null or v.historical_margin_decile is not null
               or v.former_customer_value_decile is null))
        """,
    )[0]
    assert misplaced == 0
    for decile, value in [
        ("historical_margin_decile", "historical_margin_twd"),
        ("value_decile", "value_score_twd"),
        ("former_customer_value_decile", "value_score_twd"),
    ]:
        deciles = rows(
            built_world,
            f"select {decile}, count(*), min({value}), max({value}) from ml.customer_value "
            f"where {decile} is not null group by 1 order by 1",
        )
        assert [d for d, *_ in deciles] == list(range(1, 11)), decile
        sizes = [size for _, size, _, _ in deciles]
        assert max(sizes) - min(sizes) <= 1, decile
        # a higher decile never holds a lower value than the decile below it
        for (_, _, _, top_of_lower), (_, _, bottom_of_higher, _) in zip(
            deciles, deciles[1:], strict=False
        ):
            assert bottom_of_higher >= top_of_lower, decile
    # the value score's tenths of the same current customers, beside the margin's
    scores = rows(
        built_world,
        "select decile, share_of_value_score, cumulative_share_of_value_score_from_top "
        "from strategic.value_concentration order by decile desc",
    )
    (expected_top,) = rows(
        built_world,
        "select sum(value_score_twd) filter (where value_decile = 10) / sum(value_score_twd) "
        "from ml.customer_value where is_current_customer",
    )[0]
    assert scores[0][1] == pytest.approx(expected_top)
    assert sum(share for _, share, _ in scores) == pytest.approx(1.0)
    assert scores[-1][2] == pytest.approx(1.0)
    # the win-back list ranks former customers among themselves
    (wrong,) = rows(
        built_world,
        """
        select count(*) from tactical.winback_list as w
        join ml.customer_value as v using (customer_key)
        where v.is_current_customer
           or w.former_customer_value_decile is distinct from v.former_customer_value_decile
        """,
    )[0]
    assert wrong == 0


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
    for model in cross_sell.CANDIDATES:  # cross-validated in the training window
        assert 0.0 < table[(model, "validation_roc_auc")] <= 1.0, model
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
    # the next best product is always promoted: the model, or the rule it did not beat
    (products_promoted,) = rows(
        built_world,
        "select bool_or(is_promoted) from ml.model_registry where model_name = 'next_best_product'",
    )[0]
    assert products_promoted
    (scored,) = rows(built_world, "select count(*) from ml.cross_sell_scores")[0]
    if promoted:
        assert scored > 300
    else:  # a propensity below the floor scores nobody, and the registry says why
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


def test_the_registry_says_which_fit_the_lapse_metrics_are_from(built_world):
    """The registered lapse model is refit on the latest window; the metrics it carries are the
    chosen candidate's, fitted a horizon earlier and evaluated out of time. The registry's dates
    are those of `ml.model_metrics`, not the refit's."""
    [(trained, metrics_trained, evaluated, metrics)] = rows(
        built_world,
        "select trained_as_of, metrics_trained_as_of, evaluated_as_of, metrics "
        "from ml.model_registry where model_name = 'lapse_risk' order by version desc limit 1",
    )
    chosen = rows(
        built_world,
        "select distinct trained_as_of, evaluated_as_of from ml.model_metrics "
        "where is_chosen and not starts_with(metric, 'validation_')",  # out of time, not the search
    )
    assert chosen == [(metrics_trained, evaluated)]
    assert metrics_trained < trained  # the artefact is the refit on the later window
    (roc_auc,) = rows(
        built_world,
        "select value from ml.model_metrics where is_chosen and metric = 'roc_auc'",
    )[0]
    assert json.loads(metrics)["roc_auc"] == pytest.approx(roc_auc)


def test_the_registry_says_which_fit_the_cross_sell_metrics_are_from(built_world):
    """As for the lapse model: the cross-sell models are refit on the latest window, and the
    metrics they carry are those of the candidate fitted a horizon earlier."""
    registered = rows(
        built_world,
        "select model_name, trained_as_of, metrics_trained_as_of, evaluated_as_of "
        "from ml.model_registry where model_name in ('cross_sell', 'next_best_product')",
    )
    assert {name for name, *_ in registered} == {"cross_sell", "next_best_product"}
    for name, trained, metrics_trained, evaluated in registered:
        assert metrics_trained < trained == evaluated, name
