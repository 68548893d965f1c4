"""
docs/concepts.md, "Told to stop": the numbers, message and operators it names are the code's.

The behaviour itself is tested against the sandbox: tests/integration/test_graceful_stop.py
(each operator named here), tests/integration/test_retry_checkpoint.py (a create under SIGTERM),
tests/unit/common/test_common_batched_run.py (batches) and
tests/integration/common/test_status_trigger_stop.py (the status trigger when its triggerer stops).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

import airflow_provider
from airflow_provider.common.bulk import STOP_MESSAGE
from airflow_provider.common.operator_bases import BulkCreateOperator, BulkOperator

REPO = Path(__file__).resolve().parents[2]
PAGE = (REPO / "docs" / "concepts.md").read_text(encoding="utf-8")
SECTION = PAGE[PAGE.index("### Told to stop") : PAGE.index("## Bulk operators and their XCom")]


def bulk_operators() -> Iterator[type[BulkOperator]]:
    """Every concrete bulk operator of the provider."""
    for module in pkgutil.walk_packages(airflow_provider.__path__, "airflow_provider."):
        if ".sandbox" not in module.name and module.name.endswith("operators"):
            importlib.import_module(module.name)
    seen: set[type] = set()
    pending = list(BulkOperator.__subclasses__())
    while pending:
        cls = pending.pop()
        if cls in seen:
            continue
        seen.add(cls)
        pending += cls.__subclasses__()
        if not inspect.isabstract(cls) and cls.__module__.startswith("airflow_provider."):
            yield cls


def test_the_grace_and_the_message_are_the_codes() -> None:
    stated = re.search(r"`stop_grace_seconds` \((\d+) s\)", SECTION)
    assert stated is not None
    assert float(stated.group(1)) == BulkOperator.stop_grace_seconds
    assert f'"{STOP_MESSAGE}"' in SECTION


def test_the_changes_that_resume_from_the_checkpoint_are_the_ones_named() -> None:
    named = set(re.findall(r"`(\w+Operator)`", SECTION[SECTION.index("The retried attempt") :]))
    resuming = {
        cls.__name__
        for cls in bulk_operators()
        if cls.resumes_from_checkpoint and not issubclass(cls, BulkCreateOperator)
    }
    assert named == resuming


def test_the_operators_sending_batches_are_the_chao8_ones_the_page_describes() -> None:
    batched = {cls.__name__ for cls in bulk_operators() if cls.run_batch is not BulkOperator.run_batch}
    assert batched == {
        "Chao8SyncProductsOperator",
        "Chao8ProductsStatusOperator",
        "Chao8SyncDealersOperator",
        "Chao8SyncStoresOperator",
    }
    assert "超8's product sync, product enable / disable /\ndelete, dealer and store syncs" in SECTION
