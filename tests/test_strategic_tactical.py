"""The strategic and tactical tables with real numbers, on the tiny built world: each figure is
checked against the marts (or the raw exports) by a query written independently of the model."""

from __future__ import annotations

import json
import secrets

import pytest
from scipy.stats import binom

from lifecrm import pii_key
from lifecrm.dbt_cli import run_dbt

# dbt_project.yml's vars, as the lists use them
CONTROL_GROUP_ONE_IN = 10
RETENTION_MIN_LAPSE_PROBABILITY = 0.2
RETENTION_PREMIUM_DUE_DAYS = 45
WINBACK_MONTHS = 12
SERVICE_RECOVERY_DAYS = 90
SERVICE_RECOVERY_MIN_VALUE_DECILE = 8
CAMPAIGN_LISTS = ["retention_list", "winback_list", "prospect_followup", "cross_sell_list"]


@pytest.fixture(scope="module")
def con(built_world):
    connection = built_world.connect()
    yield connection
    connection.close()


def one(con, sql: str):
    return con.execute(sql).fetchall()[0][0]


@pytest.mark.parametrize("milestone", [13, 25])
def test_scorecard_persistency_is_the_marts_figure(con, milestone):
    """Over every month, and month by month, the scorecard's roll-up is the marts' ratio."""
    marts = one(
        con,
        f"""
        select avg(case when is_in_force_at_milestone then 1.0 else 0.0 end)
        from marts.fct_policy_persistency
        where milestone_months = {milestone} and is_milestone_reached
        """,
    )
    scorecard = one(
        con,
        f"""
        select sum(persistency_{milestone}m * policies_at_{milestone}m)
            / sum(policies_at_{milestone}m)
        from strategic.crm_scorecard where segment_name = 'all' and channel_code = 'all'
        """,
    )
    assert marts is not None and 0.3 < marts < 1
    assert scorecard == pytest.approx(marts, abs=1e-9)
    differing = con.execute(
        f"""
        with marts as (
            select date_trunc('month', milestone_date) as month_start_date,
                avg(case when is_in_force_at_milestone then 1.0 else 0.0 end) as persistency
            from marts.fct_policy_persistency
            where milestone_months = {milestone} and is_milestone_reached
            group by 1
        )
        select marts.month_start_date, marts.persistency, card.persistency_{milestone}m
        from marts
        left join strategic.crm_scorecard as card
            on card.month_start_date = marts.month_start_date
            and card.segment_name = 'all' and card.channel_code = 'all'
        where card.persistency_{milestone}m is null
            or abs(card.persistency_{milestone}m - marts.persistency) > 1e-9
        """
    ).fetchall()
    assert differing == []


def test_scorecard_roll_ups_add_up_across_segments_and_channels(con):
    """The 'all' rows hold the sums of the cells they roll up, for every count."""
    mismatches = con.execute(
        """
        with cells as (
            select month_start_date, sum(policies_issued) as policies_issued,
                sum(customers_in_force) as customers_in_force, sum(margin_twd) as margin_twd
            from strategic.crm_scorecard
            where segment_name <> 'all' and channel_code <> 'all'
            group by 1
        )
        select cells.month_start_date
        from cells
        join strategic.crm_scorecard as total
            on total.month_start_date = cells.month_start_date
            and total.segment_name = 'all' and total.channel_code = 'all'
        where coalesce(total.policies_issued, 0) <> coalesce(cells.policies_issued, 0)
            or coalesce(total.customers_in_force, 0) <> coalesce(cells.customers_in_force, 0)
            or abs(coalesce(total.margin_twd, 0) - coalesce(cells.margin_twd, 0)) > 0.01
        """
    ).fetchall()
    assert mismatches == []
    # every policy issued appears once in the scorecard's count
    issued = one(con, "select count(*) from marts.dim_policy where issue_date is not null "
                      "and policy_key <> '-1'")  # fmt: skip
    assert (
        one(
            con,
            "select sum(policies_issued) from strategic.crm_scorecard "
            "where segment_name = 'all' and channel_code = 'all'",
        )
        == issued
    )


def test_scorecard_margin_adds_up_to_the_policy_margins(con):
    """The monthly margins sum to the book's historical margin (servicing cost counted per
    policy-month there, per day in the policy margins: a small difference)."""
    monthly = one(
        con,
        "select sum(margin_twd) from strategic.crm_scorecard "
        "where segment_name = 'all' and channel_code = 'all'",
    )
    margins, premiums = con.execute(
        "select sum(historical_margin_twd), sum(premiums_paid_twd) "
        "from features.feat_policy_margins"
    ).fetchall()[0]
    assert monthly == pytest.approx(margins, abs=0.01 * premiums)


def test_value_concentration_shares_add_to_one(con):
    rows = con.execute(
        "select decile, share_of_historical_margin, cumulative_share_of_historical_margin_from_top,"
        " customers, share_of_value_score, cumulative_share_of_value_score_from_top "
        "from strategic.value_concentration order by decile desc"
    ).fetchall()
    assert [r[0] for r in rows] == list(range(10, 0, -1))
    for share, cumulative in [(1, 2), (4, 5)]:
        assert sum(r[share] for r in rows) == pytest.approx(1.0, abs=1e-9)
        assert rows[-1][cumulative] == pytest.approx(1.0, abs=1e-9)
        assert rows[0][share] > rows[-1][share]  # the top decile holds more than the bottom one
    # the bands hold the current customers, every one with a policy in force, and no one else
    assert sum(r[3] for r in rows) == one(
        con, "select count(distinct customer_key) from marts.dim_policy where is_in_force"
    )


def test_persistency_table_counts_every_policy_once(con):
    counts = con.execute(
        """
        select (select sum(policies_issued) from strategic.persistency),
            (select count(distinct policy_key) from marts.fct_policy_persistency),
            (select sum(policies_persisting_25m) / sum(policies_at_25m) from strategic.persistency),
            (select avg(case when is_in_force_at_milestone then 1.0 else 0.0 end)
             from marts.fct_policy_persistency where milestone_months = 25 and is_milestone_reached)
        """
    ).fetchall()[0]
    assert counts[0] == counts[1] > 0
    assert counts[2] == pytest.approx(counts[3], abs=1e-9)


def test_agent_retention_is_the_exports_figure(con):
    """13-month retention, from the raw agents export as the simulator's calibration reads it."""
    raw = one(
        con,
        """
        select avg(case when termination_date is null or termination_date = ''
                or cast(termination_date as date) >= cast(hire_date as date) + interval 13 month
            then 1.0 else 0.0 end)
        from raw.agents
        where cast(hire_date as date) + interval 13 month
            <= (select max(batch_date) from raw.load_manifest)
        """,
    )
    table = one(
        con,
        "select sum(agents_retained_13m) / sum(agents_at_13m) from strategic.agent_retention",
    )
    assert table == pytest.approx(raw, abs=1e-9)


def test_campaign_effectiveness_counts_every_touch(con):
    rows = con.execute(
        """
        select c.campaign_id, e.treated_customers, e.control_customers,
            count(*) filter (where not t.is_control), count(*) filter (where t.is_control),
            e.response_uplift, e.response_uplift_ci_low, e.response_uplift_ci_high
        from strategic.campaign_effectiveness as e
        join marts.dim_campaign as c using (campaign_id)
        join marts.fct_campaign_touches as t on t.campaign_key = c.campaign_key
        group by all
        """
    ).fetchall()
    assert rows
    for campaign, treated, control, touched, held_out, uplift, low, high in rows:
        assert (treated, control) == (touched, held_out), campaign
        if uplift is not None and low is not None:
            assert low <= uplift <= high, campaign


def test_every_prospect_followup_row_meets_the_papers_three_conditions(con):
    """Checked, and the list found complete, by a query written apart from the model: asked
    about the kind of insurance in the last three months, sent its information since, no
    policy of that kind issued since asking."""
    independent = set(
        con.execute(
            """
            with as_of as (select max(batch_date) as day from raw.load_manifest),
            asked as (
                select customer_key, product_type, min(interaction_date) as asked_on
                from marts.fct_interactions, as_of
                where interaction_type in ('inquiry', 'information_request')
                    and interaction_date > as_of.day - interval 3 month
                    and interaction_date <= as_of.day
                group by all
            )
            select customer_key, product_type
            from asked
            where exists (
                select 1 from marts.fct_interactions as sent, as_of
                where sent.customer_key = asked.customer_key
                    and sent.product_type = asked.product_type
                    and sent.interaction_type = 'information_sent'
                    and sent.interaction_date >= asked.asked_on
                    and sent.interaction_date <= as_of.day
            )
            and not exists (
                select 1 from marts.dim_policy as bought
                where bought.customer_key = asked.customer_key
                    and bought.product_type = asked.product_type
                    and bought.issue_date >= asked.asked_on
            )
            -- applied since asking and in underwriting or accepted: acting on it already
            and not exists (
                select 1 from marts.fct_applications as applied
                join marts.dim_product as product using (product_key), as_of
                where applied.customer_key = asked.customer_key
                    and product.product_type = asked.product_type
                    and applied.application_date >= asked.asked_on
                    and applied.application_date <= as_of.day
                    and coalesce(applied.underwriting_decision, 'pending')
                        not in ('declined', 'postponed')
            )
            """
        ).fetchall()
    )
    listed = set(
        con.execute("select customer_key, product_type from tactical.prospect_followup").fetchall()
    )
    assert listed, "the tiny world should have someone to follow up"
    assert listed == independent
    # a declined or postponed applicant is told why, and offered no quote
    turned_down = con.execute(
        "select application_outcome, recommended_action, reason from tactical.prospect_followup "
        "where application_outcome is not null"
    ).fetchall()
    for outcome, action, reason in turned_down:
        assert "quote" not in action and outcome in action and f", {outcome} on " in reason


def test_retention_list_holds_risky_policies_with_a_premium_due_soon(con):
    rows = con.execute(
        """
        select r.policy_number, r.lapse_probability_12m, r.next_due_date - r.as_of_date,
            p.is_in_force, r.is_orphaned,
            a.is_terminated or a.agent_key = '-1' or a.branch is null as no_active_agent
        from tactical.retention_list as r
        join marts.dim_policy as p using (policy_number)
        left join marts.dim_agent as a on a.agent_key = p.agent_key
        """
    ).fetchall()
    assert rows
    for policy, probability, days_to_due, in_force, orphaned, agent_left in rows:
        assert probability >= RETENTION_MIN_LAPSE_PROBABILITY, policy
        assert 0 < days_to_due <= RETENTION_PREMIUM_DUE_DAYS, policy
        assert in_force, policy
        assert orphaned == bool(agent_left is None or agent_left), policy  # left, or none known


def test_winback_and_service_recovery_lists_meet_their_conditions(con):
    winback = con.execute(
        f"""
        select w.customer_key,
            (select count(*) from marts.dim_policy p
             where p.customer_key = w.customer_key and p.is_in_force) as in_force,
            w.latest_termination_date > w.as_of_date - interval {WINBACK_MONTHS} month
        from tactical.winback_list as w
        """
    ).fetchall()
    assert all(in_force == 0 and recent for _, in_force, recent in winback)
    recovery = con.execute(
        f"""
        select r.interaction_id, i.is_complaint, v.value_decile,
            i.interaction_date > r.as_of_date - interval {SERVICE_RECOVERY_DAYS} day
        from tactical.service_recovery as r
        join marts.fct_interactions as i using (interaction_id)
        join ml.customer_value as v on v.customer_key = r.customer_key
        """
    ).fetchall()
    for complaint, is_complaint, decile, recent in recovery:
        assert is_complaint and recent and decile >= SERVICE_RECOVERY_MIN_VALUE_DECILE, complaint


def test_customer_360_has_one_row_per_customer_and_a_consistent_stage(con):
    counts = con.execute(
        """
        select (select count(*) from tactical.customer_360),
            (select count(distinct customer_key) from tactical.customer_360),
            (select count(*) from marts.dim_customer where is_current and customer_key <> '-1')
        """
    ).fetchall()[0]
    assert counts[0] == counts[1] == counts[2]
    wrong = con.execute(
        """
        with held as (
            select customer_key, count(*) as ever, count(*) filter (where is_in_force) as in_force
            from marts.dim_policy group by 1
        )
        select c.customer_key, c.lifecycle_stage, held.ever, held.in_force
        from tactical.customer_360 as c left join held using (customer_key)
        where (c.lifecycle_stage = 'prospect') <> (coalesce(held.ever, 0) = 0)
            or (c.lifecycle_stage = 'lapsed') <> (coalesce(held.ever, 0) > 0 and held.in_force = 0)
            or c.policies_in_force <> coalesce(held.in_force, 0)
        """
    ).fetchall()
    assert wrong == []
    stages = {
        r[0]
        for r in con.execute(
            "select distinct lifecycle_stage from tactical.customer_360"
        ).fetchall()
    }
    assert {"prospect", "active", "lapsed"} <= stages


def control_share_bounds(listed: int) -> tuple[int, int]:
    """The control-group sizes a fair one-in-ten draw from `listed` rows falls outside of once in
    a million runs. The world's customer keys come from a key made afresh for each world, so
    which customers are held out changes from run to run: bounds at a few standard deviations
    would fail a correct build every few dozen runs."""
    share = 1 / CONTROL_GROUP_ONE_IN
    return int(binom.ppf(5e-7, listed, share)), int(binom.isf(5e-7, listed, share))


def test_campaign_lists_hold_out_a_random_tenth_as_control(con):
    """About one in ten, whatever the rank: the control group is not the list's tail."""
    counts = " union all ".join(
        f"select count(*) as listed, count(*) filter (where is_control_group) as control, "
        f"count(*) filter (where is_control_group and list_rank <= "
        f"(select count(*) / 2 from tactical.{name})) as top_half_control from tactical.{name}"
        for name in CAMPAIGN_LISTS
        if name != "cross_sell_list"  # empty on the tiny world: no model passes its floor
    )
    total, control, top_half_control = con.execute(
        f"select sum(listed), sum(control), sum(top_half_control) from ({counts})"
    ).fetchall()[0]
    assert total > 60  # enough for the share to mean something (its sd is 3 points at 100)
    low, high = control_share_bounds(total)
    assert low <= control <= high, (control, total)
    assert 0 < top_half_control < control


def test_the_control_group_draw_holds_out_one_in_ten_of_many_keys(tmp_path, monkeypatch):
    """The share itself, on 100,000 keys through the lists' own macro: the tiny world's hundred
    listed customers can only tell one in ten from one in two, this tells it within half a point."""
    (tmp_path / "warehouse").mkdir()
    monkeypatch.setenv(pii_key.KEY_ENV, secrets.token_hex(32))
    draw = "{{ is_control_group('some_list', 'cast(i as varchar)', \"date '2024-06-30'\") }}"
    shown = run_dbt(
        ["--quiet", "show", "--output", "json", "--inline",
         f"select count(*) as keys, count(*) filter (where {draw}) as control "
         "from range(100000) as keys(i)"],
        data_dir=tmp_path, artefacts=tmp_path / "dbt",
    )  # fmt: skip
    assert shown.returncode == 0, shown.stdout[-3000:]
    [counts] = json.loads(shown.stdout)["show"]
    assert counts["keys"] == 100_000
    assert abs(counts["control"] / counts["keys"] - 1 / CONTROL_GROUP_ONE_IN) < 0.005
