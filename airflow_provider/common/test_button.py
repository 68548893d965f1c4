"""
The connection form's Test button: the auth part of ``python -m airflow_provider.doctor``.

Read the connection, get a token, make one read-only call. A failure names its step and, in the
doctor's words, what happened (``auth refused``, ``path not found``, ...). Never writes the
shared token store; the doctor checks every operation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider.common.errors import ApiError

if TYPE_CHECKING:
    from airflow_provider.common.hooks import ApiHook


def check_connection(hook: ApiHook) -> tuple[bool, str]:
    """``(ok, message)`` for the Test button; the hook's clients are closed afterwards."""
    from airflow_provider.common.drift import word_for

    step = "reading the connection"
    try:
        hook.settings  # noqa: B018 - reads and checks the extras
        if hook.needs_token():
            step = "the token call"
            existing = hook.token_manager.peek()
            token = existing if existing is not None else hook.fetch_token()
            hook.token_manager.remember(token)
        step = "a read-only call"
        detail = hook.probe()
    except Exception as err:
        cause = str(err) if isinstance(err, ApiError) else f"{type(err).__name__}: {err}"
        return False, f"{step} failed ({word_for(err)}): {cause}"
    finally:
        hook.close()
    return True, f"Connected to {hook.platform} at {hook.settings.base_url}: {detail}"
