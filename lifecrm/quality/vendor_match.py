"""How well the purchased household data matches the insurer's customers."""

from __future__ import annotations

import duckdb

MATCH_SQL = """
with customers as (
    select distinct upper(trim(national_id)) as national_id from raw.customers
    where national_id is not null
),
vendor as (
    select distinct national_id_sha256 from raw.external_households
    where national_id_sha256 is not null
)
select
    (select count(*) from customers) as customers,
    (select count(*) from vendor) as vendor_people,
    count(*) as matched
from customers join vendor on sha256(customers.national_id) = vendor.national_id_sha256
"""


def match_rate(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Share of customers the vendor's records reach (by the hash of the national ID), and the
    share of the vendor's people who are customers."""
    customers, vendor_people, matched = con.execute(MATCH_SQL).fetchall()[0]
    return {
        "customers": customers,
        "vendor_people": vendor_people,
        "matched": matched,
        "customer_match_rate": matched / customers if customers else 0.0,
        "vendor_match_rate": matched / vendor_people if vendor_people else 0.0,
    }
