"""Lists the front line can act on (issue 17, item 2), on the world with its planted defects:
the tactical tables route every row to the servicing branch or, without an active servicing
agent, to the reassignment queue; their actions are sentences right for the customer's state,
with product and channel names; and the exports name the customer and how to reach them, one
private folder per work queue. A small hand-made warehouse checks the folders' rules where the
generated world has too few active agents to fill a branch's folder."""

from __future__ import annotations

import csv
import re
import stat
from pathlib import Path

import duckdb
import pytest

from lifecrm.reports import frontline

LISTS = [
    "retention_list", "winback_list", "prospect_followup", "cross_sell_list",
    "service_recovery", "lapse_risk_worklist",
]  # fmt: skip
ORPHAN = {name: "is_orphaned" for name in LISTS} | {"lapse_risk_worklist": "is_orphan"}
BRANCH = {name: "servicing_branch" for name in LISTS} | {"lapse_risk_worklist": "branch"}
# a row's identity in each list, by what a file carries (the customer number stands for the key)
ROW_ID = {
    "retention_list": "policy_number",
    "winback_list": "customer_number",
    "prospect_followup": "customer_number, product_type",
    "cross_sell_list": "customer_number",
    "service_recovery": "interaction_id",
}
CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")  # a snake_case code: whole_life, agent_visit, ...
HEX_KEY = re.compile(r"^[0-9a-f]{64}$")
CUSTOMER_NUMBER = re.compile(r"^C[0-9]{8}$")


def read_export(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def world(built_defective_world):
    con = built_defective_world.connect()
    yield built_defective_world, con
    con.close()


def exported_files(exports: Path) -> dict[tuple[str, str], list[dict[str, str]]]:
    """(folder, list) -> the rows of that list's files in that folder."""
    files: dict[tuple[str, str], list[dict[str, str]]] = {}
    for path in sorted(exports.glob("*/*.csv")):
        name = path.name.split("__")[0]
        files.setdefault((path.parent.name, name), []).extend(read_export(path))
    return files


def expected_rows(con, name: str) -> list[tuple]:
    """(folder, row id, is_orphaned) of each row of a list that may be contacted, the customer
    number taken from pii independently of the export code."""
    control = "not listed.is_control_group" if name != "service_recovery" else "true"
    rows = con.execute(
        f"""
        with numbers as (
            select customer_key, min(customer_id) filter (where is_primary_number) as number,
                count(*) filter (where is_primary_number) as primaries
            from pii.pii_customers group by all
        )
        select listed.work_queue, listed.is_orphaned,
            {ROW_ID[name].replace("customer_number", "numbers.number")},
            coalesce(numbers.primaries, 0) + (listed.customer_key = '-1')::int as primaries
        from tactical.{name} as listed left join numbers using (customer_key)
        where {control}
        """
    ).fetchall()
    # one customer number per person (none for a policy whose owner's record is missing)
    assert all(row[-1] == 1 for row in rows), f"{name}: one customer number per person"
    return [
        (frontline.folder_name(queue), tuple(str(v) for v in ids), orphaned)
        for queue, orphaned, *ids, _ in rows
    ]


def test_orphans_are_routed_to_the_reassignment_queue(world):
    """A row without an active servicing agent (left, or none on record) is flagged orphaned
    and worked from the reassignment queue; every other row from its agent's branch."""
    _, con = world
    for name in LISTS:
        wrong = con.execute(
            f"""
            select count(*) from tactical.{name}
            where {ORPHAN[name]} <> (work_queue = '{frontline.REASSIGNMENT_QUEUE}')
                or (not {ORPHAN[name]} and work_queue <> {BRANCH[name]})
            """
        ).fetchall()[0][0]
        assert wrong == 0, name
    # the flag checked against the agency's data, policy by policy and customer by customer
    for name, flag in (("retention_list", "is_orphaned"), ("lapse_risk_worklist", "is_orphan")):
        rows = con.execute(
            f"""
            select listed.{flag}, agent.agent_id is null or agent.agent_id = 'unknown'
                or agent.is_terminated or agent.branch is null
            from tactical.{name} as listed
            join marts.dim_policy as policy using (policy_number)
            left join marts.dim_agent as agent on agent.agent_key = policy.agent_key
            """
        ).fetchall()
        assert rows and all(flag == no_agent for flag, no_agent in rows), name
        assert any(no_agent for _, no_agent in rows), f"{name}: the world has orphans to route"
    customers = con.execute(
        """
        select c.is_orphaned, agent.agent_id is null or agent.is_terminated or agent.branch is null
        from tactical.customer_360 as c
        left join marts.dim_agent as agent on agent.agent_id = c.servicing_agent_id
        """
    ).fetchall()
    assert all(flag == no_agent for flag, no_agent in customers)
    for name in ("winback_list", "prospect_followup", "service_recovery", "cross_sell_list"):
        differ = con.execute(
            f"select count(*) from tactical.{name} join tactical.customer_360 as c "
            f"using (customer_key) where {name}.is_orphaned <> c.is_orphaned"
        ).fetchall()[0][0]
        assert differ == 0, name


def test_no_orphan_is_sent_an_agent(world):
    """No row without an active agent is told to have the agent visit or call: its action
    starts by assigning one, and its reason says why."""
    _, con = world
    for name in LISTS:
        actions = con.execute(
            f"select recommended_action from tactical.{name} where {ORPHAN[name]}"
        ).fetchall()
        if name == "service_recovery":  # the quality team's handler acts, and an agent is assigned
            assert all(" Assign the customer a " in a for (a,) in actions)
        else:
            assert all(a.startswith("Assign a ") for (a,) in actions), name
        others = con.execute(
            f"select recommended_action from tactical.{name} where not {ORPHAN[name]}"
        ).fetchall()
        assert not [a for (a,) in others if "servicing agent" in a], name
    reasons = con.execute("select reason from tactical.retention_list where is_orphaned").fetchall()
    assert reasons and all(
        "; the servicing agent has left" in r or "; no servicing agent on record" in r
        for (r,) in reasons
    )


def test_auto_debit_payers_are_not_offered_auto_debit(world):
    _, con = world
    for name in ("retention_list", "lapse_risk_worklist"):
        rows = con.execute(
            f"select payment_method, {ORPHAN[name]}, recommended_action from tactical.{name}"
        ).fetchall()
        debited = [a for method, _, a in rows if method == "auto_debit"]
        assert debited, f"{name}: the world has auto-debit payers at risk"
        assert not [a for a in debited if "automatic bank debit instead" in a], name
        # everyone else is offered the debit, except where an agent collects in person
        offered = [
            a
            for method, orphaned, a in rows
            if method != "auto_debit" and (orphaned or method != "agent_collection")
        ]
        assert offered and all("by automatic bank debit instead of" in a for a in offered), name
    checked = con.execute(
        "select recommended_action from tactical.retention_list where payment_method = 'auto_debit'"
    ).fetchall()
    assert all("is debited from their bank account" in a for (a,) in checked)


def test_actions_are_sentences_with_names_not_codes(world):
    _, con = world
    product_codes = {
        c for (c,) in con.execute("select product_code from marts.dim_product").fetchall()
    }
    for name in LISTS:
        columns = ["recommended_action"] + (["reason"] if name != "lapse_risk_worklist" else [])
        for column in columns:
            texts = [t for (t,) in con.execute(f"select {column} from tactical.{name}").fetchall()]
            for text in texts:
                assert re.fullmatch(r"[A-Z].*\.", text), (name, text)
                assert not CODE.search(text), (name, text)
                assert not re.search(r"\ban [^aeiou\s]|\ba [aeiou]", text), (name, text)
                assert not set(re.findall(r"\b[A-Z]{3}[0-9]{2}\b", text)) & product_codes, text
    # the kind of insurance asked about, by its name
    asked = con.execute(
        """
        select f.recommended_action, lower(t.product_type_name)
        from tactical.prospect_followup as f join reference.product_types as t using (product_type)
        """
    ).fetchall()
    assert asked and all(f"about {kind} insurance" in action for action, kind in asked)
    policies = con.execute(
        """
        select r.recommended_action, lower(p.product_name)
        from tactical.retention_list as r join marts.dim_policy as p using (policy_number)
        """
    ).fetchall()
    assert all(f"their {product} policy" in action for action, product in policies)


def test_exports_name_the_customer_and_how_to_reach_them(world):
    built, con = world
    exports = built.data_dir / "exports"
    files = exported_files(exports)
    assert files, "the run writes the front-line exports"
    unknown_owner = 0
    for (_, name), rows in files.items():
        for row in rows:
            assert "customer_key" not in row and "is_control_group" not in row, name
            assert {"phone", "email", "postal_address"} <= row.keys(), name
            if not row["customer_number"]:  # a policy whose owner's record is missing
                assert "the owner is missing from the customer records" in row["reason"], row
                assert "find the owner of policy" in row["recommended_action"].lower(), row
                unknown_owner += 1
                continue
            assert CUSTOMER_NUMBER.match(row["customer_number"]), row
            assert row["customer_name"], row
            assert not [value for value in row.values() if HEX_KEY.match(value)], row
    assert unknown_owner < sum(len(rows) for rows in files.values()) / 20
    # the details are the person's, from pii, and a phone wherever pii holds one
    people = {
        number: (name, phone)
        for number, name, phone in con.execute(
            "select customer_id, customer_name, phone from pii.pii_customers"
        ).fetchall()
    }
    for rows in files.values():
        for row in filter(lambda row: row["customer_number"], rows):
            name, phone = people[row["customer_number"]]
            assert row["customer_name"] == name
            assert row["phone"].lstrip("'").replace("-", "") == (phone or "").replace("-", "")


def test_exports_hold_each_work_queue_in_a_private_folder(world):
    built, con = world
    exports = built.data_dir / "exports"
    files = exported_files(exports)
    queue = frontline.folder_name(frontline.REASSIGNMENT_QUEUE)
    for name in frontline.LISTS:
        expected = expected_rows(con, name)
        written = [
            (folder, tuple(row[c.strip()] for c in ROW_ID[name].split(",")))
            for (folder, listed), rows in files.items()
            if listed == name
            for row in rows
        ]
        assert sorted(written) == sorted((folder, key) for folder, key, _ in expected), name
        # the reassignment queue holds exactly the orphans
        assert {k for f, k in written if f == queue} == {k for _, k, o in expected if o}, name
    assert (exports / queue).is_dir()
    assert stat.S_IMODE(exports.stat().st_mode) == frontline.ROOT_MODE
    for folder in exports.iterdir():
        if folder.name.startswith("."):
            continue
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        for path in folder.iterdir():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def _warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema tactical")
    con.execute("create schema pii")
    con.execute(
        """
        create table pii.pii_customers as select * from (values
            ('k1', 'C00000001', '=cmd()', '0912345678', 'a@example.tw', 'No. 1, Main Rd.',
             'Xinyi', 'Taipei', '110', true),
            ('k2', 'C00000002', '王小明', null, null, 'No. 2, Main Rd.', 'Xinyi', 'Taipei',
             '110', false),
            ('k2', 'C00000012', '王小明', '0987654321', null, 'No. 2, Main Rd.', 'Xinyi',
             'Taipei', '110', true),
            ('k3', 'C00000003', '李大華', '+886 2 1234', null, 'No. 3', 'Zuoying', 'Kaohsiung',
             '813', true)
        ) as t(customer_key, customer_id, customer_name, phone, email, address_line, district,
               city, postal_code, is_primary_number)
        """
    )
    con.execute(
        """
        create table tactical.winback_list as select * from (values
            (1, 'k1', 'New Taipei', 'New Taipei', false, 'email', 'Visit.', false),
            (2, 'k2', 'Kaohsiung', 'reassignment queue', true, 'email', 'Assign.', false),
            (3, 'k3', 'Kaohsiung', 'Kaohsiung', false, 'call_centre', 'Call.', false),
            (4, 'k3', 'Kaohsiung', 'Kaohsiung', false, 'call_centre', 'Held out.', true)
        ) as t(list_rank, customer_key, servicing_branch, work_queue, is_orphaned,
               preferred_channel, recommended_action, is_control_group)
        """
    )
    return con


def test_export_folders_on_a_small_warehouse(tmp_path):
    """One private folder per work queue, the orphan in the reassignment queue, a person held
    under two customer numbers reached by the primary one, formula-like PII defused, and the
    folders of queues with nothing today (or of the earlier one-folder-per-list layout) gone."""
    con = _warehouse(tmp_path / "w.duckdb")
    exports = tmp_path / "exports"
    (exports / "winback_list").mkdir(parents=True)  # the earlier layout's folder
    (exports / "winback_list" / "taipei__email.csv").write_text("old\n")
    (exports / "notes").mkdir()  # not the exports': left alone
    [result] = frontline.export_all(con, exports, ["winback_list"])
    assert (result.rows, result.control_rows_held_back, result.files) == (3, 1, 3)
    assert result.reassigned_rows == 1
    assert sorted(p.relative_to(exports).as_posix() for p in exports.glob("*/*.csv")) == [
        "kaohsiung/winback_list__call_centre.csv",
        "new-taipei/winback_list__email.csv",
        "reassignment-queue/winback_list__email.csv",
    ]
    assert (exports / "notes").is_dir() and not (exports / "winback_list").exists()
    [orphan] = read_export(exports / "reassignment-queue" / "winback_list__email.csv")
    assert orphan["customer_number"] == "C00000012" and orphan["phone"] == "0987-654-321"
    [first] = read_export(exports / "new-taipei" / "winback_list__email.csv")
    assert first["customer_name"] == "'=cmd()" and first["phone"] == "0912-345-678"
    assert first["postal_address"] == "No. 1, Main Rd., Xinyi, Taipei 110"
    assert list(first)[:3] == ["list_rank", "customer_number", "customer_name"]
    assert not {"customer_key", "work_queue", "is_orphaned", "is_control_group"} & first.keys()
    [called] = read_export(exports / "kaohsiung" / "winback_list__call_centre.csv")
    assert called["phone"] == "'+886 2 1234" and called["recommended_action"] == "Call."
    for folder in ("kaohsiung", "new-taipei", "reassignment-queue"):
        assert stat.S_IMODE((exports / folder).stat().st_mode) == 0o700
    # tomorrow New Taipei has nobody to call: its folder goes, with yesterday's details
    con.execute("delete from tactical.winback_list where work_queue = 'New Taipei'")
    frontline.export_all(con, exports, ["winback_list"])
    assert sorted(p.name for p in exports.iterdir() if not p.name.startswith(".")) == [
        "kaohsiung", "notes", "reassignment-queue",
    ]  # fmt: skip
    assert not [p for p in exports.iterdir() if p.name.startswith(".frontline")]
    con.close()
