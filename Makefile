# lifecrm: `make run` builds the warehouse from a simulated insurer; `make test` checks everything.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Size of the simulated insurer `make run` generates.
CUSTOMERS ?= 5000

.PHONY: run test test-spark dev sql bench lint lint-sql format install spark java browser old-reader clean

run: install
	$(BIN)/lifecrm generate --customers $(CUSTOMERS)
	$(BIN)/lifecrm run

# The Spark parity test fails here rather than skip when pyspark or Java is missing. The suite
# runs on PYTEST_WORKERS processes, each world's tests on one of them (tests/conftest.py).
PYTEST_WORKERS ?= 2
test: install spark browser old-reader lint-sql
	LIFECRM_REQUIRE_SPARK=1 $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder

# The Spark parity test alone (docs/scaling-out.md).
test-spark: install spark
	LIFECRM_REQUIRE_SPARK=1 $(BIN)/pytest tests/test_spark_parity.py

# The same dbt project on Apache Spark (docs/scaling-out.md): the spark extra (dbt-spark and
# PySpark, about 500 MB) in the project's venv, and a Java 17 runtime for PySpark. `make test`
# needs both: the parity test builds the warehouse on Spark too. `make run` does not.
SPARK_STAMP := $(VENV)/.spark-installed
spark: $(SPARK_STAMP) java
$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,spark]'
	@touch $@

# Debian's Java 17 runtime (21 where the release has no 17; PySpark 4 runs on both), installed
# once like chromium below when no java is on PATH. (Slim images lack the man folder the
# package's post-install script links into.)
JAVA ?= java
java:
	@command -v $(JAVA) >/dev/null || { \
		echo "installing Debian's Java 17 runtime for PySpark"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO mkdir -p /usr/share/man/man1 && \
		$$SUDO apt-get update -qq && \
		{ DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
			openjdk-17-jre-headless || \
		  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
			openjdk-21-jre-headless; }; }

# The report test renders the executive report in Debian's Chromium (playwright drives it; it
# downloads no browser of its own). Installed once, from Debian's registry, when missing.
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { \
		echo "installing Debian's chromium for the report test"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium; }

# The oldest DuckDB the published warehouse promises to open (its storage version is v1.1.0),
# in a venv of its own beside the project's: tests/test_publish_readers.py reads the warehouse
# through it, as a BI tool embedding an older DuckDB would.
OLD_DUCKDB ?= 1.1.3
OLD_READER := $(VENV)/readers/duckdb-$(OLD_DUCKDB)
old-reader: $(OLD_READER)/.installed
$(OLD_READER)/.installed:
	$(PYTHON) -m venv $(OLD_READER)
	$(OLD_READER)/bin/python -m pip install --quiet duckdb==$(OLD_DUCKDB)
	@touch $@

dev: install
	$(BIN)/lifecrm dev

# Time and peak memory of ingestion (phase by phase beside the floor, on the INGEST_BENCH_SIZES
# worlds), the simulator and the pipeline (BENCH_SIZES=1000000 for the big one).
INGEST_BENCH_SIZES ?= 200000,1000000
BENCH_SIZES ?= 50000,200000
bench: install
	$(BIN)/python benchmarks/run.py --ingest-sizes $(INGEST_BENCH_SIZES) --sizes $(BENCH_SIZES)

sql: install
	$(BIN)/duckdb -readonly $${LIFECRM_DATA_DIR:-data}/warehouse/lifecrm.duckdb

lint: install lint-sql
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# SQLFluff on the dbt models (.sqlfluff). Its dbt templater compiles every model and opens the
# profile's DuckDB file as it does: give it an empty throwaway data directory, so linting needs
# no built warehouse and never waits on one that Dagster or a run holds (and a throwaway
# pseudonymisation key: it keys nothing).
lint-sql: install
	@tmp=$$(mktemp -d) && mkdir -p "$$tmp/warehouse" && \
	LIFECRM_DATA_DIR="$$tmp" DBT_TARGET_PATH="$$tmp/dbt" DBT_LOG_PATH="$$tmp/dbt" \
		LIFECRM_PII_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(32))') \
		$(BIN)/sqlfluff lint --processes 2 models; \
	status=$$?; rm -rf "$$tmp"; exit $$status

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

install: $(STAMP)

# Reinstall whenever the dependencies change; constraints.txt pins every transitive version.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "lifecrm needs Python 3.11 or newer; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) data
