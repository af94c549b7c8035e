"""Great Expectations' SQL engine on DuckDB (lifecrm/quality/gx_duckdb.py): the raw_customers
suite on a generated table of LIFECRM_GX_MEASURE_ROWS rows (default 1,000,000), with about one
row in 200 breaking a rule, and the selection of every failing row with its rules.

    .venv/bin/python benchmarks/gx_sql_engine.py
"""

from __future__ import annotations

import datetime as dt
import os
import time

import duckdb

from lifecrm.quality import gx_duckdb
from lifecrm.quality.gx_suites import load_suite

PARAMETERS = {"batch_date": dt.date(2025, 12, 31), "min_rows": 1}


def main() -> None:

    rows = int(os.environ.get("LIFECRM_GX_MEASURE_ROWS", "1000000"))
    suite, _ = load_suite("raw_customers")
    con = duckdb.connect()
    con.execute(
        f"""
        create table customers as
        select  -- about one row in 200 breaks some rule, as a delivery with planted defects
            'C' || lpad((case when i % 997 = 0 then 1 else i end)::varchar, 8, '0')
                as customer_id,
            case when i % 991 = 0 then 'A123456788' when i % 983 = 0 then null
                else ['A123456789', 'F131104093'][i % 2 + 1] end as national_id,
            'name ' || i as customer_name,
            case when i % 977 = 0 then '113/05/03' else '1980-05-03' end as birth_date,
            case when i % 971 = 0 then 'X' else ['M', 'F'][i % 2 + 1] end as gender,
            ['single', 'married', 'divorced', 'widowed'][i % 4 + 1] as marital_status,
            case when i % 967 = 0 then '9' else ((i % 6) + 1)::varchar end as occupation_class,
            ['low', 'middle', 'high'][i % 3 + 1] as income_band,
            'Taipei' as city, 'Da''an' as district, '106' as postal_code,
            'No. ' || i as address_line,
            case when i % 953 = 0 then '12345' else '0912345678' end as phone,
            'c' || i || '@example.com.tw' as email,
            ['referral', 'advertising', 'bank'][i % 3 + 1] as acquisition_source,
            '2019-01-02' as created_date,
            case when i % 977 = 0 then null else date '1980-05-03' end as birth_date__as_date,
            case when i % 947 = 0 then date '2030-01-01' else date '2019-01-02' end
                as created_date__as_date,
            'landing/2025-12-31/customers.csv' as _source_file,
            i + 2 as _source_line
        from range({rows}) r(i)
        """
    )
    with gx_duckdb.DuckDBValidator(con) as validator:
        start = time.perf_counter()
        result = validator.validate(suite, table="customers", expectation_parameters=PARAMETERS)
        validated = time.perf_counter() - start
        start = time.perf_counter()
        quarantined = con.execute(f"select count(*) from ({result.failing_rows_sql()})").fetchall()[
            0
        ][0]
        selected = time.perf_counter() - start
    print(
        f"\nraw_customers suite ({len(result.results)} expectations) on {rows:,} rows: "
        f"{validated:.1f} s, {rows / validated:,.0f} rows/s; selecting the "
        f"{quarantined:,} failing rows with their rules: {selected:.1f} s"
    )


if __name__ == "__main__":
    main()
