"""StatusSensor: wait for many orders with one batched status call per poll, poking or deferred."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseSensorOperator, PokeReturnValue
from airflow.sdk.configuration import conf
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException

from airflow_provider.common.status import classify, import_hook

if TYPE_CHECKING:
    from airflow.sdk import Context


class StatusSensor(BaseSensorOperator):
    """
    Wait until every order is in a success status; fail at once when one reaches a failure status.

    Platform sensors set ``hook_class_path`` and the default status sets. The hook provides
    ``fetch_statuses(ids, **kwargs)`` and ``afetch_statuses(ids, **kwargs)`` returning
    ``{order id: status}`` with one batched call where the platform allows it.

    Pushes ``{order id: status}`` of every order to XCom when done.

    :param order_ids: one id, a list, or a bulk create operator's XCom report (templated).
    :param conn_id: the platform connection id.
    :param success_statuses: statuses that count as done (a set, not a threshold).
    :param failure_statuses: statuses that fail the task at once (no retries; ``soft_fail`` skips).
    :param deferrable: poll on the triggerer instead of a worker; defaults to
        ``[operators] default_deferrable``.
    :param poke_interval: seconds between polls (also the trigger's interval).
    :param timeout: seconds before the wait fails with ``AirflowSensorTimeout``.
    """

    template_fields: Sequence[str] = ("order_ids",)
    ui_color = "#d7ecfa"

    #: the platform's key in :mod:`airflow_provider.platforms` (which names its hook class)
    registry_key: ClassVar[str] = ""
    status_method: ClassVar[str] = "fetch_statuses"
    default_success_statuses: ClassVar[frozenset[str]] = frozenset()
    default_failure_statuses: ClassVar[frozenset[str]] = frozenset()
    #: which id of a bulk report's items the status call takes: the platform's (``id``) or
    #: the caller's own (``key``)
    report_id_field: ClassVar[str] = "id"

    def __init__(
        self,
        *,
        order_ids: Any,
        conn_id: str,
        success_statuses: Iterable[str | int] | None = None,
        failure_statuses: Iterable[str | int] | None = None,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poke_interval: float = 60,
        method_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(poke_interval=poke_interval, **kwargs)
        self.order_ids = order_ids
        self.conn_id = conn_id
        self.success_statuses = sorted(
            {
                str(s)
                for s in (success_statuses if success_statuses is not None else self.default_success_statuses)
            }
        )
        self.failure_statuses = sorted(
            {
                str(s)
                for s in (failure_statuses if failure_statuses is not None else self.default_failure_statuses)
            }
        )
        overlap = set(self.success_statuses) & set(self.failure_statuses)
        if overlap:
            raise ValueError(f"statuses {sorted(overlap)} are both success and failure statuses")
        if not self.success_statuses:
            raise ValueError("success_statuses must name at least one status")
        self.deferrable = deferrable
        self.method_kwargs = dict(method_kwargs or {})
        self._statuses: dict[str, str] = {}

    @property
    def hook_class_path(self) -> str:
        """Dotted path of the platform's hook class, from the registry."""
        from airflow_provider.platforms import get_platform

        return get_platform(self.registry_key).hook_class

    @cached_property
    def hook(self) -> Any:
        return import_hook(self.hook_class_path)(self.conn_id)

    def ids(self) -> list[str]:
        """The order ids: one id, a list, a JSON list string, or a bulk operator's report.

        Read with :func:`~airflow_provider.common.inputs.ids_from`: from a report the
        ``report_id_field`` of every order that exists after that run is taken, so
        ``order_ids=create_task.output`` works; a bad entry fails naming ``order_ids``.
        """
        from airflow_provider.common.inputs import ids_from
        from airflow_provider.common.models import InputError

        value = self.order_ids
        if isinstance(value, dict) and isinstance(value.get("results"), list) and "counts" not in value:
            value = {"counts": {}, **value}  # a bare ``{"results": [...]}`` report, as accepted before
        try:
            ids = ids_from(value, param="order_ids", report_field=self.report_id_field)
        except InputError as err:
            raise AirflowFailException(f"{self.task_id}: {err}") from err
        if not ids:
            raise AirflowFailException(f"{self.task_id}: order_ids is empty: nothing to wait for")
        return ids

    def poke(self, context: Context) -> PokeReturnValue:
        ids = self.ids()
        success, failure = set(self.success_statuses), set(self.failure_statuses)
        pending = [i for i in ids if self._statuses.get(i) not in success | failure]
        fetched = getattr(self.hook, self.status_method)(pending, **self.method_kwargs)
        self._statuses.update({str(k): str(v) for k, v in fetched.items()})
        verdict = classify(ids, self._statuses, success, failure)
        if verdict.failed:
            raise AirflowFailException(verdict.failure_message(getattr(self.hook, "status_label", None)))
        if verdict.pending:
            self.log.info(
                "%d of %d orders pending: %s",
                len(verdict.pending),
                len(ids),
                ", ".join(f"{k}={self._label(v)}" for k, v in list(verdict.pending.items())[:10]),
            )
            return PokeReturnValue(is_done=False)
        return PokeReturnValue(is_done=True, xcom_value={i: self._statuses[i] for i in ids})

    def _label(self, status: str | None) -> str:
        """A pending status as messages show it (an undocumented one reads ``unknown (99)``)."""
        if status is None:
            return "not found yet"
        label = getattr(self.hook, "status_label", None)
        return str(label(status)) if callable(label) else status

    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        try:
            first = self.poke(context)
        except AirflowFailException as err:
            if self.soft_fail:
                raise AirflowSkipException(f"soft_fail: {err}") from err
            raise
        if first.is_done:
            return first.xcom_value
        from airflow_provider.common.triggers import StatusTrigger

        self.defer(
            trigger=StatusTrigger(
                hook_class_path=self.hook_class_path,
                conn_id=self.conn_id,
                order_ids=self.ids(),
                success_statuses=self.success_statuses,
                failure_statuses=self.failure_statuses,
                poll_interval=self.poke_interval,
                status_method=f"a{self.status_method}",
                method_kwargs=self.method_kwargs,
                known=self._statuses,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout),
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        """Turn the trigger's event into the task's result."""
        status = event.get("status")
        if status == "success":
            self.log.info("All %d orders reached a success status", len(event.get("statuses", {})))
            return event.get("statuses")
        if status == "failure":
            raise AirflowFailException(event.get("message", "an order reached a failure status"))
        raise AirflowException(event.get("message", f"status trigger ended with {event!r}"))
