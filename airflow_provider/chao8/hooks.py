"""
超8 (Chao8) SaaS API open platform hook: :class:`Chao8Hook`, composed of one part per resource.

- :mod:`.client`: the token flow (MD5-signed token call, shared store, refresh) and the envelope;
- :mod:`.production_orders`, :mod:`.logistics_orders`, :mod:`.products`, :mod:`.organisation`
  (dealers, stores), :mod:`.reports`, :mod:`.audits`: one typed method per call;
- :mod:`.catalogue_calls`: any other operation of the catalogue by name.

This module adds what the sensor and the connection form's Test button read: the statuses of
logistics orders and a read-only probe.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from airflow_provider.chao8 import constants as c
from airflow_provider.chao8 import operations
from airflow_provider.chao8.audits import Audits
from airflow_provider.chao8.catalogue_calls import CatalogueCalls
from airflow_provider.chao8.logistics_orders import LogisticsOrders
from airflow_provider.chao8.models import LogisticsOrder
from airflow_provider.chao8.organisation import Organisation
from airflow_provider.chao8.production_orders import ProductionOrders
from airflow_provider.chao8.products import Products
from airflow_provider.chao8.report_calls import Reports
from airflow_provider.common.errors import NotFoundError
from airflow_provider.common.status import note_undocumented

log = logging.getLogger(__name__)
#: the logistics statuses the API pages give [inferred], and the sensors' own ``scanned``
DOCUMENTED_STATUSES = frozenset(
    {c.LOGISTICS_CREATED, c.LOGISTICS_SCANNING, c.LOGISTICS_COMPLETED, c.LOGISTICS_CANCELLED, c.SCANNED}
)


class Chao8Hook(LogisticsOrders, ProductionOrders, Products, Organisation, Reports, Audits, CatalogueCalls):
    """
    Talk to the 超8 (Chao8 / supercarrier8 / yesno) SaaS API open platform.

    Connection: ``host`` = gateway URL (empty = ``https://sapi.supercarrier8.com``; tenants and
    white-label gateways put theirs), ``login`` = access key (应用Key), ``password`` = application
    secret (应用秘钥; only its MD5 is ever sent). Extras: ``session_ttl`` (seconds, used only when
    the token answer carries no TTL), ``endpoints`` (path overrides: every business path is
    inferred), ``timeout``, ``verify``, ``proxy``, ``max_concurrency``.

    :param chao8_conn_id: the Airflow connection id.
    """

    registry_key = "chao8"

    platform: ClassVar[str] = "chao8"
    default_base_url: ClassVar[str] = c.DEFAULT_BASE_URL
    default_token_ttl: ClassVar[float] = 28800.0
    #: every path the hook calls, one per operation of :mod:`airflow_provider.chao8.operations`
    #: (deprecated pages left out). Only ``token`` is documented by the vendor; the business paths
    #: are inferred from the gateway's ``/cncop/<module>/v1/...`` pattern: a connection's extra
    #: ``endpoints`` ({key: path}) corrects any of them.
    endpoints: ClassVar[Mapping[str, str]] = {
        op.key: op.path for op in operations.OPERATIONS if not op.deprecated
    }

    def __init__(self, chao8_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(chao8_conn_id, **kwargs)

    # ================================================================= statuses for sensors
    @staticmethod
    def status_of(order: LogisticsOrder, min_scanned: int | None = None) -> str:
        """
        The order's status as a string; ``"scanned"`` when ``min_scanned`` is given and reached
        by an order that is neither completed nor cancelled.
        """
        status = "" if order.status is None else str(order.status)
        if (
            min_scanned is not None
            and status not in (c.LOGISTICS_COMPLETED, c.LOGISTICS_CANCELLED)
            and order.scanned_count >= int(min_scanned)
        ):
            return c.SCANNED
        return status

    async def afetch_statuses(
        self, order_ids: Sequence[str], min_scanned: int | None = None
    ) -> dict[str, str]:
        """
        ``{orderNo: status}`` of logistics orders, one detail call per order at bounded concurrency.

        Orders the platform does not know (yet) are left out: a sensor keeps waiting for them.
        """

        async def one(order_no: str) -> tuple[str, str | None]:
            try:
                order = await self.aget_logistics_order(order_no)
            except NotFoundError:
                log.info("超8 logistics order %s not found (yet)", order_no)
                return order_no, None
            return order_no, self.status_of(order, min_scanned)

        results = await self.gather_limited([str(order_no) for order_no in order_ids], one)
        statuses = {order_no: status for order_no, status in results if status is not None}
        return note_undocumented(self.platform, "logistics_order_detail", statuses, DOCUMENTED_STATUSES)

    def fetch_statuses(self, order_ids: Sequence[str], min_scanned: int | None = None) -> dict[str, str]:
        """Sync :meth:`afetch_statuses` (the token is obtained in this thread first)."""
        if not order_ids:
            return {}
        self.get_token()
        return self.run_async(self.afetch_statuses(order_ids, min_scanned=min_scanned))

    # ================================================================= test button
    def probe(self) -> str:
        """A read-only call: one product of 商品分页列表V3."""
        page = self.get_products_page(1, 1)
        total = page.total if page.total is not None else len(page.items)
        return f"token accepted, {total} product(s) visible"
