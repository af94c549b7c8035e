"""Customer segmentation: every policyholder in one segment, the same on a rerun, each segment
profiled and named."""

from __future__ import annotations

import pandas as pd

from ml.segments import K_RANGE, customer_features, segment


def test_every_policyholder_has_one_segment(built_world):
    con = built_world.connect()
    holders = con.execute(
        "select count(*) from features.feat_customers "
        "where feature_date = (select max(feature_date) from features.feat_customers)"
    ).fetchall()[0][0]
    rows, distinct, segments = con.execute(
        "select count(*), count(distinct customer_key), count(distinct segment_id) "
        "from ml.customer_segments"
    ).fetchall()[0]
    assert rows == distinct == holders > 100
    assert segments in K_RANGE


def test_segments_are_the_same_on_a_rerun(built_world):
    con = built_world.connect()
    frame = customer_features(con)
    first, second = segment(frame), segment(frame)
    pd.testing.assert_frame_equal(first.assignments, second.assignments)
    stored = (
        con.sql("select customer_key, segment_id from ml.customer_segments order by customer_key")
        .to_arrow_table()
        .to_pandas()
    )
    assert stored["segment_id"].tolist() == first.assignments["segment_id"].tolist()


def test_each_segment_is_profiled_and_named(built_world):
    con = built_world.connect()
    profiles = con.sql("select * from ml.segment_profiles order by segment_id").to_arrow_table()
    profiles = profiles.to_pandas()
    sizes = (
        con.sql(
            "select segment_id, count(*) as customers "
            "from ml.customer_segments group by 1 order by 1"
        )
        .to_arrow_table()
        .to_pandas()
    )
    assert profiles["customers"].tolist() == sizes["customers"].tolist()
    assert profiles["segment_name"].is_unique
    assert all(
        name.startswith(f"{i}: ")
        for i, name in zip(profiles["segment_id"], profiles["segment_name"], strict=True)
    )
    # segments are numbered by premium in force, highest first
    assert profiles["mean_annualised_premium_in_force_twd"].is_monotonic_decreasing
