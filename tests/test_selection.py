"""`lifecrm run --select` runs the checks a selection can evaluate and names those it leaves out,
as dbt's `buildable` indirect selection and Dagster's UI see it."""

from __future__ import annotations

from conftest import lifecrm


def test_a_selection_leaves_out_the_tests_of_parents_it_does_not_select(built_world):
    run = lifecrm(built_world.data_dir, "run", "--select", "key:marts/dim_policy")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    output = run.stdout + run.stderr
    assert "planned but never evaluated" not in output
    # dim_policy's relationships to dim_customer: dim_customer is neither selected nor upstream
    assert "left out 2 check(s) this selection cannot evaluate" in output
    assert "relationships_dim_policy_customer_key__customer_key__ref_dim_customer_" in output
    assert "published " in output  # the checks it ran passed: the selection is published
