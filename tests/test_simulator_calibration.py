"""A 50,000-customer world meets the paper's figures, measured from its exports as a warehouse
would measure them (and, for value, from the truth)."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from simulator import DefectRates, WorldConfig, generate_world

CONFIG = WorldConfig(customers=50_000, seed=2024)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    data = tmp_path_factory.mktemp("calibration")
    generate_world(CONFIG, data, rates=DefectRates.none())
    con = duckdb.connect()
    for export in ("policies", "policy_events", "agents", "customers"):
        con.execute(
            f"create view {export} as select * from "
            f"read_csv('{data}/landing/*/{export}.csv', all_varchar = true)"
        )
    con.execute(
        f"create view truth_customers as select * from read_csv('{data}/truth/customers.csv')"
    )
    return con


def one(con, sql):
    return con.execute(sql).fetchall()[0][0]


def test_25_month_persistency(world):
    """Policy-count basis: of each issue cohort, the share still in force 25 months after issue."""
    persistency = one(
        world,
        f"""
        with cohort as (
            select policy_number, cast(issue_date as date) as issued
            from policies
            where cast(issue_date as date) >= date '{CONFIG.start}'
              and cast(issue_date as date) + interval 25 month <= date '{CONFIG.end}'
        ),
        status as (
            select c.policy_number, arg_max(e.event_type, cast(e.event_date as date)) as last_event
            from cohort c join policy_events e using (policy_number)
            where cast(e.event_date as date) <= c.issued + interval 25 month
              and e.event_type in ('issued', 'lapsed', 'reinstated', 'surrendered', 'matured',
                                   'death_claim', 'free_look_cancellation')
            group by 1
        )
        select avg(case when last_event in ('issued', 'reinstated') then 1.0 else 0.0 end)
        from status
        """,
    )
    assert persistency == pytest.approx(CONFIG.persistency_25m, abs=0.02)


def test_13_month_agent_drop_out(world):
    dropout = one(
        world,
        f"""
        select avg(case
            when termination_date is not null
                and cast(termination_date as date) < cast(hire_date as date) + interval 13 month
            then 1.0 else 0.0 end)
        from agents
        where cast(hire_date as date) + interval 13 month <= date '{CONFIG.end}'
        """,
    )
    assert dropout == pytest.approx(CONFIG.agent_dropout_13m, abs=0.05)


def test_average_sum_assured_of_new_business(world):
    average = one(world, "select avg(cast(sum_assured_twd as double)) from policies")
    assert average == pytest.approx(CONFIG.new_business_sum_assured_twd, rel=0.03)


def test_policies_per_customer(world):
    per_holder = one(world, "select count(*) / count(distinct owner_customer_id) from policies")
    assert per_holder >= 1.35


def test_value_concentration_bottom_decile_is_negative(world):
    values = np.sort(np.array(world.execute(
        "select value_twd from truth_customers where is_policyholder_at_end"
    ).fetchnumpy()["value_twd"], dtype=float))[::-1]  # fmt: skip
    tenths = np.array_split(values, 10)
    shares = [t.sum() / values.sum() for t in tenths]
    assert shares[-1] < 0


def test_value_concentration_matches_the_paper(world):
    values = np.sort(np.array(world.execute(
        "select value_twd from truth_customers where is_policyholder_at_end"
    ).fetchnumpy()["value_twd"], dtype=float))[::-1]  # fmt: skip
    tenths = np.array_split(values, 10)
    shares = [t.sum() / values.sum() for t in tenths]
    assert shares[0] == pytest.approx(CONFIG.top_decile_value_share, abs=0.04)
    assert shares[-1] == pytest.approx(CONFIG.bottom_decile_value_share, abs=0.06)
