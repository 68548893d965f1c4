# The two set-up commands of the README: `make demo` (the main job) and `make test` (everything).
# Both create the virtualenv and install the locked dependencies themselves.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .uv/bin/uv
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: install demo test lint typecheck docs unit integration dags bench sandbox clean

$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.installed: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/python -m airflow_provider.demo

sandbox: install
	$(BIN)/python -m airflow_provider.sandbox

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

docs: install
	$(BIN)/mkdocs build --strict --quiet --site-dir site

test: lint typecheck docs
	$(BIN)/pytest $(PYTEST_ARGS)

unit: install
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

integration: install
	$(BIN)/pytest tests/integration $(PYTEST_ARGS)

dags: install
	$(BIN)/pytest tests/dags $(PYTEST_ARGS)

bench: install
	$(BIN)/python benchmarks/bulk_create.py
	$(BIN)/python benchmarks/import_time.py

clean:
	rm -rf $(VENV) .uv site .airflow reports .pytest_cache .mypy_cache .ruff_cache
