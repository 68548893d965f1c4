"""
docs/order-events.md, checked against the code and run against the sandbox.

Every ``python`` block runs as written (its ``/data/fulfillment/work`` folder moved to a
temporary one); each watcher it defines then polls the sandbox once, with the results file of a
real order at the path the block names, and keeps that order's status in its cursor. The
payload, the final statuses, the cursor key, the settle pause and the 3.2 message the page
states are the code's own.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import runpy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "order-events.md"
sys.path.insert(0, str(ROOT / "tests" / "unit" / "common"))  # the event trigger test kit

from order_events_kit import StateStore, make_order, run  # noqa: E402

pytestmark = pytest.mark.integration
DATA_ROOT = "/data/fulfillment/work"
BLOCK = re.compile(r"```(?P<lang>python|json)\n(?P<body>.*?)```", re.DOTALL)


def _blocks(lang: str) -> list[str]:
    return [m["body"] for m in BLOCK.finditer(PAGE.read_text(encoding="utf-8")) if m["lang"] == lang]


def _prose() -> str:
    return " ".join(PAGE.read_text(encoding="utf-8").split())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from airflow_provider.sandbox.cluster import start_cluster

    cluster = start_cluster(speed=0)
    saved = dict(os.environ)
    os.environ.update(cluster.env())
    yield cluster
    cluster.stop()
    os.environ.clear()
    os.environ.update(saved)


def _assets(namespace: dict[str, Any]) -> list[Any]:
    from airflow.sdk import Asset

    return [value for value in namespace.values() if isinstance(value, Asset) and value.watchers]


def test_every_python_block_runs_and_its_watchers_poll_the_sandbox(cluster: Any, tmp_path: Path) -> None:
    from airflow_provider.common.results import write_results

    blocks = _blocks("python")
    assert len(blocks) == 2
    watched: list[str] = []
    for number, block in enumerate(blocks):
        code = block.replace(DATA_ROOT, str(tmp_path / "work"))
        script = tmp_path / f"order_events_block_{number}.py"
        script.write_text(code, encoding="utf-8")
        namespace = runpy.run_path(str(script))
        for asset in _assets(namespace):
            (watcher,) = asset.watchers
            trigger = watcher.trigger
            platform = trigger.platform
            key = f"DOCS-{platform.upper()}-1"
            order_id = make_order(platform, trigger.conn_id, key)
            write_results(
                f"{trigger.results_path}/run-1/orders.results.jsonl",
                [{"key": key, "outcome": "created", "id": order_id}],
            )
            _classpath, kwargs = trigger.serialize()
            assert json.loads(json.dumps(kwargs)) == kwargs
            store = StateStore()
            trigger.asset_state_store = store

            async def one_poll(trigger: Any = trigger) -> None:
                polled = asyncio.Event()

                async def pause(seconds: float) -> None:
                    polled.set()
                    await asyncio.Event().wait()  # the next poll never comes

                trigger.sleep = pause
                trigger.settle = lambda seconds: asyncio.sleep(0)
                agen = trigger.run()
                consumer = asyncio.ensure_future(agen.__anext__())
                waiter = asyncio.ensure_future(polled.wait())
                await asyncio.wait({consumer, waiter}, return_when=asyncio.FIRST_COMPLETED)
                consumer.cancel()
                waiter.cancel()
                await asyncio.gather(consumer, waiter, return_exceptions=True)
                await trigger.cleanup()

            run(one_poll())
            cursor = json.loads(next(iter(store.rows.values())))
            watched_id = key if trigger.id_field == "key" else order_id
            assert watched_id in cursor["statuses"], (platform, cursor)
            watched.append(platform)
    assert sorted(watched) == ["chao8", "hishopping", "hypersku", "supership"]


def test_the_payload_shown_is_the_triggers_own() -> None:
    (block,) = _blocks("json")
    shown = json.loads(block)
    assert set(shown) == {"platform", "conn_id", "batch", "observed_at", "count", "changes"}
    for change in shown["changes"]:
        assert set(change) == {"id", "key", "old_status", "new_status"}
    from airflow_provider.supership.event_triggers import SuperShipOrderEventTrigger

    trigger = SuperShipOrderEventTrigger(order_ids=["A"])
    payload = trigger._payload(3, [{"id": "A", "key": "K", "old_status": "11", "new_status": "12"}])
    assert set(payload) == set(shown)
    assert set(payload["changes"][0]) == set(shown["changes"][0])


def test_the_final_statuses_table_is_the_code() -> None:
    from airflow.sdk.module_loading import import_string

    rows = re.findall(r"^\| (\S+) \| `([\w.]+)` \| .*? \| (.*?) \|$", PAGE.read_text(encoding="utf-8"), re.M)
    assert len(rows) == 4
    for _platform, classpath, final in rows:
        trigger_class = import_string(classpath)
        assert set(re.findall(r"`(\w+)`", final)) == set(trigger_class.final_statuses), classpath


def test_cursor_key_settle_pause_and_the_32_message_are_the_codes() -> None:
    from airflow_provider.common import event_triggers
    from airflow_provider.supership.event_triggers import SuperShipOrderEventTrigger

    prose = _prose()
    key = SuperShipOrderEventTrigger(order_ids=["A"]).cursor_key
    assert key.startswith("order_status_cursor:supership:supership_default:")
    assert "key `order_status_cursor:<platform>:<conn id>:<lookup>`" in prose
    assert f"(`SETTLE_SECONDS`, {event_triggers.SETTLE_SECONDS:g})" in prose
    quoted = re.search(r"logs \*\"… (.*?) …\"\*", prose)
    assert quoted is not None
    message = event_triggers.NO_CURSOR_MESSAGE.format(name="SuperShipOrderEventTrigger")
    assert quoted[1] in " ".join(message.split())


def test_the_first_request_sections_settings_and_log_lines_are_airflows() -> None:
    """The settings the section names exist (with the default it states) and the lines it quotes
    are the ones Airflow's triggerer logs; tests/unit/common/test_common_triggerer_first_request.py
    pins the in-process API built inside the first request's handler."""
    from airflow.configuration import conf
    from airflow.jobs import job, triggerer_job_runner

    section = _prose().split("## A triggerer's first trigger request", 1)[1]
    for option in re.findall(r"`\[triggerer\] (\w+)`", section):
        assert conf.has_option("triggerer", option), option
    assert "`[triggerer] triggerer_health_check_threshold` (30 s by default)" in section
    assert conf.get_default_value("triggerer", "triggerer_health_check_threshold") in ("30", 30, 30.0)
    sources = Path(triggerer_job_runner.__file__).read_text() + Path(job.__file__).read_text()
    sources = re.sub(r'"\s+"', "", sources)  # a message split over adjacent string literals
    quoted = re.findall(r"\*\"(.*?)\"\*", section)
    assert len(quoted) >= 3
    for line in quoted:
        for words in line.split("…"):
            assert " ".join(words.split()) in " ".join(sources.split()), words
