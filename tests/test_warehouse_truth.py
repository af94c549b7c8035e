"""The marts measure the simulated world correctly: on a clean world, persistency by issue-year
cohort and channel, total premiums and the policy count equal what the ground truth and the
exports say."""

from __future__ import annotations

import pytest

# Persistency N months on: of the policies issued in a cohort whose N-th month after the issue
# month has ended by the as-of date, the share in force at that month's end.
MARTS_PERSISTENCY = """
with as_of as (select max(status_as_of_date) as as_of_date from marts.dim_policy),
cohort as (
    select policies.policy_key, year(policies.issue_date) as issue_year, policies.channel_code
    from marts.dim_policy as policies, as_of
    where policies.policy_key <> '-1'
        and last_day(date_trunc('month', policies.issue_date) + to_months($months)) <= as_of_date
)
select cohort.issue_year, cohort.channel_code, count(*) as policies,
    count(*) filter (where months.is_in_force) as in_force
from cohort
left join marts.fct_policy_months as months
    on months.policy_key = cohort.policy_key and months.months_since_issue = $months
group by all
order by all
"""

# The same from the persistency milestones the semantic layer's metrics use.
MILESTONE_PERSISTENCY = """
select year(milestones.issue_date) as issue_year, channels.channel_code,
    count(*) as policies, count(*) filter (where is_in_force_at_milestone) as in_force
from marts.fct_policy_persistency as milestones
join marts.dim_channel as channels using (channel_key)
where milestones.milestone_months = $months and milestones.is_milestone_reached
group by all
order by all
"""

# The same from the simulator's truth: a policy is in force unless it has ended, or lapsed and
# not (yet) been reinstated.
TRUTH_PERSISTENCY = """
with as_of as (select max(status_as_of_date) as as_of_date from marts.dim_policy),
truth as (
    select policy_number, cast(end_date as date) as end_date,
        cast(lapse_date as date) as lapse_date, cast(reinstate_date as date) as reinstate_date
    from read_csv($truth, all_varchar = true)
),
exported as (
    select policy_number, cast(issue_date as date) as issue_date, channel
    from read_csv($policies, all_varchar = true)
),
cohort as (
    select exported.*, truth.end_date, truth.lapse_date, truth.reinstate_date,
        last_day(date_trunc('month', issue_date) + to_months($months)) as mark
    from exported join truth using (policy_number), as_of
    where last_day(date_trunc('month', issue_date) + to_months($months)) <= as_of_date
)
select year(issue_date) as issue_year, channel as channel_code, count(*) as policies,
    count(*) filter (
        where (end_date is null or end_date > mark)
        and not coalesce(lapse_date <= mark and (reinstate_date is null or reinstate_date > mark),
                         false)
    ) as in_force
from cohort
group by all
order by all
"""


@pytest.mark.parametrize("months", [13, 25])
def test_persistency_by_cohort_and_channel_equals_the_truth(built_world, months):
    con = built_world.connect()
    marts = con.execute(MARTS_PERSISTENCY, {"months": months}).fetchall()
    truth = con.execute(
        TRUTH_PERSISTENCY,
        {
            "months": months,
            "truth": str(built_world.data_dir / "truth" / "policies.csv"),
            "policies": str(built_world.batch_dir / "policies.csv"),
        },
    ).fetchall()
    assert len(marts) >= 10  # several issue years and channels
    assert sum(row[3] for row in marts) < sum(row[2] for row in marts)  # some policies lapsed
    assert marts == truth
    assert con.execute(MILESTONE_PERSISTENCY, {"months": months}).fetchall() == truth


def test_premiums_paid_in_the_marts_equal_the_exports(built_world):
    con = built_world.connect()
    payments = str(built_world.batch_dir / "premium_payments.csv")
    exported = con.execute(
        "select sum(cast(amount_paid_twd as decimal(18, 2))), "
        "sum(cast(amount_due_twd as decimal(18, 2))) from read_csv(?, all_varchar = true)",
        [payments],
    ).fetchall()[0]
    in_marts = con.execute(
        "select sum(amount_paid_twd), sum(amount_due_twd) from marts.fct_premium_payments"
    ).fetchall()[0]
    assert in_marts == exported
    monthly = con.execute(
        "select sum(premium_paid_twd) from marts.fct_policy_months"
    ).fetchall()[0][0]  # fmt: skip
    # the policy-month snapshot stops at the as-of month: every payment due by then is in it
    assert (
        monthly
        == con.execute(
            "select sum(amount_paid_twd) from marts.fct_premium_payments "
            "where due_date <= (select max(status_as_of_date) from marts.dim_policy)"
        ).fetchall()[0][0]
    )


def test_every_exported_policy_is_in_dim_policy_exactly_once(built_world):
    con = built_world.connect()
    policies = str(built_world.batch_dir / "policies.csv")
    missing_or_repeated = con.execute(
        "select exported.policy_number, count(dim.policy_number) "
        "from read_csv(?, all_varchar = true) as exported "
        "left join marts.dim_policy as dim using (policy_number) "
        "group by 1 having count(dim.policy_number) <> 1",
        [policies],
    ).fetchall()
    assert missing_or_repeated == []
    assert con.execute("select count(*) from marts.dim_policy").fetchall()[0][0] == (
        built_world.manifest_rows()["policies"] + 1  # and the unknown member
    )
