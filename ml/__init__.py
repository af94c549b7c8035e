"""lifecrm's data-mining library: plain scikit-learn, pandas and DuckDB, no Dagster."""
