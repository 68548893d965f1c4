"""
The variants ``interleaved.py`` times, each run in a fresh process: ``python bench_variants.py
VARIANT URL ORDERS CONCURRENCY PREFIX RESULT_JSON`` (the order file, when one is read, is
``PREFIX.jsonl`` and written by the parent).

Every variant warms up first (imports, the token, the connections), then times its creates
alone; the result holds the seconds, the process CPU seconds over the timed part and the median
round trip the client saw (``httpx.AsyncClient.send``, or the HTTP provider's session).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

CREATE = "/api/customer/admin/orders/create"
TOKEN = "/api/auth/admin/token"
WARM_UP = 20


def order(prefix: str, i: int) -> dict[str, Any]:
    from airflow_provider.sandbox.hypersku import SANDBOX_EXAMPLE_ORDER

    return {**SANDBOX_EXAMPLE_ORDER, "thirdOrderId": f"{prefix}-{i:06d}", "thirdOrderName": f"{prefix}-{i}"}


def process_cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (Linux ``/proc``; ``None`` elsewhere)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Timer:
    """Wall and CPU seconds of the timed part (this process's, and the sandbox's when
    ``BENCH_SERVER_PID`` names it), and the round trips recorded inside it."""

    def __init__(self) -> None:
        self.round_trips: list[float] = []
        self.recording = False
        self.seconds = self.cpu = 0.0
        self.server_cpu: float | None = None
        pid = os.environ.get("BENCH_SERVER_PID")
        self._server_pid = int(pid) if pid else None

    def __enter__(self) -> Timer:
        self.recording = True
        self._server_cpu = process_cpu_seconds(self._server_pid)
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu
        after = process_cpu_seconds(self._server_pid)
        if after is not None and self._server_cpu is not None:
            self.server_cpu = after - self._server_cpu
        self.recording = False

    def record_async_sends(self) -> None:
        import httpx

        send = httpx.AsyncClient.send

        async def timed_send(
            client: httpx.AsyncClient, request: httpx.Request, **kwargs: Any
        ) -> httpx.Response:
            started = time.perf_counter()
            try:
                return await send(client, request, **kwargs)
            finally:
                if self.recording:
                    self.round_trips.append(time.perf_counter() - started)

        httpx.AsyncClient.send = timed_send  # type: ignore[method-assign]

    def timed(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                if self.recording:
                    self.round_trips.append(time.perf_counter() - started)

        return wrapper

    def result(self) -> dict[str, Any]:
        p50 = statistics.median(self.round_trips) * 1000 if self.round_trips else None
        return {
            "seconds": self.seconds,
            "cpu_seconds": self.cpu,
            "p50_ms": p50,
            "server_cpu_seconds": self.server_cpu,
        }


# ------------------------------------------------------------------ bare httpx
def bare(url: str, n: int, concurrency: int, prefix: str, kind: str, *, cold: bool = False) -> dict[str, Any]:
    """A bare ``httpx.AsyncClient``, token fetched once, ``concurrency`` workers posting creates:
    no validation, no idempotency, no results. ``kind``: httpx's own transport or ours.

    ``cold``: the timed part opens its own client, as a task does (every task is a new process:
    no connection is open when it starts); the token still comes from the warm-up, as the
    operator's comes from its process cache. Otherwise the warm-up's connections are reused.
    """
    import httpx

    from airflow_provider.common.transport import async_transport
    from airflow_provider.sandbox.hypersku import SANDBOX_PASSWORD, SANDBOX_USERNAME

    timer = Timer()
    timer.record_async_sends()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers: dict[str, str] = {}

    async def post_all(client: httpx.AsyncClient, positions: Any) -> None:
        async def worker() -> None:
            for i in positions:
                answer = await client.post(CREATE, json=order(prefix, i), headers=headers)
                assert answer.json()["status"] in (0, 200), answer.text

        await asyncio.gather(*(worker() for _ in range(concurrency)))

    def new_client() -> httpx.AsyncClient:
        transport = async_transport(verify=True, proxy=None, limits=limits, kind=kind)
        return httpx.AsyncClient(base_url=url, timeout=60, limits=limits, transport=transport)

    async def run() -> None:
        async with new_client() as client:
            login = await client.post(
                TOKEN, json={"username": SANDBOX_USERNAME, "password": SANDBOX_PASSWORD}
            )
            headers["Authorization"] = login.json()["token"]
            await post_all(client, iter(range(n, n + max(WARM_UP, concurrency))))
            if not cold:
                with timer:
                    await post_all(client, iter(range(n)))
        if cold:
            with timer:
                async with new_client() as client:
                    await post_all(client, iter(range(n)))

    asyncio.run(run())
    return timer.result()


# ------------------------------------------------------------------ the operator
class _TI:
    try_number = 1

    def xcom_push(self, key: str, value: Any) -> None:
        raise AssertionError(f"an order failed: {json.dumps(value)[:500]}")


def operator(
    url: str, n: int, concurrency: int, prefix: str, *, source: str, lookup_first: bool
) -> dict[str, Any]:
    """``HyperSkuCreateOrdersOperator`` over a list or a JSON-lines file (results beside it)."""
    from airflow_provider.hypersku.operators import HyperSkuCreateOrdersOperator

    timer = Timer()
    timer.record_async_sends()

    def task(orders: Any) -> Any:
        return HyperSkuCreateOrdersOperator(
            task_id="create", orders=orders, max_concurrency=concurrency, lookup_first=lookup_first
        )

    def run(operator: Any, expected: int) -> None:
        report = operator.execute({"ti": _TI()})
        assert report["counts"] == {"created": expected}, report["counts"]

    warm = [order(f"{prefix}-warm", i) for i in range(WARM_UP)]
    if source == "file":  # the file path's own first imports (object storage: ~1 s) fall here too
        with open(f"{prefix}-warm.jsonl", "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(item) + "\n" for item in warm)
        run(task("file://" + os.path.abspath(f"{prefix}-warm.jsonl")), WARM_UP)
    else:
        run(task(warm), WARM_UP)
    path = f"{prefix}.jsonl"
    # the operator is built outside the timed part, as Airflow builds it when it parses the DAG;
    # the run is its ``execute`` (for a list: Airflow's own walk of the template field is ~8 ms
    # per 1,000 orders at construction)
    if source == "file":
        operator = task("file://" + os.path.abspath(path))
    else:
        with open(path, encoding="utf-8") as handle:
            operator = task([json.loads(line) for line in handle])
    with timer:
        run(operator, n)
    return timer.result()


def without_eager_write() -> None:
    """The transport as it was before its body write was started at once on Python 3.11: aiohttp's
    own request class (the body written from a task the loop runs after every ready callback) and
    every slot taken through ``asyncio.wait_for`` (a task of its own too). For the "before" rows."""
    import aiohttp
    import httpx

    from airflow_provider.common import transport

    transport._request_class = lambda: aiohttp.ClientRequest  # type: ignore[assignment]

    async def take_slot(self: Any, pool_timeout: float | None) -> Callable[[], None]:
        slots = self._slots
        if slots is None:
            return transport._nothing
        try:
            await asyncio.wait_for(slots.acquire(), pool_timeout)
        except TimeoutError as err:
            raise httpx.PoolTimeout("no free connection within the pool timeout") from err
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                slots.release()

        return release

    transport.AiohttpTransport._take_slot = take_slot  # type: ignore[method-assign]


# ------------------------------------------------------------------ what users write today
def _http_connection(url: str) -> None:
    host, port = url.removeprefix("http://").split(":")
    os.environ["AIRFLOW_CONN_SANDBOX_HTTP"] = json.dumps(
        {"conn_type": "http", "host": host, "port": int(port), "schema": "http"}
    )


def _http_token() -> dict[str, str]:
    from airflow.providers.http.hooks.http import HttpHook

    from airflow_provider.sandbox.hypersku import SANDBOX_PASSWORD, SANDBOX_USERNAME

    login = HttpHook(method="POST", http_conn_id="sandbox_http").run(
        TOKEN, json={"username": SANDBOX_USERNAME, "password": SANDBOX_PASSWORD}
    )
    return {"Authorization": login.json()["token"], "Content-Type": "application/json"}


def http_hook_loop(url: str, n: int, prefix: str) -> dict[str, Any]:
    """``HttpHook.run`` per order in a loop (apache-airflow-providers-http), token once."""
    from airflow.providers.http.hooks.http import HttpHook

    _http_connection(url)
    headers = _http_token()
    hook = HttpHook(method="POST", http_conn_id="sandbox_http")
    timer = Timer()
    run = timer.timed(hook.run)
    for i in range(WARM_UP):
        run(CREATE, data=json.dumps(order(f"{prefix}-warm", i)), headers=headers)
    with timer:
        for i in range(n):
            answer = run(CREATE, data=json.dumps(order(prefix, i)), headers=headers)
            assert answer.json()["status"] in (0, 200), answer.text
    return timer.result()


def http_operator_per_order(url: str, n: int, prefix: str) -> dict[str, Any]:
    """One ``HttpOperator`` per order, each ``execute``d here: a mapped task instance's own start
    and scheduling (seconds each) are not counted, so this is an upper bound of that baseline."""
    from airflow.providers.http.operators.http import HttpOperator

    _http_connection(url)
    headers = _http_token()
    timer = Timer()

    def one(i: int, name: str) -> None:
        task = HttpOperator(
            task_id=f"create_{i}",
            http_conn_id="sandbox_http",
            endpoint=CREATE,
            method="POST",
            data=json.dumps(order(name, i)),
            headers=headers,
            response_check=lambda response: response.json()["status"] in (0, 200),
        )
        timer.timed(task.execute)({})

    for i in range(WARM_UP // 4):
        one(i, f"{prefix}-warm")
    with timer:
        for i in range(n):
            one(i, prefix)
    return timer.result()


def main(variant: str, url: str, n: int, concurrency: int, prefix: str, result_path: str) -> None:
    logging.disable(logging.WARNING)
    from airflow_provider.sandbox.hypersku import sandbox_connection

    os.environ["AIRFLOW_CONN_HYPERSKU_DEFAULT"] = json.dumps(sandbox_connection(url))
    if variant.endswith("-lazywrite"):  # the transport before the eager body write (the "before" rows)
        without_eager_write()
        variant = variant.removesuffix("-lazywrite")
    if variant.startswith("bare-"):
        kind = variant.removeprefix("bare-").removesuffix("-cold")
        result = bare(url, n, concurrency, prefix, kind=kind, cold=variant.endswith("-cold"))
    elif variant in ("list", "file", "list-lookup"):
        source = variant.removesuffix("-lookup")
        result = operator(url, n, concurrency, prefix, source=source, lookup_first=variant.endswith("lookup"))
    elif variant == "httphook":
        result = http_hook_loop(url, n, prefix)
    elif variant == "httpop":
        result = http_operator_per_order(url, n, prefix)
    else:
        raise SystemExit(f"unknown variant {variant!r}")
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6])
