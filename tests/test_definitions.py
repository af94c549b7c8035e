"""The Dagster definitions load, with the expected assets, checks, groups and writer pool."""

from __future__ import annotations

import dagster as dg
import pytest

from dagster_project.definitions import defs
from dagster_project.lib.warehouse import WAREHOUSE_POOL

EXPORTS = [
    "customers",
    "agents",
    "products",
    "applications",
    "policies",
    "policy_events",
    "premium_payments",
    "claims",
    "interactions",
    "campaigns",
    "campaign_touches",
    "satisfaction_surveys",
    "agent_surveys",
    "agent_training",
    "external_households",
    "external_areas",
]
EXPECTED_ASSETS = {
    *(f"raw/{export}" for export in EXPORTS),
    *(f"reference/{seed}" for seed in (
        "channels", "payment_methods", "premium_modes", "policy_event_types", "product_types",
    )),
    *(f"staging/stg_insurer__{entity}" for entity in (
        "customers", "agents", "products", "applications", "policies", "policy_events",
        "premium_payments", "claims", "interactions", "campaigns", "campaign_touches",
        "satisfaction_surveys", "agent_surveys", "agent_trainings",
    )),
    "staging/stg_vendor__areas",
    "staging/stg_ml__policy_lapse_scores", "staging/stg_ml__customer_value",
    "staging/stg_ml__cross_sell_scores", "staging/stg_ml__customer_segments",
    "staging/stg_ml__value_concentration",
    "intermediate/int_customers__persons", "intermediate/int_customers__households",
    "intermediate/int_policies__status_periods", "intermediate/int_customers__relationships",
    "intermediate/int_customers__monthly_margins",
    "snapshots/snp_customers",
    "pii/pii_customers", "pii/pii_key_check",
    *(f"marts/{model}" for model in (
        "dim_customer", "dim_policy", "dim_agent", "dim_product", "dim_channel", "dim_date",
        "dim_region", "dim_campaign",
        "fct_applications", "fct_policy_events", "fct_premium_payments", "fct_policy_months",
        "fct_policy_persistency",
        "fct_claims", "fct_interactions", "fct_campaign_touches", "fct_survey_responses",
        "fct_agent_months",
    )),
    "features/feat_customers", "features/feat_customer_purchases", "features/feat_policies",
    "features/feat_policy_outcomes", "features/feat_policy_margins",
    "ml/policy_lapse_scores", "ml/model_metrics", "ml/customer_segments", "ml/segment_profiles",
    "ml/model_registry", "ml/customer_value", "ml/value_concentration", "ml/cross_sell_scores",
    "ml/cross_sell_metrics",
    *(f"strategic/{name}" for name in (
        "inforce_premium_by_product", "segment_profitability", "crm_scorecard", "persistency",
        "value_concentration", "channel_performance", "agent_retention",
        "campaign_effectiveness", "lapse_risk_overview", "executive_headlines",
    )),
    *(f"tactical/{name}" for name in (
        "lapse_risk_worklist", "customer_360", "retention_list", "winback_list",
        "prospect_followup", "cross_sell_list", "service_recovery",
    )),
    "reports/executive_report", "reports/frontline_exports",
}  # fmt: skip


@pytest.fixture(scope="module")
def graph():
    return defs.resolve_asset_graph()


def test_every_expected_asset_is_defined(graph):
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == EXPECTED_ASSETS


def test_assets_are_grouped_by_layer(graph):
    group = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert {k for k, g in group.items() if g == "ingest"} == {f"raw/{e}" for e in EXPORTS}
    assert group["ml/policy_lapse_scores"] == "ml"
    assert group["marts/dim_policy"] == "warehouse"
    assert group["strategic/inforce_premium_by_product"] == "strategic"
    assert group["tactical/lapse_risk_worklist"] == "tactical"
    assert group["reports/executive_report"] == "reports"


def test_quality_checks_are_asset_checks(graph):
    checks = {key.to_user_string() for key in graph.asset_check_keys}
    # the Great Expectations suite on raw customers
    assert "raw/customers:gx_raw_customers" in checks
    # dbt source tests and model tests
    assert "raw/customers:source_not_null_insurer_customers_customer_id" in checks
    assert "marts/dim_customer:unique_dim_customer_customer_version_key" in checks
    assert "raw/external_households:vendor_match_rate" in checks
    assert "marts/dim_policy:not_null_dim_policy_policy_key" in checks
    assert (
        "marts/fct_premium_payments:relationships_fct_premium_payments_policy_key__policy_key__ref_dim_policy_"
        in checks
    )


def test_gx_check_blocks_downstream(graph):
    check_key = dg.AssetCheckKey(dg.AssetKey(["raw", "customers"]), "gx_raw_customers")
    assert graph.get_check_spec(check_key).blocking


def test_every_warehouse_writer_is_in_the_single_writer_pool(graph):
    for key in graph.get_all_asset_keys():
        assets_def = graph.get(key).assets_def
        assert assets_def.node_def.pool == WAREHOUSE_POOL, (
            f"{key.to_user_string()} is outside the pool"
        )


def test_steps_run_in_process():
    assert defs.resolve_implicit_global_asset_job_def().executor_def.name == "in_process"


def test_the_instance_gives_the_writer_pool_one_slot(tmp_path, monkeypatch):
    from lifecrm.orchestration import prepare_instance

    monkeypatch.setenv("LIFECRM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", "")
    prepare_instance()
    assert (tmp_path / "dagster" / "dagster.yaml").is_file()
    with dg.DagsterInstance.from_config(str(tmp_path / "dagster")) as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1


def test_a_large_dbt_subset_is_not_run_from_a_copy_of_the_repository():
    import inspect

    import dagster_dbt.asset_utils

    from dagster_project.defs.warehouse.project import SELECTION_ARGS_LIMIT

    # the limit is still the name dagster-dbt reads (an upgrade that renames it must fail here)
    assert "> _SELECTION_ARGS_THRESHOLD" in inspect.getsource(dagster_dbt.asset_utils)
    assert dagster_dbt.asset_utils._SELECTION_ARGS_THRESHOLD == SELECTION_ARGS_LIMIT
    manifest_nodes = len(dbt_nodes())
    assert manifest_nodes < SELECTION_ARGS_LIMIT


def dbt_nodes() -> list[str]:
    import json

    from dagster_project.defs.warehouse.project import dbt_project

    manifest = json.loads(dbt_project.manifest_path.read_text())
    return [*manifest["nodes"], *manifest["sources"], *manifest.get("unit_tests", {})]
