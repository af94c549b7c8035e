"""Who the simulated insurer's people are and whom its campaigns reach (issue 18, items 3-4).

National IDs are issued once: no two people share one, however many blocks a world is simulated
in. Each campaign type reaches the customers it is for as of its start date: retention and
cross-sell the policyholders with a policy in force, win-back the former ones, acquisition the
prospects. The campaign checks read a generated world's delivered files and its truth, as an
independent query over the landing folder would.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pytest
from conftest import national_id_is_valid

from simulator import DefectRates, WorldConfig, generate_world
from simulator.block import Block
from simulator.external import external_households
from simulator.ids import block_rng
from simulator.national_id import STRANGER_BASE, make_national_ids, slots
from simulator.people import make_customers

WORLD = WorldConfig(customers=4000, seed=5)


def test_no_two_customers_of_a_200k_world_share_a_national_id():
    """Drawn at random (26 letters x 10**7 numbers per gender) about 38 pairs would collide."""
    cfg = WorldConfig(customers=200_000, seed=5)
    ids, gender = [], []
    for block in range(cfg.blocks):
        first = block * cfg.block_size
        people = make_customers(
            block_rng(cfg.seed, block, "people"), cfg, block, first, cfg.block_size
        )
        ids.append(people["national_id"])
        gender.append(people["gender"])
    ids, gender = np.concatenate(ids), np.concatenate(gender)
    assert len(ids) == cfg.customers
    assert len(np.unique(ids)) == len(ids)
    sample = np.random.default_rng(0).choice(len(ids), 500, replace=False)
    assert all(national_id_is_valid(x) for x in ids[sample])
    assert ((np.char.str_len(ids) == 10) & (ids.astype("<U2") != "")).all()
    assert (np.array([x[1] for x in ids]) == np.where(gender == "M", "1", "2")).all()


@pytest.mark.parametrize("size", [1, 2, 7, 100, 1000, 4097])
def test_the_id_scheme_is_a_bijection_of_its_slots(size):
    """Forced into a small space the scheme still gives every person a slot of their own."""
    for seed in (1, 5):
        assert sorted(slots(seed, np.arange(size), size)) == list(range(size))
    if size > 2:  # the seed decides which slot is whose
        assert not np.array_equal(slots(1, np.arange(size), size), slots(5, np.arange(size), size))


def test_ids_depend_on_the_person_not_on_the_block_that_simulates_them():
    is_male = np.array([True, False, True])
    person = np.array([3, 17_004, 99_999])
    together = make_national_ids(42, person, is_male)
    apart = [make_national_ids(42, person[i : i + 1], is_male[i : i + 1])[0] for i in range(3)]
    assert list(together) == apart
    assert list(make_national_ids(43, person, is_male)) != apart


def test_the_vendors_strangers_are_no_customers_of_any_block():
    cfg = WorldConfig(customers=30_000, seed=5)
    customer_ids, stranger_hashes = [], []
    for block in range(cfg.blocks):
        b = Block(index=block, cfg=cfg)
        b.customers = make_customers(
            block_rng(cfg.seed, block, "people"), cfg, block, block * 10_000, 10_000
        )
        customer_ids.append(b.customers["national_id"])
        export, truth = external_households(b, block_rng(cfg.seed, block, "vendor"))
        stranger = truth["quirk"] == "not_a_customer"
        assert stranger.any()
        stranger_hashes.append(export["national_id_sha256"][stranger])
    customer_hashes = {hashlib.sha256(x.encode()).hexdigest() for x in np.concatenate(customer_ids)}
    assert not customer_hashes & set(np.concatenate(stranger_hashes))
    assert STRANGER_BASE >= 10**7 * 10  # beyond the largest world ids.make_ids can number


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    """A clean 4,000-customer world: its initial extract and its truth, as views."""
    data = tmp_path_factory.mktemp("targeting")
    batch = generate_world(WORLD, data, rates=DefectRates.none())
    con = duckdb.connect()
    for name in ("campaigns", "campaign_touches", "policies", "customers"):
        con.execute(
            f"create view {name} as select * from read_csv('{batch / name}.csv', header = true)"
        )
    truth = Path(data) / "truth" / "policies.csv"
    con.execute(f"create view truth_policies as select * from read_csv('{truth}', header = true)")
    # each touch with what its customer held on the campaign's start date
    con.execute(
        """
        create view touch_holdings as
        select
            t.touch_id, t.customer_id, c.campaign_id, c.campaign_type, c.start_date,
            count(p.policy_number) filter (
                where p.issue_date < c.start_date
                and (tp.end_date is null or tp.end_date > c.start_date)
            ) as in_force,
            count(p.policy_number) filter (
                where p.issue_date < c.start_date and tp.end_date <= c.start_date
            ) as ended,
            count(p.policy_number) filter (where p.issue_date < c.start_date) as held
        from campaign_touches as t
        inner join campaigns as c on t.campaign_id = c.campaign_id
        left join policies as p on t.customer_id = p.owner_customer_id
        left join truth_policies as tp on p.policy_number = tp.policy_number
        group by all
        """
    )
    return con


def test_every_win_back_campaign_reaches_former_customers(world):
    rows = world.sql(
        """
        select c.campaign_id, count(h.touch_id) as touches,
            count(h.touch_id) filter (where h.in_force = 0 and h.ended > 0) as former
        from campaigns as c left join touch_holdings as h on c.campaign_id = h.campaign_id
        where c.campaign_type = 'winback' and c.start_date <= date '2025-10-31'
        group by c.campaign_id
        """
    ).fetchall()
    assert rows, "the world has no win-back campaign to check"
    for campaign, touches, former in rows:
        assert touches > 0, f"win-back campaign {campaign} reached nobody"
        assert former == touches, f"{campaign}: {touches - former} touches of current customers"


@pytest.mark.parametrize("kind", ["retention", "cross_sell"])
def test_retention_and_cross_sell_reach_only_customers_with_a_policy_in_force(world, kind):
    touches, without = world.execute(
        "select count(*), count(*) filter (where in_force = 0) from touch_holdings"
        " where campaign_type = ?",
        [kind],
    ).fetchone()
    assert touches > 0
    assert without == 0, f"{without} of {touches} {kind} touches reach people with nothing in force"


def test_acquisition_reaches_only_people_who_never_held_a_policy(world):
    touches, held = world.execute(
        "select count(*), count(*) filter (where held > 0) from touch_holdings"
        " where campaign_type = 'acquisition'"
    ).fetchone()
    assert touches > 0 and held == 0
