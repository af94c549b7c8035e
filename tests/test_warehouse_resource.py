"""The warehouse resource lets go of the file even when an asset fails inside it, so the dbt
step after a failed asset can open the warehouse."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dagster_project.lib.warehouse import warehouse_resource
from lifecrm import settings
from lifecrm.warehouse_file import create_if_missing


def test_a_failing_asset_releases_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFECRM_DATA_DIR", str(tmp_path))
    create_if_missing(settings.warehouse_path())
    resource = warehouse_resource()
    with pytest.raises(ValueError, match="the asset failed"), resource.get_connection() as con:
        con.execute("create table written as select 1 as one")
        raise ValueError("the asset failed")
    # another process (as dbt is) can now open the file for writing
    opened = subprocess.run(
        [sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1]).execute("
         "'select * from written').fetchall()", str(settings.warehouse_path())],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
