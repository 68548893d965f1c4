"""
What the 超8 production and logistics order operators share: creates keyed by the caller's
``orderNo`` (:class:`Chao8CreateOrdersBase`), one call per ``orderNo``
(:class:`Chao8OrderNosBase`, :func:`deleted_result`) and per-order changes
(:class:`Chao8OrderChangesBase`).

Imported on every DAG parse (through :mod:`airflow_provider.chao8.operators`): only operator
bases at module level; hooks and models are imported inside the methods, when a task runs.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider.chao8.base_operator import Chao8Operator
from airflow_provider.common.operator_bases import BulkCreateOperator, BulkOperator

if TYPE_CHECKING:
    from airflow_provider.chao8.hooks import Chao8Hook
    from airflow_provider.common.models import ApiModel
    from airflow_provider.common.results import ItemResult


class Chao8CreateOrdersBase(Chao8Operator, BulkCreateOperator[Any]):
    """Orders created at most once across attempts, keyed by the caller's ``orderNo``."""

    #: 超8 refuses a reused orderNo: the refusal is read back as ``existed``
    refuses_reused_ids = True

    template_fields: Sequence[str] = ("orders", "results_path")

    def __init__(self, *, orders: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.orders = orders

    @abstractmethod
    def request_model(self) -> type[ApiModel]:
        """The vendor schema every order is validated as."""

    def validate_items(self, raw: Any) -> list[Any]:
        from airflow_provider.common.inputs import items_from
        from airflow_provider.common.models import validate_all

        return validate_all(self.request_model(), items_from(raw, param="orders"), id_field="orderNo")

    def item_key(self, item: Any) -> str:
        return str(item.order_no)

    def describe(self, value: Any) -> tuple[str | None, str | None, dict[str, Any]]:
        status = None if value.status is None else str(value.status)
        return (None if value.id is None else str(value.id)), status, {"orderNo": value.order_no}


class Chao8OrderNosBase(Chao8Operator, BulkOperator[str]):
    """One call per ``orderNo``; subclasses say which."""

    template_fields: Sequence[str] = ("order_nos", "results_path")
    items_param = "order_nos"

    def __init__(self, *, order_nos: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.order_nos = order_nos

    def validate_items(self, raw: Any) -> list[str]:
        from airflow_provider.common.inputs import ids_from

        return ids_from(raw, param="order_nos", report_field="key")

    def item_key(self, item: str) -> str:
        return item


class Chao8OrderChangesBase(Chao8Operator, BulkOperator[Any]):
    """Per-order changes: ``[{orderNo, ...fields to change}]``, each validated before any call."""

    template_fields: Sequence[str] = ("changes", "results_path")
    items_param = "changes"

    def __init__(self, *, changes: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.changes = changes

    #: the request model of a change (in ``chao8.models``) and the async hook method sending it
    change_model_name: ClassVar[str] = ""
    update_method: ClassVar[str] = ""

    def change_model(self) -> type[ApiModel]:
        from airflow_provider.chao8 import models

        return getattr(models, self.change_model_name)  # type: ignore[no-any-return]

    async def run_item(self, hook: Chao8Hook, item: tuple[str, Any]) -> ItemResult:
        from airflow_provider.common.results import ItemResult

        order = await getattr(hook, self.update_method)(*item)
        status = getattr(order, "status", None)
        return ItemResult(key=item[0], outcome="updated", status=None if status is None else str(status))

    def validate_items(self, raw: Any) -> list[tuple[str, Any]]:
        from airflow_provider.common.inputs import items_from
        from airflow_provider.common.models import InputError

        items: list[tuple[str, Any]] = []
        problems: list[tuple[str, str, str]] = []
        model = self.change_model()
        for index, change in enumerate(items_from(raw, param="changes")):
            if not isinstance(change, dict):
                problems.append((f"#{index}", "-", "expected an object {orderNo, ...}"))
                continue
            fields = dict(change)
            order_no = str(fields.pop("orderNo", fields.pop("order_no", "")) or "").strip()
            if not order_no:
                problems.append((f"#{index}", "orderNo", "required"))
                continue
            try:
                items.append((order_no, model.model_validate(fields)))
            except ValueError as err:
                problems.append((order_no, "-", str(err).replace("\n", " ")))
        keys = [key for key, _ in items]
        problems += [
            (key, "orderNo", "repeated in this input")
            for key in sorted({k for k in keys if keys.count(k) > 1})
        ]
        if problems:
            raise InputError(problems)
        return items

    def item_key(self, item: tuple[str, Any]) -> str:
        return item[0]


async def deleted_result(order_no: str, delete: Any) -> ItemResult:
    """The result of ``delete(order_no)``: ``ok``, with ``already_deleted`` true when the order
    was gone already (a retried task is harmless); other errors propagate."""
    from airflow_provider.common.errors import NotFoundError
    from airflow_provider.common.results import ItemResult

    try:
        await delete(order_no)
    except NotFoundError:
        return ItemResult(key=order_no, outcome="ok", data={"already_deleted": True})
    return ItemResult(key=order_no, outcome="ok", data={"already_deleted": False})
