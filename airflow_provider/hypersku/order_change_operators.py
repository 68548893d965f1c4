"""
Changes to HyperSKU orders already placed: :class:`HyperSkuCancelOrdersOperator` and
:class:`HyperSkuUpdateOrderAddressesOperator`, both safe to run again.

Light at DAG parse time: the hook and the models are imported inside methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider.common.operator_bases import BulkOperator
from airflow_provider.hypersku.base_operator import HyperSkuOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.common.results import BulkReport, ItemResult
    from airflow_provider.hypersku.hooks import HyperSkuHook
    from airflow_provider.hypersku.models import UpdateOrderAddressReq


class HyperSkuCancelOrdersOperator(HyperSkuOperator, BulkOperator[str]):
    """
    Cancel HyperSKU orders; an order already closed or refunding counts as cancelled.

    One ``getOrdersStatus`` call before (orders already closed are not sent) and one after (the
    final statuses). An empty input skips the task.

    Pushes to XCom ``{"counts", "results": [{key (orderId), outcome (updated = cancelled now,
    ok = already cancelled, failed), status}]}`` before failing on any failure.

    :param order_ids: one HyperSKU ``orderId`` or a list (templated; a create report works).
    :param on_invalid: ``"stop"`` (default), ``"report"`` or ``"allow"``: what invalid input does
        (see :class:`~airflow_provider.common.operator_bases.BulkOperator`).
    :param results_path: write every order's result to this JSON-lines file (templated).
    :param hypersku_conn_id: the HyperSKU connection id.
    :param max_concurrency: cancels in flight at once.
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("orders",)

    action = "HyperSKU cancel orders"
    items_param = "order_ids"
    resumes_from_checkpoint = True
    template_fields: Sequence[str] = ("order_ids", "results_path")

    def __init__(self, *, order_ids: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.order_ids = order_ids
        self._before: dict[str, str] = {}

    def validate_items(self, raw: Any) -> list[str]:
        from airflow_provider.common.inputs import ids_from

        return ids_from(raw, param="order_ids", report_key="order_ids")

    def item_key(self, item: str) -> str:
        return item

    def prepare(self, hook: HyperSkuHook, items: list[str], context: Context) -> list[str]:
        self.prime_token(hook)
        self._before = hook.fetch_statuses(items)
        return items

    async def run_item(self, hook: HyperSkuHook, item: str) -> ItemResult:
        from airflow_provider.common.errors import ApiError, AuthError, ConfigurationError
        from airflow_provider.common.results import ItemResult
        from airflow_provider.hypersku.constants import CANCELLED_STATUSES

        status = self._before.get(item)
        if status not in CANCELLED_STATUSES:
            try:
                await hook.acancel_order(item)
                return ItemResult(key=item, outcome="updated", id=item)
            except (AuthError, ConfigurationError):
                raise
            except ApiError:
                # A cancel retried after a lost answer, or an order closed meanwhile, is done.
                status = (await hook.afetch_statuses([item])).get(item)
                if status not in CANCELLED_STATUSES:
                    raise
        return ItemResult(key=item, outcome="ok", id=item, status=status, data={"already": True})

    async def run_items(
        self, hook: HyperSkuHook, items: list[str], context: Context, on_result: Any
    ) -> BulkReport:
        from airflow_provider.common.errors import ApiError

        report = await super().run_items(hook, items, context, on_result)
        if self.stop_signal.requested:
            return report  # told to stop: no new call (each result keeps the status it has)
        try:
            after = await hook.afetch_statuses(items)
        except ApiError as err:
            self.log.warning("Could not read the statuses after cancelling: %s", err)
            after = {}
        for result in report.results:
            result.status = after.get(result.key, result.status)
        return report


class HyperSkuUpdateOrderAddressesOperator(HyperSkuOperator, BulkOperator["UpdateOrderAddressReq"]):
    """
    Change the shipping address of orders not yet shipped (safe to run again).

    Give ``order_id`` + ``shipping_address`` for one order, or ``updates`` for many. Addresses
    are validated (required fields, ISO country code) before any request; an empty ``updates``
    skips the task.

    Pushes to XCom ``{"counts", "results": [{key (orderId), outcome (updated/failed),
    data: {countryCode}}]}`` (no address data) before failing on any failure.

    :param order_id: the HyperSKU ``orderId`` (templated).
    :param shipping_address: ``ShippingAddressDto`` fields (templated).
    :param updates: ``[{"orderId": ..., "shippingAddress": {...}}]`` (templated).
    :param on_invalid: ``"stop"`` (default), ``"report"`` or ``"allow"``: what invalid input does
        (see :class:`~airflow_provider.common.operator_bases.BulkOperator`).
    :param results_path: write every order's result to this JSON-lines file (templated).
    :param hypersku_conn_id: the HyperSKU connection id.
    :param max_concurrency: updates in flight at once.
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("orders",)

    action = "HyperSKU update order addresses"
    items_param = "updates"
    resumes_from_checkpoint = True
    template_fields: Sequence[str] = ("order_id", "shipping_address", "updates", "results_path")

    def __init__(
        self, *, order_id: Any = None, shipping_address: Any = None, updates: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if updates is None and (order_id is None or shipping_address is None):
            raise ValueError("give order_id and shipping_address, or updates")
        self.order_id = order_id
        self.shipping_address = shipping_address
        self.updates = updates

    def validate_items(self, raw: Any) -> list[UpdateOrderAddressReq]:
        from airflow_provider.common.inputs import items_from
        from airflow_provider.common.models import validate_all
        from airflow_provider.hypersku.models import UpdateOrderAddressReq

        if raw is None:
            raw = [{"orderId": self.order_id, "shippingAddress": self.shipping_address}]
        return validate_all(UpdateOrderAddressReq, items_from(raw, param="updates"), id_field="orderId")

    def item_key(self, item: UpdateOrderAddressReq) -> str:
        return item.order_id

    async def run_item(self, hook: HyperSkuHook, item: UpdateOrderAddressReq) -> ItemResult:
        from airflow_provider.common.results import ItemResult

        await hook.aupdate_order_address(item.order_id, item.shipping_address)
        country = item.shipping_address.country_code
        return ItemResult(
            key=item.order_id, outcome="updated", id=item.order_id, data={"countryCode": country}
        )
