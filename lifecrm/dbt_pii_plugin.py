"""A dbt-duckdb plugin that hands each DuckDB connection the pseudonymisation key.

The key's HMAC pads become session variables of every cursor dbt opens (`getvariable` in
dbt/macros/pseudonymise.sql), so the compiled SQL, dbt's logs and its artefacts never hold the
key. Named by the DuckDB targets in dbt/profiles.yml.
"""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.exceptions import DbtRuntimeError

from lifecrm import pii_key, settings

INNER_VARIABLE = "lifecrm_pii_ipad"
OUTER_VARIABLE = "lifecrm_pii_opad"


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict) -> None:
        try:
            self.inner, self.outer = pii_key.pads(pii_key.resolve(settings.data_dir()))
        except pii_key.PiiKeyError as error:
            raise DbtRuntimeError(str(error)) from None

    def configure_cursor(self, cursor) -> None:
        cursor.execute(f"set variable {INNER_VARIABLE} = ?", [self.inner])
        cursor.execute(f"set variable {OUTER_VARIABLE} = ?", [self.outer])
