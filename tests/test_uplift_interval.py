"""The uplift interval of `strategic.campaign_effectiveness`: Newcombe's hybrid score interval of
a difference of proportions (dbt/macros/proportion_intervals.sql), checked on published examples
and for its coverage, by simulation and against the simulator's true uplift."""

from __future__ import annotations

import duckdb
import jinja2
import pytest

from lifecrm.settings import PROJECT_ROOT

MACROS = (PROJECT_ROOT / "dbt" / "macros" / "proportion_intervals.sql").read_text()


def interval_sql(x1: str, n1: str, x2: str, n2: str) -> tuple[str, str]:
    """The macro's SQL for both ends (it is plain Jinja over arithmetic: no dbt context)."""
    template = jinja2.Environment().from_string(
        MACROS + "{{ newcombe_difference_bound(x1, n1, x2, n2, side) }}"
    )
    return tuple(template.render(x1=x1, n1=n1, x2=x2, n2=n2, side=side) for side in ("low", "high"))


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [  # Newcombe (1998), Table II, method 10
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),  # no responder in the control group
    ],
)
def test_the_interval_is_newcombes(x1, n1, x2, n2, low, high):
    lower, upper = interval_sql(str(x1), str(n1), str(x2), str(n2))
    got = duckdb.sql(f"select {lower}, {upper}").fetchall()[0]
    assert got == pytest.approx((low, high), abs=6e-4)


def test_it_covers_the_true_uplift_about_95_percent_of_the_time():
    """4,000 campaigns drawn at a small world's sizes and rates (200 contacted at 8%, a control
    group of 25 at 3%): the interval holds the true 5-point uplift in about 95% of them, where
    the normal approximation's falls short."""
    lower, upper = interval_sql("x1", "n1", "x2", "n2")
    wald = "1.96 * sqrt(x1 / n1 * (1 - x1 / n1) / n1 + x2 / n2 * (1 - x2 / n2) / n2)"
    con = duckdb.connect()
    con.execute("select setseed(0.17)")
    covered, wald_covered = con.execute(
        f"""
        with draws as (
            select campaign,
                   cast(count(*) filter (where unit <= 200 and random() < 0.08) as double) as x1,
                   200.0 as n1,
                   cast(count(*) filter (where unit > 200 and random() < 0.03) as double) as x2,
                   25.0 as n2
            from range(4000) as c(campaign), range(1, 226) as u(unit)
            group by campaign
        )
        select avg(case when {lower} <= 0.05 and 0.05 <= {upper} then 1 else 0 end),
               avg(case when abs(x1 / n1 - x2 / n2 - 0.05) <= {wald} then 1 else 0 end)
        from draws
        """
    ).fetchall()[0]
    assert 0.935 <= covered <= 0.985, covered
    assert wald_covered < 0.935, wald_covered  # why not the normal approximation


def test_the_published_intervals_hold_the_simulators_true_uplift(built_world):
    """Each campaign's true uplift over the customers it touched (treated and control alike, by
    their true segments) lies inside the published interval for nearly every campaign."""
    data = built_world.data_dir
    con = built_world.connect()
    rows = con.execute(
        f"""
        with truth as (
            select * from read_csv('{data}/truth/campaign_uplift.csv', all_varchar = true)
        ),
        segments as (
            select customer_id, segment
            from read_csv('{data}/truth/customers.csv', all_varchar = true)
        ),
        touched as (
            select distinct campaign_id, customer_id from raw.campaign_touches
        ),
        true_uplift as (
            select touched.campaign_id, avg(cast(truth.true_uplift as double)) as uplift
            from touched
            join segments using (customer_id)
            join truth on truth.campaign_id = touched.campaign_id
                and truth.segment = segments.segment
            group by all
        )
        select e.campaign_id, t.uplift, e.response_uplift_ci_low, e.response_uplift_ci_high
        from strategic.campaign_effectiveness as e
        join true_uplift as t using (campaign_id)
        where e.control_customers > 0
        """
    ).fetchall()
    assert len(rows) >= 10
    misses = [r for r in rows if not r[2] <= r[1] <= r[3]]
    assert len(misses) <= max(1, round(0.1 * len(rows))), misses
