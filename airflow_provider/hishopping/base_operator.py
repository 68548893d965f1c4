"""
The base of every HiShopping operator: the ``hishopping_conn_id`` connection and the hook, the
run's data interval, and output files; :func:`task_failure` for errors a retry cannot fix.

Imported on every DAG parse: only the core's base module at module level.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from airflow_provider.common.operator_bases import PlatformOperator

if TYPE_CHECKING:
    from datetime import datetime

    from airflow.sdk import Context

    from airflow_provider.hishopping.hooks import HiShoppingHook

DEFAULT_CONN_ID = "hishopping_default"


def task_failure(message: str) -> Exception:
    """The exception that fails the task at once, without retries (bad input, configuration)."""
    from airflow.sdk.exceptions import AirflowFailException

    return AirflowFailException(message)


class HiShoppingOperator(PlatformOperator):
    """
    Base of the HiShopping operators: the connection, the hook, the data interval, output files.

    :param hishopping_conn_id: the connection (web API: login + password; open API: extras
        ``app_id``, ``secret_key``, ``sign_secret``).
    :param max_concurrency: calls in flight at once (default: the connection's setting).
    """

    registry_key = "hishopping"
    ui_color = "#ffe4cc"

    def __init__(
        self, *, hishopping_conn_id: str = DEFAULT_CONN_ID, max_concurrency: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(conn_id=hishopping_conn_id, max_concurrency=max_concurrency, **kwargs)
        self.hishopping_conn_id = hishopping_conn_id

    @contextmanager
    def hishopping(self) -> Iterator[HiShoppingHook]:
        """:meth:`session` and :meth:`fail_fast` in one: the hook for one ``execute``, closed after."""
        with self.session() as hook, self.fail_fast():
            yield cast("HiShoppingHook", hook)

    @staticmethod
    def moment(value: Any, name: str) -> datetime | None:
        """A tz-aware datetime from a datetime (naive = UTC), an ISO-8601 string or Unix seconds."""
        from datetime import UTC, datetime

        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        try:
            if isinstance(value, int | float) or str(value).strip().isdigit():
                return datetime.fromtimestamp(float(value), UTC)
            parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except (TypeError, ValueError, OverflowError) as err:
            raise task_failure(f"{name}: {value!r} is not a time (ISO-8601 or Unix seconds)") from err
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def interval(self, context: Context, start: Any, end: Any) -> tuple[datetime, datetime]:
        """``[start, end)`` in whole seconds: the overrides when given, else the run's data interval."""
        begin = self.moment(start, "start") or self.moment(
            context.get("data_interval_start"), "data_interval_start"
        )
        finish = self.moment(end, "end") or self.moment(context.get("data_interval_end"), "data_interval_end")
        if begin is None or finish is None:
            raise task_failure("no data interval in this run: give start and end")
        if begin >= finish:
            raise task_failure(f"start {begin.isoformat()} is not before end {finish.isoformat()}")
        return begin.replace(microsecond=0), finish.replace(microsecond=0)

    @staticmethod
    def stamp(moment: datetime) -> str:
        """``20250101T000000Z``: a UTC time in file names."""
        from datetime import UTC

        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    @staticmethod
    def write_output(output_path: str, filename: str, text: str) -> str:
        """Write ``text`` to ``output_path/filename`` (a local folder or an object storage URL)."""
        from airflow.sdk import ObjectStoragePath

        folder = ObjectStoragePath(str(output_path))
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / filename
        with target.open("w") as handle:
            handle.write(text)
        return str(target)
