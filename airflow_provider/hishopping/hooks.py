"""
HiShopping hook: the web API (e-mail + password -> 24 h JWT, ``Authorization: Bearer``) and the
open API (every body a signed, AES-256-GCM encrypted envelope; see
:mod:`airflow_provider.hishopping.envelope`), in one class.

:class:`HiShoppingHook` is composed of one class per API part, over the base they share:

- :mod:`~airflow_provider.hishopping.base_hook`: the connection, both APIs' credentials,
  sealing requests and checking answers (codes: :mod:`~airflow_provider.hishopping.answers`);
- :mod:`~airflow_provider.hishopping.web_api`: login, goods, orders, credit (web API);
- :mod:`~airflow_provider.hishopping.web_account`: logout, password, keys, merchant profile,
  app (web API);
- :mod:`~airflow_provider.hishopping.open_api`: orders, credit balance, goods (open API);
- this module: reads through whichever API the connection is set up for (``api="auto"``),
  the status calls of the sensors and their trigger, and the UI's test probe.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import ClassVar

from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.errors import ConfigurationError, NotFoundError
from airflow_provider.common.status import note_undocumented
from airflow_provider.hishopping.base_hook import Api
from airflow_provider.hishopping.models import ORDER_STATUSES, CreditInfo, Goods, GoodsId, Order
from airflow_provider.hishopping.open_api import OPEN_ENDPOINTS, HiShoppingOpenApi
from airflow_provider.hishopping.parsing import TimeArg
from airflow_provider.hishopping.web_account import HiShoppingWebAccount
from airflow_provider.hishopping.web_api import WEB_ENDPOINTS, HiShoppingWebApi

log = logging.getLogger(__name__)


class HiShoppingHook(HiShoppingWebApi, HiShoppingWebAccount, HiShoppingOpenApi):
    """
    Talk to HiShopping: the merchant web API and the signed, encrypted open ("B-End") API.

    Connection: ``login`` = account e-mail and ``password`` = password (web API: goods,
    orders, credit and its transactions); extras ``app_id``, ``secret_key`` and ``sign_secret``
    (open API: order create/detail/list, credit balance, goods list/detail). Either half may be
    left out when its API is not used. ``host`` empty means ``https://hishopping.xyz``.

    :param hishopping_conn_id: the Airflow connection id.
    """

    endpoints: ClassVar[Mapping[str, str]] = {**WEB_ENDPOINTS, **OPEN_ENDPOINTS}

    # ------------------------------------------------------------------ either API
    def _order_call(self, order_id: str, by: str, api: Api) -> ApiCall[Order]:
        """One order through the open API (by ``order_no`` or ``merchant_order``) or the web API."""
        if by not in ("order_no", "merchant_order"):
            raise ConfigurationError(self.platform, f"by must be 'order_no' or 'merchant_order', not {by!r}")
        if self.resolve_api(api) == "open":
            if by == "merchant_order":
                return self._open_order(None, order_id)
            return self._open_order(order_id, None)
        if by == "merchant_order":
            raise ConfigurationError(
                self.platform, "the web API reads orders by order_no only; set the open API extras"
            )
        return self._order(order_id)

    def _credit_call(self, api: Api) -> ApiCall[CreditInfo]:
        """The credit through the open API or the web API."""
        return self._balance() if self.resolve_api(api) == "open" else self._credit()

    async def agoods_any(self, goods_id: GoodsId, *, api: Api = "auto") -> Goods:
        """A goods item with SKUs through the open API or the web API."""
        if self.resolve_api(api) == "open":
            return await self.acall(self._open_goods(goods_id))
        return await self.acall(self._goods(goods_id))

    async def alist_all_goods_any(
        self, *, category_id: GoodsId | None = None, keyword: str | None = None, api: Api = "auto"
    ) -> list[Goods]:
        """Every goods item (optionally of one category) through the open API or the web API."""
        page = self._open_goods_page if self.resolve_api(api) == "open" else self._goods_page
        return await self._awalk(lambda n: page(n, 50, category_id, keyword))

    async def alist_all_orders_any(
        self,
        *,
        status: str | None = None,
        start_time: TimeArg = None,
        end_time: TimeArg = None,
        api: Api = "auto",
    ) -> list[Order]:
        """Every order in ``[start_time, end_time)`` through the open API or the web API."""
        page = self._open_orders_page if self.resolve_api(api) == "open" else self._orders_page
        return await self._awalk(lambda n: page(n, 50, status, start_time, end_time))

    # ------------------------------------------------------------------ sensors and their trigger
    async def afetch_statuses(
        self, order_ids: Iterable[str], *, by: str = "order_no", api: Api = "auto"
    ) -> dict[str, str]:
        """``{order id: status}``; one detail call per order, ``max_concurrency`` at a time.

        An order the platform does not know is left out (it stays pending for the sensor).
        """
        ids = [str(order_id) for order_id in order_ids]

        async def one(order_id: str) -> str | None:
            try:
                return (await self.acall(self._order_call(order_id, by, api))).status
            except NotFoundError:
                log.warning("%s order %s not found (yet)", self.platform, order_id)
                return None

        statuses = await self.gather_limited(ids, one)
        found = {
            order_id: status for order_id, status in zip(ids, statuses, strict=True) if status is not None
        }
        return note_undocumented(self.platform, "order detail", found, ORDER_STATUSES)

    def fetch_statuses(
        self, order_ids: Iterable[str], *, by: str = "order_no", api: Api = "auto"
    ) -> dict[str, str]:
        """Blocking form of :meth:`afetch_statuses`."""
        return self.run_async(self.afetch_statuses(order_ids, by=by, api=api))

    async def afetch_credit_status(
        self, ids: Iterable[str], *, amount: str | Decimal, api: Api = "auto"
    ) -> dict[str, str]:
        """A pseudo status for credit waits: ``covered`` when balance >= ``amount``, else ``short``."""
        credit = await self.acall(self._credit_call(api))
        verdict = "covered" if credit.balance >= Decimal(str(amount)) else "short"
        log.info("%s credit %s against %s: %s", self.platform, credit.balance, amount, verdict)
        return {str(pseudo_id): verdict for pseudo_id in ids}

    def fetch_credit_status(
        self, ids: Iterable[str], *, amount: str | Decimal, api: Api = "auto"
    ) -> dict[str, str]:
        """Blocking form of :meth:`afetch_credit_status`."""
        return self.run_async(self.afetch_credit_status(ids, amount=amount, api=api))

    # ------------------------------------------------------------------ UI test button
    def probe(self) -> str:
        """Read the credit balance through every API the connection is set up for."""
        parts = []
        if self.has_web_credentials:
            parts.append(f"web API credit {self.get_credit().balance}")
        if self.has_open_credentials:
            parts.append(f"open API credit {self.get_credit_balance().balance}")
        if not parts:
            raise ConfigurationError(self.platform, "no web credentials and no open API keys")
        return ", ".join(parts)
