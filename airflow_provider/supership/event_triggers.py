"""SuperShip parcels' status changes as asset events (for an ``AssetWatcher``; light module)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from airflow_provider.common.event_triggers import OrderStatusEventTrigger

log = logging.getLogger(__name__)

#: the statuses SuperShip calls terminal, less those its reconciliation still follows (12 and 13
#: become 16, 25 becomes 27): cancelled, delivery reconciled, return reconciled, returned,
#: compensated. Nothing follows them: the parcel is polled no more.
FINAL_STATUSES = frozenset({"0", "16", "17", "21", "27"})


class SuperShipOrderEventTrigger(OrderStatusEventTrigger):
    """
    Fire an asset event per batch of SuperShip status changes.

    SuperShip documents no "changed since" query (only webhooks to a public URL): each poll
    reads order info per watched parcel not yet final, ``max_concurrency`` at a time. Parcels
    cancelled (``0``), reconciled (``16``, ``17``), returned (``21``) or compensated (``27``) are
    polled no more. For delivered parcels, watch ``statuses={"12", "13", "16"}``: a parcel
    fires once, when it is first seen delivered (``12`` then ``16`` is one event, not two).

    :param supership_conn_id: the SuperShip connection id.
    :param order_ids: SuperShip codes (or socs with ``lookup_by="soc"``) to watch.
    :param results_path: a create's results file, or a folder of them (``*.results.jsonl``).
    :param lookup_by: ``code`` (the results' ``id``) or ``soc`` (their ``key``).
    :param statuses: fire when a parcel enters one of these statuses; empty: on every change.
    :param poll_interval: seconds between polls.
    :param max_changes: changes per event at most.
    :param without_cursor: run without ``asset_state_store`` (Airflow 3.2; see the core).
    """

    platform = "supership"
    final_statuses: ClassVar[frozenset[str]] = FINAL_STATUSES
    conn_arg = "supership_conn_id"

    def __init__(
        self,
        *,
        supership_conn_id: str = "supership_default",
        lookup_by: str = "code",
        order_ids: Iterable[str | int] | None = None,
        results_path: str | None = None,
        statuses: Iterable[str | int] | None = None,
        poll_interval: float = 300.0,
        max_changes: int = 500,
        without_cursor: bool = False,
    ) -> None:
        if lookup_by not in ("code", "soc"):
            raise ValueError(f"lookup_by must be 'code' or 'soc', not {lookup_by!r}")
        super().__init__(
            conn_id=supership_conn_id,
            order_ids=order_ids,
            results_path=results_path,
            id_field="key" if lookup_by == "soc" else "id",
            statuses=statuses,
            poll_interval=poll_interval,
            max_changes=max_changes,
            method_kwargs={"lookup_by": lookup_by},
            without_cursor=without_cursor,
        )
        self.lookup_by = lookup_by

    def platform_kwargs(self) -> dict[str, Any]:
        return {"supership_conn_id": self.conn_id, "lookup_by": self.lookup_by}

    async def read_statuses(self, hook: Any, ids: list[str]) -> Mapping[str, Any]:
        """One order info call per parcel, ``max_concurrency`` at a time; a code SuperShip does
        not know (a results file of another account, say) is logged and left out, so it does
        not stop the watch of the others."""
        from airflow_provider.common.errors import NotFoundError

        async def one(code: str) -> tuple[str, str | None]:
            try:
                return code, (await hook.aget_order(code, lookup_by=self.lookup_by)).status
            except NotFoundError:
                log.warning("SuperShip order %s not found: left out of this poll", code)
                return code, None

        return {
            code: status for code, status in await hook.gather_limited(list(ids), one) if status is not None
        }
