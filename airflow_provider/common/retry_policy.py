"""
The provider's default ``retry_policy`` (Airflow 3.3's retry policies; nothing on 3.2).

When a task fails with one of the provider's errors, Airflow 3.3 asks the task's retry policy
what to do. :class:`FulfillmentRetryPolicy` answers:

- credentials, configuration and bad input (``AuthError``, ``ConfigurationError``,
  ``BadRequestError``, ``NotFoundError``, ``ConflictError``, ``InputError``): fail at once, a
  retry cannot fix them;
- a rate limit (``RateLimitError``) with ``Retry-After``: retry after that many seconds, not
  after the task's ``retry_delay`` (the platform said when);
- anything else: Airflow's usual ``retries`` and ``retry_delay``.

Every operator of this provider gets it unless the user passes ``retry_policy=`` (``None``
turns it off). On Airflow 3.2 (no retry policies) nothing is added and tasks retry as before.
A policy never extends ``retries``: a task with ``retries=0`` is not retried.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

#: the provider's errors a retry cannot fix, by dotted path (resolved when a task fails)
FAIL_AT_ONCE = (
    "airflow_provider.common.errors.AuthError",
    "airflow_provider.common.errors.ConfigurationError",
    "airflow_provider.common.errors.BadRequestError",
    "airflow_provider.common.errors.NotFoundError",
    "airflow_provider.common.errors.ConflictError",
    "airflow_provider.common.models.InputError",
)


@cache
def retry_policies_supported() -> bool:
    """Whether this Airflow has retry policies (3.3 and later)."""
    try:
        from airflow.sdk.definitions.retry_policy import RetryPolicy  # noqa: F401
    except ImportError:
        return False
    return True


def with_default_retry_policy(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with ``retry_policy=FulfillmentRetryPolicy()`` where Airflow has retry policies
    and the user set none."""
    if "retry_policy" in kwargs or not retry_policies_supported():
        return kwargs
    return {**kwargs, "retry_policy": default_retry_policy()}


def default_retry_policy() -> Any:
    """A :class:`FulfillmentRetryPolicy` (Airflow >= 3.3 only)."""
    return _policy_class()()


@cache
def _policy_class() -> type:
    from airflow.sdk.definitions.retry_policy import RetryDecision, RetryPolicy

    class FulfillmentRetryPolicy(RetryPolicy):
        """Fail at once on credentials and bad input, wait for ``Retry-After`` on a rate limit."""

        def evaluate(
            self, exception: BaseException, try_number: int, max_tries: int, context: Any = None
        ) -> RetryDecision:
            from airflow.sdk.module_loading import import_string

            from airflow_provider.common.errors import RateLimitError

            for path in FAIL_AT_ONCE:
                if isinstance(exception, import_string(path)):
                    return RetryDecision.fail(f"{type(exception).__name__}: a retry cannot fix it")
            if isinstance(exception, RateLimitError) and exception.retry_after:
                return RetryDecision.retry(
                    timedelta(seconds=float(exception.retry_after)),
                    f"rate limited: retry after {exception.retry_after:g} s (Retry-After)",
                )
            return RetryDecision.default()

        def serialize(self) -> dict[str, Any]:
            return {"__type": "FulfillmentRetryPolicy"}

        @classmethod
        def deserialize(cls, data: dict[str, Any]) -> RetryPolicy:
            return cls()

        def __eq__(self, other: object) -> bool:
            return type(other) is type(self)

        def __hash__(self) -> int:
            return hash(type(self).__name__)

    FulfillmentRetryPolicy.__module__ = __name__
    FulfillmentRetryPolicy.__qualname__ = "FulfillmentRetryPolicy"
    return FulfillmentRetryPolicy
