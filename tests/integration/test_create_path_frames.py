"""
One short path from a DAG to the wire: a create on every platform passes through at most 8
frames of the provider's own code, in at most 5 files, from the operator's ``execute`` to the
moment httpx's transport is handed the request (counted on the live stack, not estimated).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_exactly_once_across_attempts import CASES, Case, running  # noqa: F401  (the fixture)

import airflow_provider

pytestmark = pytest.mark.integration

PACKAGE = Path(airflow_provider.__file__).resolve().parent
SANDBOX = PACKAGE / "sandbox"


def provider_frames() -> list[str]:
    """``file:function`` of the provider's own frames, innermost first, up to ``execute``."""
    frames: list[str] = []
    for frame in inspect.stack()[2:]:  # this function and the transport wrapper left out
        path = Path(frame.filename).resolve()
        if not path.is_relative_to(PACKAGE) or path.is_relative_to(SANDBOX):
            continue
        frames.append(f"{path.relative_to(PACKAGE)}:{frame.function}")
        if frame.function == "execute":
            return frames
    raise AssertionError(f"no execute frame above the send: {frames}")


@pytest.mark.parametrize(
    ("running", "case"), [(c, c) for c in CASES], indirect=["running"], ids=[c.platform for c in CASES]
)
def test_a_create_reaches_the_transport_in_at_most_8_frames_and_5_files(
    running: tuple[Any, dict[str, str]],  # noqa: F811  (the imported fixture)
    case: Case,
    task_context: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow.sdk.module_loading import import_string

    from airflow_provider.common.transport import AiohttpTransport

    stacks: list[list[str]] = []
    for transport_class in (httpx.AsyncHTTPTransport, AiohttpTransport):  # whichever the hook uses
        send = transport_class.handle_async_request

        async def recording(
            self: httpx.AsyncBaseTransport, request: httpx.Request, send: Any = send
        ) -> httpx.Response:
            if request.url.path.endswith(case.create_path):
                stacks.append(provider_frames())
            return await send(self, request)

        monkeypatch.setattr(transport_class, "handle_async_request", recording)
    operator_class = import_string(f"airflow_provider.{case.platform}.operators.{case.operator}")
    operator_class(task_id="create", orders=case.orders(2), lookup_first=False).execute(task_context())

    assert len(stacks) == 2
    frames = stacks[0]
    files = {frame.split(":")[0] for frame in frames}
    assert len(frames) <= 8, "\n".join(frames)
    assert len(files) <= 5, sorted(files)
