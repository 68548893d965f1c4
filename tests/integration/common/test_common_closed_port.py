"""
A platform that does not answer at all: a loopback port nothing listens on (bound, then closed).

What a person sees: one INFO line per retry (attempt n of m, the wait, the reason, the host),
then one error of one paragraph (platform, operation, host, attempts, last cause) whose
traceback is short. The retry budget comes from the connection's extras, as users set it.
"""

from __future__ import annotations

import logging
import re
import socket
import traceback
from collections.abc import Callable
from typing import Any

import pytest

from airflow_provider.common.auth import MemoryTokenStore, Token
from airflow_provider.common.errors import TransportError
from airflow_provider.hypersku.hooks import HyperSkuHook
from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator
from airflow_provider.hypersku.sensors import HyperSkuOrderStatusSensor
from airflow_provider.sandbox.hypersku import SANDBOX_EXAMPLE_ORDER

pytestmark = pytest.mark.integration

HOOKS_LOGGER = "airflow_provider.common.hooks"
CREATE = "/api/customer/admin/orders/create"
TOKEN = "/api/auth/admin/token"
ORDER = {**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": "CLOSED-1"}


@pytest.fixture
def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def conn_id(closed_port: int, make_conn: Callable[..., str]) -> str:
    return make_conn(
        "hypersku_default",
        "hypersku",
        host=f"http://127.0.0.1:{closed_port}",
        login="someone",
        password="closed-port-password",
        extra={"store_code": "S1", "max_attempts": 3, "retry_base_delay": 0.01},
    )


def retry_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == HOOKS_LOGGER and r.levelno == logging.INFO]


def expected_lines(path: str, port: int) -> list[str]:
    return [
        rf"HyperSKU: POST {path} on 127\.0\.0\.1:{port}: attempt {n} of 3 failed \(ConnectError\); "
        r"next attempt in \d+\.\d\d s"
        for n in (1, 2)
    ]


def final_error(path: str, port: int) -> str:
    return (
        rf"^HyperSKU: POST {path} on 127\.0\.0\.1:{port} failed after 3 attempts over \d+\.\d s; "
        r"last cause: ConnectError: .*\[Errno 111\] Connection refused\)?$"
    )


def test_a_create_logs_each_retry_then_fails_in_one_paragraph(
    conn_id: str, closed_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    hook = HyperSkuHook(conn_id, token_store=MemoryTokenStore())
    hook.token_manager.remember(Token.with_ttl("closed-port-token", 3600))
    caplog.set_level(logging.INFO, logger=HOOKS_LOGGER)

    with pytest.raises(TransportError) as caught:
        hook.create_order(ORDER)

    lines = retry_lines(caplog)
    assert len(lines) == 2
    for line, pattern in zip(lines, expected_lines(CREATE, closed_port), strict=True):
        assert re.fullmatch(pattern, line), line
    assert re.match(final_error(CREATE, closed_port), str(caught.value)), str(caught.value)
    assert caught.value.sent is False  # refused: the create never reached a server
    printed = "".join(traceback.format_exception(caught.value))
    assert printed.count("Traceback (most recent call last)") == 2
    assert len(printed.splitlines()) < 50, printed
    assert "closed-port-token" not in caplog.text


def test_the_async_path_says_the_same(
    conn_id: str, closed_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    hook = HyperSkuHook(conn_id, token_store=MemoryTokenStore())
    hook.token_manager.remember(Token.with_ttl("closed-port-token", 3600))
    caplog.set_level(logging.INFO, logger=HOOKS_LOGGER)

    with pytest.raises(TransportError) as caught:
        hook.run_async(hook.acreate_order(ORDER))

    for line, pattern in zip(retry_lines(caplog), expected_lines(CREATE, closed_port), strict=True):
        assert re.fullmatch(pattern, line), line
    # anyio's "All connection attempts failed" gets the OS's reason from deeper in its chain
    assert re.match(final_error(CREATE, closed_port), str(caught.value)), str(caught.value)


def test_a_status_sensor_logs_the_token_calls_retries_and_fails_in_one_paragraph(
    conn_id: str, closed_port: int, caplog: pytest.LogCaptureFixture, task_context: Callable[..., Any]
) -> None:
    sensor = HyperSkuOrderStatusSensor(
        task_id="wait", order_ids=["1001"], hypersku_conn_id=conn_id, deferrable=False, timeout=5
    )
    caplog.set_level(logging.INFO, logger=HOOKS_LOGGER)

    with pytest.raises(TransportError) as caught:
        sensor.poke(task_context())

    for line, pattern in zip(retry_lines(caplog), expected_lines(TOKEN, closed_port), strict=True):
        assert re.fullmatch(pattern, line), line
    assert re.match(final_error(TOKEN, closed_port), str(caught.value)), str(caught.value)
    assert "closed-port-password" not in caplog.text


def test_a_create_operator_fails_the_task_with_the_token_calls_one_paragraph(
    conn_id: str, closed_port: int, caplog: pytest.LogCaptureFixture, task_context: Callable[..., Any]
) -> None:
    caplog.set_level(logging.INFO, logger=HOOKS_LOGGER)
    operator = HyperSkuCreateOrdersOperator(task_id="create", orders=[ORDER])

    with pytest.raises(TransportError) as caught:  # transient: Airflow's task retries apply
        operator.execute(task_context())

    for line, pattern in zip(retry_lines(caplog), expected_lines(TOKEN, closed_port), strict=True):
        assert re.fullmatch(pattern, line), line
    assert re.match(final_error(TOKEN, closed_port), str(caught.value)), str(caught.value)
    printed = "".join(traceback.format_exception(caught.value))
    assert printed.count("Traceback (most recent call last)") == 2  # the cause, then this error
    assert "During handling of the above exception" not in printed
