"""The semantic layer answers through MetricFlow what plain SQL over the marts answers; dbt's
docs site describes every mart column."""

from __future__ import annotations

import csv
from decimal import Decimal

from conftest import lifecrm

# The README's question: annualised premium by channel and product for 2023.
QUERY = [
    "metrics", "query",
    "--metrics", "annualised_premium",
    "--group-by", "metric_time__year,channel__channel_name,product__product_name",
    "--where", "{{ TimeDimension('metric_time', 'year') }} = '2023-01-01'",
]  # fmt: skip

PLAIN_SQL = """
select channel.channel_name, product.product_name, sum(policy.annualised_premium_twd)
from marts.dim_policy as policy
join marts.dim_channel as channel using (channel_key)
join marts.dim_product as product using (product_key)
where policy.issue_date >= date '2023-01-01' and policy.issue_date < date '2024-01-01'
group by all
"""


def test_metricflow_answers_the_readme_question_as_sql_does(built_world, tmp_path):
    out = tmp_path / "answer.csv"
    asked = lifecrm(built_world.data_dir, *QUERY, "--csv", str(out), "--quiet")
    assert asked.returncode == 0, asked.stdout[-3000:] + asked.stderr[-3000:]
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert {row["metric_time__year"][:4] for row in rows} == {"2023"}
    metricflow = {
        (row["channel__channel_name"], row["product__product_name"]): Decimal(
            row["annualised_premium"]
        )
        for row in rows
    }
    con = built_world.connect()
    sql = {
        (channel, product): total for channel, product, total in con.execute(PLAIN_SQL).fetchall()
    }
    assert len(sql) > 5
    assert metricflow == sql


def test_premiums_paid_leaves_out_what_a_free_look_cancellation_refunded(built_world, tmp_path):
    """One definition of premiums paid: the metric, like the margins and the value model, counts
    what was paid and kept; a free-look cancellation's premiums were refunded."""
    out = tmp_path / "paid.csv"
    asked = lifecrm(
        built_world.data_dir, "metrics", "query", "--metrics", "premiums_paid",
        "--csv", str(out), "--quiet",
    )  # fmt: skip
    assert asked.returncode == 0, asked.stdout[-3000:] + asked.stderr[-3000:]
    with out.open(newline="") as f:
        (row,) = list(csv.DictReader(f))
    con = built_world.connect()
    gross, kept = con.execute(
        "select sum(amount_paid_twd), sum(amount_paid_twd) filter (where not is_premium_refunded) "
        "from marts.fct_premium_payments join marts.dim_policy using (policy_key)"
    ).fetchone()
    (refunded_in_margins,) = con.execute(
        "select sum(premiums_paid_twd) from features.feat_policy_margins "
        "join marts.dim_policy using (policy_key) where is_premium_refunded"
    ).fetchone()
    assert kept < gross  # the tiny world has free-look cancellations that had paid
    assert round(Decimal(row["premiums_paid"])) == round(kept)
    assert refunded_in_margins == 0


def test_in_force_premium_is_dim_policys_premium_in_force(built_world, tmp_path):
    """One definition of premium in force: the metric's as-of month is the premium the
    strategic tables sum from dim_policy, which leaves out the paid-up policies it counts in
    force (the tiny world has one)."""
    out = tmp_path / "in_force.csv"
    asked = lifecrm(
        built_world.data_dir, "metrics", "query",
        "--metrics", "in_force_premium,in_force_policies", "--group-by", "metric_time__month",
        "--order", "-metric_time__month", "--limit", "1", "--csv", str(out), "--quiet",
    )  # fmt: skip
    assert asked.returncode == 0, asked.stdout[-3000:] + asked.stderr[-3000:]
    with out.open(newline="") as f:
        (row,) = list(csv.DictReader(f))
    con = built_world.connect()
    policies, premium, paid_up = con.execute(
        "select count(*) filter (where is_in_force), sum(annualised_premium_in_force_twd), "
        "count(*) filter (where is_paid_up) from marts.dim_policy"
    ).fetchone()
    assert paid_up > 0
    assert int(Decimal(row["in_force_policies"])) == policies
    assert Decimal(row["in_force_premium"]) == premium


def test_every_metric_is_listed(built_world):
    listed = lifecrm(built_world.data_dir, "metrics", "list", "metrics")
    assert listed.returncode == 0, listed.stderr[-2000:]
    for metric in (
        "in_force_policies", "annualised_premium", "lapse_rate", "claims_paid", "csat", "nps",
        "response_rate", "conversion_rate", "persistency_13m", "persistency_25m",
    ):  # fmt: skip
        assert metric in listed.stdout, metric


def test_the_docs_site_describes_every_mart_and_report_column(built_world):
    import json

    built = lifecrm(built_world.data_dir, "docs")
    assert built.returncode == 0, built.stderr[-2000:]
    site = built_world.data_dir / "dbt" / "docs"
    assert (site / "index.html").is_file()
    catalog = json.loads((site / "catalog.json").read_text())
    manifest = json.loads((site / "manifest.json").read_text())
    marts = [
        node for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["schema"] in ("marts", "pii", "strategic", "tactical")
    ]  # fmt: skip
    assert len(marts) >= 34
    for node in marts:
        in_warehouse = catalog["nodes"][node["unique_id"]]["columns"]
        undocumented = [
            name for name in in_warehouse
            if not node["columns"].get(name, {}).get("description")
        ]  # fmt: skip
        assert undocumented == [], node["name"]
    # the report and each front-line export are exposures, with the tables they read
    exposures = {e["name"]: e["depends_on"]["nodes"] for e in manifest["exposures"].values()}
    assert "model.lifecrm.crm_scorecard" in exposures["executive_report"]
    for name in ("retention_list", "winback_list", "prospect_followup", "cross_sell_list",
                 "service_recovery"):  # fmt: skip
        # the export joins the people's contact details at export time
        assert set(exposures[f"{name}_export"]) == {
            f"model.lifecrm.{name}",
            "model.lifecrm.pii_customers",
        }
