# The two set-up commands of the README: `make demo` (the main job) and `make test` (everything).
# Both create the virtualenv and install the locked dependencies themselves.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .uv/bin/uv
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

# the lowest Airflow we support: the provider's unit and integration tests also run against it
MIN_AIRFLOW := 3.2.2
MIN_VENV := .venv-airflow-min

CLUSTER_VENV := .venv-cluster

.PHONY: install demo test lint typecheck docs unit integration dags bench sandbox clean test-min-airflow \
	browser-deps browser docs-images cluster cluster-deps system-test

$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.installed: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

install: $(VENV)/.installed

# the demo runner lives beside the example DAGs (not in the wheel)
demo: install
	$(BIN)/python dags/fulfillment_demo.py

sandbox: install
	$(BIN)/python -m airflow_provider.sandbox

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

docs: install
	$(BIN)/mkdocs build --strict --quiet --site-dir site

# Debian's chromium + chromedriver for tests/browser (no browser download: the network may be closed)
browser-deps:
	@(command -v chromium && command -v chromedriver) >/dev/null || \
		(apt-get update && apt-get install -y chromium chromium-driver)

# The suites on both Airflow versions run side by side, one core each (the older one's output is
# printed after the current one's); either failing fails the target.
test: browser-deps lint typecheck docs $(MIN_VENV)/.installed
	@$(MAKE) --no-print-directory test-min-airflow > .test-min-airflow.log 2>&1 & older=$$!; \
	$(BIN)/pytest $(PYTEST_ARGS); current=$$?; \
	wait $$older; older_rc=$$?; \
	echo "==================== Airflow $(MIN_AIRFLOW) (run beside the suite above) ===================="; \
	cat .test-min-airflow.log; \
	echo "suite on the current Airflow: exit $$current; on Airflow $(MIN_AIRFLOW): exit $$older_rc"; \
	test $$current -eq 0 && test $$older_rc -eq 0

# Resolved fresh around apache-airflow==$(MIN_AIRFLOW) (the lock pins the current Airflow). DAG
# tests (dag.test()) are left out: Airflow 3.2.2's in-process dag.test() fails on its own models.
$(MIN_VENV)/.installed: pyproject.toml | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(MIN_VENV)
	$(UV) pip install --quiet --python $(MIN_VENV)/bin/python \
		"apache-airflow==$(MIN_AIRFLOW)" -e . pytest pytest-asyncio
	touch $@

# the 20,000-order checkpoint run is proven once, on the current Airflow: 3,000 orders here
test-min-airflow: $(MIN_VENV)/.installed
	FULFILLMENT_CHECKPOINT_TEST_ORDERS=3000 $(MIN_VENV)/bin/python -m pytest -q tests/unit tests/integration $(PYTEST_ARGS)

unit: install
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

integration: install
	$(BIN)/pytest tests/integration $(PYTEST_ARGS)

dags: install
	$(BIN)/pytest tests/dags $(PYTEST_ARGS)

browser: install browser-deps
	$(BIN)/pytest tests/browser $(PYTEST_ARGS)

# re-take the screenshots in docs/images (the four connection forms, the flagship DAG's graph);
# a CJK font, or 超8's name shows as a box
docs-images: install browser-deps
	@fc-list :lang=zh | grep -q . || (apt-get update && apt-get install -y fonts-wqy-zenhei)
	UPDATE_DOCS_IMAGES=1 $(BIN)/pytest tests/browser $(PYTEST_ARGS)

# The interleaved table (every variant in a fresh process, round by round, load beside each figure)
# and its chart; then the 100,000-order retry figures when that benchmark is there, memory and XCom
# at scale (in process), the look-up before create, the import cost.
bench: install
	$(BIN)/python benchmarks/interleaved.py --json reports/bench-interleaved.json
	$(BIN)/python benchmarks/chart.py reports/bench-interleaved.json reports/bench-concurrency.svg
	@if [ -f benchmarks/retry_checkpoint.py ]; then $(BIN)/python benchmarks/retry_checkpoint.py; fi
	$(BIN)/python benchmarks/bulk_scale.py --sandbox-sizes ""
	$(BIN)/python benchmarks/lookup_first_cost.py
	$(BIN)/python benchmarks/import_time.py

clean:
	rm -rf $(VENV) $(MIN_VENV) $(CLUSTER_VENV) .uv site .airflow reports .pytest_cache .mypy_cache .ruff_cache

# The distributed deployment (CeleryExecutor: api-server, scheduler, dag-processor, two triggerers,
# three Celery workers; Postgres and Redis from Debian's packages) in its own virtualenv.
cluster-deps:
	@command -v redis-server >/dev/null || (apt-get update -qq && apt-get install -y -qq redis-server)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq postgresql)

$(CLUSTER_VENV)/.installed: uv.lock pyproject.toml | $(UV)
	UV_PROJECT_ENVIRONMENT=$(CLUSTER_VENV) $(UV) sync --frozen --python $(PYTHON) --group cluster
	touch $@

# the fleet, supervised, until Ctrl-C; ROOT=<dir> keeps it there (default: a new temp dir)
cluster: cluster-deps $(CLUSTER_VENV)/.installed
	$(CLUSTER_VENV)/bin/python cluster/fleet.py $(if $(ROOT),--root $(ROOT))

# every scenario by default; SCENARIOS=api-server,postgres runs those (names: tests/system/test_chaos.py, flagship, watcher, planted)
system-test: cluster-deps $(CLUSTER_VENV)/.installed
	FULFILLMENT_SYSTEM_TEST=1 FLEET_SCENARIOS=$(SCENARIOS) $(CLUSTER_VENV)/bin/python -m pytest tests/system -s -q -p no:cacheprovider $(PYTEST_ARGS)
