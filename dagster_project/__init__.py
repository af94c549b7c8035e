"""lifecrm's Dagster code location."""
