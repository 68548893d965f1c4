"""Asset URIs of the platforms, default outlets, event extras and the 3.3 retry policy (no sockets)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import DAG, Asset, AssetAlias

from airflow_provider.common.assets import (
    MAX_IDS_IN_EVENT,
    AssetUriError,
    convert_asset_to_openlineage,
    create_asset,
    emit_file_event,
    event_extra,
)
from airflow_provider.common.results import BulkReport, ItemResult
from airflow_provider.get_provider_info import get_provider_info
from airflow_provider.platforms import platforms

REPO = Path(__file__).resolve().parents[3]


def outlet_events() -> Any:
    from airflow.sdk.execution_time.context import OutletEventAccessors

    return OutletEventAccessors()


# ----------------------------------------------------------------------------- URIs


def test_every_platform_scheme_is_registered_with_handler_factory_and_converter() -> None:
    from airflow.sdk.module_loading import import_string

    (entry,) = get_provider_info()["asset-uris"]
    assert sorted(entry["schemes"]) == sorted(p.conn_type for p in platforms())
    for key in ("handler", "factory", "to_openlineage_converter"):
        assert callable(import_string(entry[key]))


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("hypersku://hypersku_default/orders", "hypersku://hypersku_default/orders"),
        ("HyperSKU://shop-eu/ORDERS/", "hypersku://shop-eu/orders"),
        ("supership://supership_default/parcels#x", "supership://supership_default/parcels"),
        ("chao8://chao8_default/logistics-orders", "chao8://chao8_default/logistics-orders"),
        ("hishopping://hishopping_default/purchases", "hishopping://hishopping_default/purchases"),
    ],
)
def test_a_platform_uri_is_normalised_by_airflow_through_our_handler(written: str, normalised: str) -> None:
    assert Asset(written).uri == normalised


@pytest.mark.parametrize(
    ("uri", "named"),
    [
        ("hypersku://hypersku_default/order", "hypersku has no dataset 'order'; it has: orders"),
        ("hypersku:///orders", "no account (the connection id)"),
        ("supership://supership_default", "no dataset after the account; supership has: parcels"),
        ("supership://me:8080/parcels", "has a user or port"),
        ("chao8://chao8_default/products?page=1", "takes no query"),
        ("hishopping://bad!account/purchases", "may hold only letters"),
    ],
)
def test_a_bad_platform_uri_fails_the_dag_parse_naming_what_is_wrong(uri: str, named: str) -> None:
    with pytest.raises(
        AssetUriError, match=named.replace("?", r"\?").replace("(", r"\(").replace(")", r"\)")
    ):
        Asset(uri)


def test_factory_and_openlineage_converter_agree_with_the_uri() -> None:
    asset = create_asset(platform="supership", account="ship eu", dataset="parcels")
    assert asset.uri == "supership://ship%20eu/parcels"
    # the converter builds OpenLineage's own dataset class: only with the OpenLineage provider
    pytest.importorskip("airflow.providers.openlineage", reason="the OpenLineage provider is optional")
    dataset = convert_asset_to_openlineage(asset)
    assert (dataset.namespace, dataset.name) == ("supership://ship%20eu", "parcels")


# ----------------------------------------------------------------------------- default outlets


def test_operators_declare_what_they_change_and_a_users_outlets_replace_it() -> None:
    from airflow_provider.chao8.constants import REPORT_NAMES
    from airflow_provider.chao8.operators import Chao8ExportReportOperator
    from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator
    from airflow_provider.supership.operators import SuperShipCreateOrdersOperator

    report = sorted(REPORT_NAMES)[0]
    with DAG("assets_outlets", schedule=None, start_date=datetime(2026, 1, 1)):
        default = HyperSkuCreateOrdersOperator(task_id="buy", orders=[])
        other_account = SuperShipCreateOrdersOperator(
            task_id="ship", orders=[], supership_conn_id="supership_hn"
        )
        own = HyperSkuCreateOrdersOperator(task_id="own", orders=[], outlets=[Asset("s3://b/k")])
        none = HyperSkuCreateOrdersOperator(task_id="none", orders=[], outlets=[])
        export = Chao8ExportReportOperator(task_id="export", report=report, output_path="/tmp/x.jsonl")
        mapped = HyperSkuCreateOrdersOperator.partial(task_id="mapped", hypersku_conn_id="hs_us").expand(
            orders=[[1], [2]]
        )
    assert [a.uri for a in default.outlets] == ["hypersku://hypersku_default/orders"]
    assert [a.uri for a in other_account.outlets] == ["supership://supership_hn/parcels"]
    assert [a.uri for a in own.outlets] == ["s3://b/k"]
    assert none.outlets == []
    assert export.outlets == [AssetAlias("chao8://chao8_default/report-exports files")]
    # a mapped task's outlets come from partial(): the scheduler sees them before any run
    assert [a.uri for a in mapped.outlets] == ["hypersku://hs_us/orders"]


def test_every_operator_that_changes_data_names_a_dataset_of_its_platform() -> None:
    import importlib
    import inspect

    from airflow_provider.common.operator_bases import PlatformOperator

    declared = 0
    for platform in platforms():
        module = importlib.import_module(platform.module("operators"))
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, PlatformOperator) and not inspect.isabstract(cls):
                for dataset in (*cls.asset_changes, *cls.asset_exports):
                    assert dataset in platform.asset_datasets, (cls.__name__, dataset)
                    declared += 1
    assert declared >= 25


# ----------------------------------------------------------------------------- events


def _report(n: int, results_file: str | None = None) -> BulkReport:
    results = [
        ItemResult(key=f"K{i}", outcome="created" if i % 3 else "failed", id=f"P{i}" if i % 3 else None)
        for i in range(n)
    ]
    return BulkReport(results=results, results_file=results_file)


def test_a_bulk_run_puts_its_counts_results_file_and_ids_on_its_outlets_event() -> None:
    from airflow.sdk.exceptions import AirflowException

    from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator

    operator = HyperSkuCreateOrdersOperator(task_id="buy", orders=[])
    events = outlet_events()
    context: dict[str, Any] = {"outlet_events": events, "ti": _Ti()}
    with pytest.raises(AirflowException, match="2 of 6 failed"):
        operator.finish(context, _report(6))  # type: ignore[arg-type]
    extra = events[operator.outlets[0]].extra
    assert extra["counts"] == {"created": 4, "failed": 2}
    assert extra["total"] == 6
    assert extra["results_file"] is None
    assert extra["ids"] == {"K1": "P1", "K2": "P2", "K4": "P4", "K5": "P5"}  # what the platform holds
    json.dumps(extra)  # stored as JSON by Airflow


def test_ids_are_left_to_the_results_file_above_the_limit() -> None:
    extra = event_extra(_report(MAX_IDS_IN_EVENT + 1, results_file="/data/r.results.jsonl"))
    assert "ids" not in extra
    assert extra["results_file"] == "/data/r.results.jsonl"
    assert sum(extra["counts"].values()) == MAX_IDS_IN_EVENT + 1


def test_an_export_adds_its_file_as_an_asset_to_its_alias(tmp_path: Path) -> None:
    alias = AssetAlias("chao8://chao8_default/report-exports files")
    events = outlet_events()
    path = str(tmp_path / "report.jsonl")
    emit_file_event({"outlet_events": events}, [alias], path, {"rows": 7})  # type: ignore[arg-type]
    (added,) = events[alias].asset_alias_events
    assert added.dest_asset_key.uri == f"file://{path}"
    assert added.extra == {"file": path, "rows": 7}


class _Ti:
    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed = (key, value)


# ----------------------------------------------------------------------------- retry policy


def test_retry_policy_fails_bad_input_at_once_and_waits_for_retry_after() -> None:
    pytest.importorskip("airflow.sdk.definitions.retry_policy")
    from airflow.sdk.definitions.retry_policy import RetryAction

    from airflow_provider.common.errors import AuthError, RateLimitError, TransientError
    from airflow_provider.common.models import InputError
    from airflow_provider.common.retry_policy import default_retry_policy

    policy = default_retry_policy()
    decide = lambda err: policy.evaluate(err, try_number=1, max_tries=3)  # noqa: E731
    assert decide(AuthError("hypersku", "bad password")).action is RetryAction.FAIL
    assert decide(InputError([("A1", "sku", "missing")])).action is RetryAction.FAIL
    waited = decide(RateLimitError("supership", "slow down", http_status=429, retry_after=42))
    assert waited.action is RetryAction.RETRY
    assert waited.retry_delay == timedelta(seconds=42)
    assert decide(RateLimitError("supership", "slow down")).action is RetryAction.DEFAULT
    assert decide(TransientError("chao8", "500")).action is RetryAction.DEFAULT


def test_operators_get_the_policy_on_3_3_unless_the_user_sets_one() -> None:
    pytest.importorskip("airflow.sdk.definitions.retry_policy")
    from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator

    default = HyperSkuCreateOrdersOperator(task_id="a", orders=[])
    off = HyperSkuCreateOrdersOperator(task_id="b", orders=[], retry_policy=None)
    assert type(default.retry_policy).__name__ == "FulfillmentRetryPolicy"
    assert off.retry_policy is None


def test_without_retry_policies_nothing_is_added(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_provider.common import retry_policy

    monkeypatch.setattr(retry_policy, "retry_policies_supported", lambda: False)
    assert retry_policy.with_default_retry_policy({"task_id": "x"}) == {"task_id": "x"}


# ----------------------------------------------------------------------------- without OpenLineage

WITHOUT_OPENLINEAGE = """
import sys
from importlib.abc import MetaPathFinder

class Refuse(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "openlineage" or name.startswith(("openlineage.", "airflow.providers.openlineage")):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked)")
        return None

sys.meta_path.insert(0, Refuse())
# and their distributions (Airflow discovers providers from installed distributions)
import importlib.metadata
import importlib_metadata

for module in (importlib.metadata, importlib_metadata):
    def visible(original=module.distributions, **kwargs):
        for dist in original(**kwargs):
            name = (dist.metadata["Name"] or "").lower().replace("_", "-")
            if not name.startswith(("apache-airflow-providers-openlineage", "openlineage")):
                yield dist
    module.distributions = visible
import json
from datetime import datetime
from airflow.sdk import DAG
from airflow.sdk.execution_time.context import OutletEventAccessors
from airflow_provider.get_provider_info import get_provider_info
from airflow_provider.chao8 import operators as chao8_ops
from airflow_provider.hishopping import operators as hishopping_ops
from airflow_provider.hypersku import operators as hypersku_ops
from airflow_provider.supership import operators as supership_ops
from airflow_provider.common.results import BulkReport, ItemResult

assert get_provider_info()["asset-uris"]
with DAG("no_ol", schedule=None, start_date=datetime(2026, 1, 1)):
    op = hypersku_ops.HyperSkuCreateOrdersOperator(task_id="buy", orders=[])
events = OutletEventAccessors()
payload = op.finish({"outlet_events": events}, BulkReport(results=[ItemResult(key="A", outcome="created", id="1")]))
print(json.dumps({"counts": payload["counts"], "extra": events[op.outlets[0]].extra,
                  "openlineage_loaded": any(m.startswith("airflow.providers.openlineage") for m in sys.modules)}))
"""


def test_the_provider_imports_and_runs_without_the_openlineage_provider() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_OPENLINEAGE], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["counts"] == {"created": 1}
    assert seen["extra"]["ids"] == {"A": "1"}
    assert seen["openlineage_loaded"] is False
