"""
SuperShip fee quotes: :class:`SuperShipFeeQuoteOperator` prices parcels between districts
before any order is created.

Light at DAG parse time: the hook and the models are imported inside methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider.common.operator_bases import BulkOperator
from airflow_provider.supership.base_operator import SuperShipOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.common.results import ItemResult
    from airflow_provider.supership.hooks import SuperShipHook
    from airflow_provider.supership.models import FeeQuoteRequest


class SuperShipFeeQuoteOperator(SuperShipOperator, BulkOperator["tuple[int, FeeQuoteRequest]"]):
    """
    Price parcels between districts before creating orders (``GET /v1/partner/orders/price``).

    Each quote request needs ``sender_province``, ``sender_district``, ``receiver_province``,
    ``receiver_district`` (NAMES, checked against the areas API with suggestions before any
    price call), ``weight`` (grams) and optionally ``value`` (VND, for insurance). An empty
    input skips.

    Pushes to XCom ``{"counts", "results": [{"key": "#<index>", "outcome": ok | failed, "data":
    {route, weight, fee (cheapest), insurance, quotes: [{service, fee, insurance, pickup,
    delivery}]}}]}``.

    :param quotes: one quote request dict or a list (templated).
    :param supership_conn_id: the SuperShip connection id.
    :param check_places: check the place names against the areas API first.
    :param method: ``GET`` (documented) or ``POST`` (as SuperShip's PHP SDK sends it).
    :param on_invalid: ``"stop"`` (default), ``"report"`` or ``"allow"``: what invalid input does
        (see :class:`~airflow_provider.common.operator_bases.BulkOperator`).
    :param results_path: write every quote's result to this JSON-lines file (templated).
    :param max_concurrency: price calls in flight at once.
    """

    template_fields: Sequence[str] = ("quotes", "results_path")
    ui_color = "#e2fde8"
    action = "SuperShip fee quotes"
    items_param = "quotes"

    def __init__(self, *, quotes: Any, check_places: bool = True, method: str = "GET", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if method.upper() not in ("GET", "POST"):
            raise ValueError(f"method must be GET or POST, not {method!r}")
        self.quotes = quotes
        self.check_places = check_places
        self.method = method.upper()

    def validate_items(self, raw: Any) -> list[tuple[int, FeeQuoteRequest]]:
        from airflow_provider.common.inputs import items_from
        from airflow_provider.common.models import validate_all
        from airflow_provider.supership.models import FeeQuoteRequest

        return list(enumerate(validate_all(FeeQuoteRequest, items_from(raw, param="quotes"))))

    def item_key(self, item: tuple[int, FeeQuoteRequest]) -> str:
        return f"#{item[0]}"

    def prepare(
        self, hook: SuperShipHook, items: list[tuple[int, FeeQuoteRequest]], context: Context
    ) -> list[tuple[int, FeeQuoteRequest]]:
        from airflow_provider.common.models import InputError

        if self.check_places:
            problems: list[tuple[str, str, str]] = []
            for index, request in items:
                for side in ("sender", "receiver"):
                    check = hook.check_place(
                        getattr(request, f"{side}_province"),
                        getattr(request, f"{side}_district"),
                        fields=(f"{side}_province", f"{side}_district", ""),
                        check_commune=False,
                    )
                    problems += [(f"#{index}", field, message) for field, message in check.problems]
            if problems:
                raise InputError(problems)
        return super().prepare(hook, items, context)

    async def run_item(self, hook: SuperShipHook, item: tuple[int, FeeQuoteRequest]) -> ItemResult:
        from airflow_provider.common.results import ItemResult

        index, request = item
        quotes = await hook.aget_fee_quotes(request, method="POST" if self.method == "POST" else "GET")
        rows: list[dict[str, Any]] = [quote.compact() for quote in quotes]
        cheapest = min(rows, key=lambda r: int(r["fee"] or 0) + int(r["insurance"] or 0)) if rows else {}
        data = {
            "route": f"{request.sender_district}, {request.sender_province} -> "
            f"{request.receiver_district}, {request.receiver_province}",
            "weight": request.weight,
            "fee": cheapest.get("fee"),
            "insurance": cheapest.get("insurance"),
            "quotes": rows,
        }
        return ItemResult(key=f"#{index}", outcome="ok", data=data)
