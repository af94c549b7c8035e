"""Features as of a date read nothing dated after it: planting later facts changes nothing."""

from __future__ import annotations

import shutil

import duckdb

from lifecrm.dbt_cli import run_dbt

AS_OF = "2024-06-30"


def build_features(data_dir) -> dict[str, list[tuple]]:
    """Both feature tables as of AS_OF, ordered by their keys."""
    built = run_dbt(
        ["run", "--select", "feat_customers", "feat_policies", "--vars", f"as_of_date: {AS_OF}"],
        data_dir=data_dir,
        artefacts=data_dir / "dbt",
    )
    assert built.returncode == 0, built.stdout[-3000:]
    con = duckdb.connect(str(data_dir / "warehouse" / "lifecrm.duckdb"), read_only=True)
    try:
        return {
            "customers": con.execute(
                "select * from features.feat_customers order by customer_key, feature_date"
            ).fetchall(),
            "policies": con.execute(
                "select * from features.feat_policies "
                "order by customer_key, policy_key, feature_date"
            ).fetchall(),
        }
    finally:
        con.close()


def plant(data_dir, customer: str, day: str) -> None:
    """A complaint, an installment falling due unpaid, a paid claim, a survey and a new policy,
    all on `day`."""
    con = duckdb.connect(str(data_dir / "warehouse" / "lifecrm.duckdb"))
    try:
        (policy,) = con.execute(
            "select min(policy_key) from features.feat_policies where customer_key = ?", [customer]
        ).fetchone()
        con.execute(
            "insert into marts.fct_interactions (interaction_key, customer_key, interaction_date, "
            "is_complaint, interaction_type) values ('planted', ?, ?, true, 'complaint')",
            [customer, day],
        )
        con.execute(
            "insert into marts.fct_premium_payments (premium_payment_key, policy_key, "
            "customer_key, due_date, amount_due_twd, is_paid) "
            "values ('planted', ?, ?, ?, 5000, false)",
            [policy, customer, day],
        )
        con.execute(
            "insert into marts.fct_claims (claim_key, customer_key, reported_date, paid_date, "
            "paid_amount_twd) values ('planted', ?, ?, ?, 90000)",
            [customer, day, day],
        )
        con.execute(
            "insert into marts.fct_survey_responses (survey_response_key, customer_key, "
            "respondent_type, survey_date, csat_score) values ('planted', ?, 'customer', ?, 1)",
            [customer, day],
        )
        con.execute(
            "insert into marts.dim_policy (policy_key, policy_number, customer_key, product_type, "
            "channel_code, issue_date, annualised_premium_twd) "
            "values ('planted', 'P-planted', ?, 'term', 'agent', ?, 12000)",
            [customer, day],
        )
    finally:
        con.close()


def copy_of(built_world, folder):
    (folder / "warehouse").mkdir(parents=True)
    shutil.copyfile(built_world.warehouse, folder / "warehouse" / "lifecrm.duckdb")
    shutil.copytree(built_world.data_dir / "secrets", folder / "secrets")  # its key
    return folder


def test_later_events_do_not_change_the_features(built_world, tmp_path):
    data = copy_of(built_world, tmp_path / "later")
    before = build_features(data)
    assert len(before["customers"]) > 100 and len(before["policies"]) > 100
    plant(data, before["customers"][0][0], "2024-07-01")
    assert build_features(data) == before


def test_the_same_events_a_day_earlier_do(built_world, tmp_path):
    data = copy_of(built_world, tmp_path / "earlier")
    before = build_features(data)
    customer = next(row[0] for row in before["customers"] if str(row[1]) == AS_OF)
    plant(data, customer, "2024-06-30")
    after = build_features(data)
    customers, policies = after["customers"], after["policies"]
    assert len(customers) == len(before["customers"]) and len(policies) == len(before["policies"])
    # the planted customer's features change as of AS_OF only; every other row stays
    changed_customers = {
        (row[0], str(row[1]))
        for row, old in zip(customers, before["customers"], strict=True)
        if row != old
    }
    assert changed_customers == {(customer, AS_OF)}
    # the planted customer's policies change as of AS_OF only; every other row stays
    changed = {
        (row[0], str(row[1]))
        for row, old in zip(policies, before["policies"], strict=True)
        if row != old
    }
    assert changed and {str(day) for _, day in changed} == {AS_OF}
    owners = {row[0]: row[2] for row in policies}
    assert {owners[policy] for policy, _ in changed} == {customer}
