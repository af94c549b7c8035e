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


# The truth's book on the as-of date: each exported policy in force (not ended, not lapsed
# unless reinstated since) and whether it had been made paid-up by then.
TRUTH_BOOK = """
with as_of as (select max(status_as_of_date) as as_of_date from marts.dim_policy),
truth as (
    select policy_number, cast(end_date as date) as end_date,
        cast(lapse_date as date) as lapse_date, cast(reinstate_date as date) as reinstate_date,
        cast(nullif(paid_up_date, '') as date) as paid_up_date
    from read_csv($truth, all_varchar = true)
),
exported as (
    select policy_number, cast(annualised_premium_twd as decimal(18, 2)) as annualised_premium_twd
    from read_csv($policies, all_varchar = true)
)
select exported.policy_number, exported.annualised_premium_twd,
    coalesce(truth.paid_up_date <= as_of_date, false) as is_paid_up
from exported join truth using (policy_number), as_of
where (truth.end_date is null or truth.end_date > as_of_date)
    and not coalesce(truth.lapse_date <= as_of_date
                     and (truth.reinstate_date is null or truth.reinstate_date > as_of_date), false)
"""


def truth_book(built_world, con) -> list[tuple]:
    return con.execute(
        TRUTH_BOOK,
        {
            "truth": str(built_world.data_dir / "truth" / "policies.csv"),
            "policies": str(built_world.batch_dir / "policies.csv"),
        },
    ).fetchall()


def test_premium_in_force_leaves_out_the_paid_up_policies_the_truth_has(built_world):
    """A paid-up policy stays in force but pays no premium: the premium in force is the truth's
    book of paying policies, the same in dim_policy, the strategic table and the policy-months
    (the in_force_premium metric's measure) on the as-of month."""
    con = built_world.connect()
    book = truth_book(built_world, con)
    paid_up = sorted(number for number, _, is_paid_up in book if is_paid_up)
    assert paid_up  # the tiny world has a paid-up policy in force (one, P0000000085)
    true_premium = sum(premium for _, premium, is_paid_up in book if not is_paid_up)
    assert con.execute(
        "select policy_number from marts.dim_policy where is_paid_up order by 1"
    ).fetchall() == [(number,) for number in paid_up]
    in_force = con.execute(
        "select count(*), sum(annualised_premium_in_force_twd) from marts.dim_policy "
        "where is_in_force"
    ).fetchone()
    assert in_force == (len(book), true_premium)
    (strategic,) = con.execute(
        "select sum(annualised_premium_in_force_twd) from strategic.inforce_premium_by_product"
    ).fetchone()
    as_of_month = con.execute(
        "select count(*) filter (where is_in_force), count(*) filter (where is_paid_up), "
        "sum(annualised_premium_in_force_twd) from marts.fct_policy_months "
        "where month_start_date = (select max(month_start_date) from marts.fct_policy_months)"
    ).fetchone()
    assert strategic == true_premium
    assert as_of_month == (len(book), len(paid_up), true_premium)


def test_a_paid_up_policy_is_neither_scored_nor_learnt_from_for_lapse(built_world):
    """It pays no premium, so it cannot lapse for non-payment: from the day it went paid-up it
    has no row in the lapse features, and no lapse score."""
    con = built_world.connect()
    paid_up = [number for number, _, is_paid_up in truth_book(built_world, con) if is_paid_up]
    assert paid_up
    featured = con.execute(
        "select count(*) from features.feat_policies as features "
        "join marts.dim_policy as policies using (policy_key) "
        "where policies.paid_up_date <= features.feature_date"
    ).fetchone()[0]
    scored = con.execute(
        "select policies.policy_number from ml.policy_lapse_scores as scores "
        "join marts.dim_policy as policies using (policy_key) "
        "where list_contains($paid_up, policies.policy_number)",
        {"paid_up": paid_up},
    ).fetchall()
    assert featured == 0
    assert scored == []


def test_premiums_paid_are_net_of_free_look_refunds_as_the_truth_books_them(built_world):
    """One definition: premiums paid and kept. The payments a free-look cancellation refunded
    are received in fct_premium_payments but counted nowhere as premiums paid; what is left is
    the truth's books, in the margins and in the definition dim_policy gives the fact."""
    con = built_world.connect()
    truth = str(built_world.data_dir / "truth" / "customers.csv")
    (true_premiums,) = con.execute(
        "select sum(cast(premiums_paid_twd as decimal(18, 2))) "
        "from read_csv(?, all_varchar = true)",
        [truth],
    ).fetchone()
    received, kept = con.execute(
        "select sum(amount_paid_twd), "
        "sum(amount_paid_twd) filter (where not policies.is_premium_refunded) "
        "from marts.fct_premium_payments join marts.dim_policy as policies using (policy_key)"
    ).fetchone()
    (in_margins,) = con.execute(
        "select sum(premiums_paid_twd) from features.feat_policy_margins"
    ).fetchone()  # fmt: skip
    assert kept < received  # the tiny world's free-look cancellations had paid their first premium
    assert kept == true_premiums
    assert in_margins == pytest.approx(float(true_premiums))
