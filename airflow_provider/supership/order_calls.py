"""
SuperShip's order calls: fee quote, create, order info (by code or by your ``soc``), the status
table, cancel, shipping labels, and the batched status read of the sensors and their trigger.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import Any, Literal
from urllib.parse import urlencode

from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.errors import NotFoundError
from airflow_provider.supership.base_hook import SuperShipBaseHook, as_model, list_of
from airflow_provider.supership.order_models import (
    LABEL_SIZES,
    CancelRequest,
    CancelResult,
    CreatedOrder,
    FeeQuote,
    FeeQuoteRequest,
    LabelToken,
    LabelTokenRequest,
    OrderCreateRequest,
    OrderInfo,
    OrderStatus,
)

LookupBy = Literal["code", "soc"]

#: the print page of shipping labels (a browser page; the token in its query is a credential)
PRINT_URL = "https://khachhang.supership.vn/orders/awb"

#: the order paths (a connection's extra ``endpoints`` may override any)
ORDER_ENDPOINTS: dict[str, str] = {
    "price": "/v1/partner/orders/price",
    "create_order": "/v1/partner/orders/add",
    "order_info": "/v1/partner/orders/info",
    "statuses": "/v1/partner/orders/status",
    "cancel": "/v1/partner/orders/cancel",
    "label_token": "/v1/partner/orders/token",
    "label": "/v1/partner/orders/label",
}


class SuperShipOrderCalls(SuperShipBaseHook):
    """The order calls of ``SuperShipHook``."""

    # ----------------------------------------------------------------- fee quote
    def fee_quote_call(
        self, quote: FeeQuoteRequest | Mapping[str, Any], method: Literal["GET", "POST"] = "GET"
    ) -> ApiCall[list[FeeQuote]]:
        """``GET /v1/partner/orders/price?<query>``; ``POST`` also sends the query as the JSON body
        (SuperShip's PHP SDK). Pricing changes nothing: safe to resend."""
        params = as_model(FeeQuoteRequest, quote).dump()
        body = params if method == "POST" else None
        return ApiCall(
            method,
            self.endpoint("price"),
            partial(list_of, FeeQuote),
            json=body,
            params=params,
            idempotent=True,
        )

    def get_fee_quotes(
        self, quote: FeeQuoteRequest | Mapping[str, Any], *, method: Literal["GET", "POST"] = "GET"
    ) -> list[FeeQuote]:
        """
        Price of a parcel between two districts (``GET /v1/partner/orders/price``).

        :param quote: sender/receiver province and district NAMES, ``weight`` (g), ``value`` (VND).
        :param method: ``POST`` sends the query and the same JSON body, as SuperShip's PHP SDK does.
        """
        return self.call(self.fee_quote_call(quote, method))

    async def aget_fee_quotes(
        self, quote: FeeQuoteRequest | Mapping[str, Any], *, method: Literal["GET", "POST"] = "GET"
    ) -> list[FeeQuote]:
        """Async twin of :meth:`get_fee_quotes`."""
        return await self.acall(self.fee_quote_call(quote, method))

    # ----------------------------------------------------------------- create and read
    def create_order_call(self, order: OrderCreateRequest | Mapping[str, Any]) -> ApiCall[CreatedOrder]:
        """``POST /v1/partner/orders/add``, sent once: a lost answer raises TransportError or
        TransientError and the caller looks the order up by ``soc`` before any retry. A refusal
        saying the order exists is a :class:`DuplicateError` (see :meth:`error_for`)."""
        body = as_model(OrderCreateRequest, order).dump()
        return ApiCall(
            "POST", self.endpoint("create_order"), CreatedOrder.model_validate, json=body, idempotent=False
        )

    def create_order(self, order: OrderCreateRequest | Mapping[str, Any]) -> CreatedOrder:
        """Create one order (``POST /v1/partner/orders/add``), sent once (see :meth:`create_order_call`)."""
        return self.call(self.create_order_call(order))

    async def acreate_order(self, order: OrderCreateRequest | Mapping[str, Any]) -> CreatedOrder:
        """Async twin of :meth:`create_order`."""
        return await self.acall(self.create_order_call(order))

    def order_info_call(self, code: str, lookup_by: LookupBy = "code") -> ApiCall[OrderInfo]:
        """``GET /v1/partner/orders/info?code=..&type=1`` (SuperShip code) or ``type=2`` (your soc)."""
        return ApiCall(
            "GET", self.endpoint("order_info"), OrderInfo.model_validate, params=_info_params(code, lookup_by)
        )

    def get_order(self, code: str, *, lookup_by: LookupBy = "code") -> OrderInfo:
        """
        One order with its journeys (``GET /v1/partner/orders/info``).

        :param code: SuperShip's order code, or your ``soc`` with ``lookup_by="soc"`` (``type=2``).
        :raises NotFoundError: no such order.
        """
        return self.call(self.order_info_call(code, lookup_by))

    async def aget_order(self, code: str, *, lookup_by: LookupBy = "code") -> OrderInfo:
        """Async twin of :meth:`get_order`."""
        return await self.acall(self.order_info_call(code, lookup_by))

    def find_order_by_soc(self, soc: str) -> OrderInfo | None:
        """The order with your own code ``soc`` (info ``type=2``), ``None`` when there is none."""
        try:
            return self.get_order(soc, lookup_by="soc")
        except NotFoundError:
            return None

    async def afind_order_by_soc(self, soc: str) -> OrderInfo | None:
        """Async twin of :meth:`find_order_by_soc`."""
        try:
            return await self.aget_order(soc, lookup_by="soc")
        except NotFoundError:
            return None

    def statuses_call(self) -> ApiCall[list[OrderStatus]]:
        """``GET /v1/partner/orders/status``."""
        return ApiCall("GET", self.endpoint("statuses"), partial(list_of, OrderStatus))

    def get_order_statuses(self) -> list[OrderStatus]:
        """The status table (``GET /v1/partner/orders/status``)."""
        return self.call(self.statuses_call())

    # ----------------------------------------------------------------- cancel
    def cancel_call(self, code: str) -> ApiCall[CancelResult]:
        """``POST /v1/partner/orders/cancel`` ``{code}``; safe to resend."""
        body = CancelRequest(code=code).dump()
        return ApiCall(
            "POST", self.endpoint("cancel"), CancelResult.model_validate, json=body, idempotent=True
        )

    def cancel_order(self, code: str) -> CancelResult:
        """Cancel an order by SuperShip code (``POST /v1/partner/orders/cancel``); safe to resend."""
        return self.call(self.cancel_call(code))

    async def acancel_order(self, code: str) -> CancelResult:
        """Async twin of :meth:`cancel_order`."""
        return await self.acall(self.cancel_call(code))

    # ----------------------------------------------------------------- labels
    def label_token_call(self, codes: Iterable[str]) -> ApiCall[str]:
        """``POST /v1/partner/orders/token`` ``{code: [codes]}`` -> the print token."""
        body = LabelTokenRequest(code=list(codes)).dump()
        return ApiCall("POST", self.endpoint("label_token"), _label_token, json=body, idempotent=True)

    def create_label_token(self, codes: Iterable[str]) -> str:
        """
        A print token for the labels of ``codes`` (``POST /v1/partner/orders/token``).

        The token opens the print page without any other credential: keep it out of logs.
        """
        return self.call(self.label_token_call(codes))

    def print_url(self, token: str, size: str = "A5") -> str:
        """
        The label print page: ``https://khachhang.supership.vn/orders/awb?token=..&size=A5``.

        The URL carries the print token: it may go to XCom, never to logs. A connection extra
        ``print_url`` replaces the page address (e.g. the sandbox's ``/orders/awb``).
        """
        size = _label_size(size)
        base = str(self.extra.get("print_url") or PRINT_URL)
        return f"{base}?{urlencode({'token': token, 'size': size})}"

    def label_url(self, token: str, size: str = "A5") -> str:
        """The API's own print address (``GET /v1/partner/orders/label?token=..&size=..``, PHP SDK)."""
        size = _label_size(size)
        return f"{self.settings.base_url}{self.endpoint('label')}?{urlencode({'token': token, 'size': size})}"

    def label_page_call(self, token: str, size: str = "A5") -> ApiCall[str]:
        """``GET /v1/partner/orders/label?token=..&size=..`` (PHP SDK): the labels' HTML page."""
        params = {"token": str(token), "size": _label_size(size)}
        return ApiCall("GET", self.endpoint("label"), str, params=params)

    def get_label_page(self, token: str, size: str = "A5") -> str:
        """The labels' print page as HTML (``GET /v1/partner/orders/label``): receiver names and
        addresses, keep it out of logs."""
        return self.call(self.label_page_call(token, size))

    def fetch_labels(self, codes: Iterable[str], size: str = "A5") -> str:
        """A print token for ``codes`` then their print page (HTML), e.g. to archive the labels."""
        return self.get_label_page(self.create_label_token(codes), size)

    # ----------------------------------------------------------------- statuses for sensors
    def status_label(self, status: str) -> str:
        """``15`` -> ``15 Không Giao Được (undeliverable)`` in the sensors' failure messages."""
        from airflow_provider.supership.statuses import describe

        return describe(status)

    async def afetch_statuses(self, ids: Sequence[str], lookup_by: LookupBy = "code") -> dict[str, str]:
        """``{id: status code}`` of many orders: one order info call each (SuperShip has no batched
        status call), ``max_concurrency`` at a time."""

        async def one(order_id: str) -> tuple[str, str]:
            return order_id, (await self.aget_order(order_id, lookup_by=lookup_by)).status

        from airflow_provider.common.status import note_undocumented
        from airflow_provider.supership.statuses import STATUS_NAMES

        statuses = dict(await self.gather_limited([str(i) for i in dict.fromkeys(ids)], one))
        return note_undocumented(self.platform, "order_info", statuses, STATUS_NAMES)

    def fetch_statuses(self, ids: Sequence[str], lookup_by: LookupBy = "code") -> dict[str, str]:
        """Sync twin of :meth:`afetch_statuses` (one event loop per call, its client closed after)."""
        return self.run_async(self.afetch_statuses(ids, lookup_by=lookup_by))


def _label_token(data: Any) -> str:
    return LabelToken.model_validate(data).token


def _info_params(code: str, lookup_by: LookupBy) -> dict[str, str]:
    if lookup_by not in ("code", "soc"):
        raise ValueError(f"lookup_by must be 'code' or 'soc', not {lookup_by!r}")
    return {"code": str(code), "type": "2" if lookup_by == "soc" else "1"}


def _label_size(size: str) -> str:
    value = str(size).strip().upper()
    if value not in LABEL_SIZES:
        raise ValueError(f"label size {size!r} is not one of {', '.join(LABEL_SIZES)}")
    return value
