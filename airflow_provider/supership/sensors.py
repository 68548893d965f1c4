"""SuperShip sensors (light module: the hook is imported only when a poll runs)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from airflow_provider.common.sensors import StatusSensor
from airflow_provider.supership.statuses import DELIVERED_STATUSES, FAILURE_STATUSES


class SuperShipOrderStatusSensor(StatusSensor):
    """
    Wait until every SuperShip order is delivered; fail at once when one cannot be.

    SuperShip has no batched status call: each poll reads order info per pending order, at
    most the connection's ``max_concurrency`` at a time, and skips orders already final.
    By default success is ``12`` (delivered in full), ``13`` (partly delivered) or ``16``
    (delivery reconciled); failure is ``0`` (cancelled), ``6`` (pickup failed), ``15``
    (undeliverable), ``17``, ``21`` (returned), ``24``, ``25`` (lost), ``26`` or ``27``: the task
    fails without retries naming each such order and its status (``soft_fail`` skips instead).

    Pushes ``{order id: status code}`` of every order to XCom when done.

    :param order_ids: SuperShip order codes (or socs with ``lookup_by="soc"``): one, a list, or
        the XCom of :class:`~airflow_provider.supership.operators.SuperShipCreateOrdersOperator`
        (templated), read by :meth:`StatusSensor.ids` (``ids_from``).
    :param supership_conn_id: the SuperShip connection id.
    :param lookup_by: ``code`` (info ``type=1``) or ``soc`` (``type=2``).
    :param success_statuses: status codes that count as done.
    :param failure_statuses: status codes that fail the task at once.
    :param deferrable: poll on the triggerer (``StatusTrigger``) instead of holding a worker slot.
    :param poke_interval: seconds between polls.
    :param timeout: seconds before the wait fails.
    """

    template_fields: Sequence[str] = ("order_ids",)
    registry_key = "supership"
    default_success_statuses: ClassVar[frozenset[str]] = DELIVERED_STATUSES
    default_failure_statuses: ClassVar[frozenset[str]] = FAILURE_STATUSES

    def __init__(
        self,
        *,
        order_ids: Any,
        supership_conn_id: str = "supership_default",
        lookup_by: str = "code",
        success_statuses: Iterable[str | int] | None = None,
        failure_statuses: Iterable[str | int] | None = None,
        **kwargs: Any,
    ) -> None:
        if lookup_by not in ("code", "soc"):
            raise ValueError(f"lookup_by must be 'code' or 'soc', not {lookup_by!r}")
        super().__init__(
            order_ids=order_ids,
            conn_id=supership_conn_id,
            success_statuses=success_statuses,
            failure_statuses=failure_statuses,
            method_kwargs={"lookup_by": lookup_by},
            **kwargs,
        )
        self.supership_conn_id = supership_conn_id
        self.lookup_by = lookup_by
        # from a create report: SuperShip codes (``id``), or the socs (``key``) with lookup_by="soc"
        self.report_id_field = "key" if lookup_by == "soc" else "id"  # type: ignore[misc]
