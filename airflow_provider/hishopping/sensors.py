"""
HiShopping sensors: wait for order statuses, or for the credit to cover an amount.

Both poke or defer to the shared :class:`~airflow_provider.common.triggers.StatusTrigger`
(no worker slot held while deferred); the hook is imported only when the sensor runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider.common.sensors import StatusSensor

if TYPE_CHECKING:
    from airflow.sdk import Context, PokeReturnValue

#: the credit sensor's single pseudo order id
CREDIT_PSEUDO_ID = "credit"


class HiShoppingOrderStatusSensor(StatusSensor):
    """
    Wait until HiShopping orders are shipped or completed; fail at once on cancelled or failed.

    Reads each order's detail (open API when the connection has its keys, else the web API),
    ``max_concurrency`` at a time, dropping orders already in a final status. Pushes
    ``{order id: status}`` to XCom when every order is done.

    :param order_ids: one id or a list (templated; XCom works), or the create operator's report:
        HiShopping ``order_no`` values, or your ``merchant_order`` values with
        ``lookup_by="merchant_order"`` (open API; from a report the ``key`` of each order is taken).
    :param hishopping_conn_id: the connection.
    :param lookup_by: ``order_no`` or ``merchant_order``.
    :param api: ``auto``, ``open`` or ``web``.
    :param success_statuses: default ``{"shipped", "completed"}``.
    :param failure_statuses: default ``{"cancelled", "failed"}``.
    :param deferrable: wait on the triggerer (default ``[operators] default_deferrable``).
    :param poke_interval: seconds between polls.
    :param timeout: seconds before the wait fails.
    """

    registry_key = "hishopping"
    default_success_statuses: ClassVar[frozenset[str]] = frozenset({"shipped", "completed"})
    default_failure_statuses: ClassVar[frozenset[str]] = frozenset({"cancelled", "failed"})

    def __init__(
        self,
        *,
        order_ids: Any,
        hishopping_conn_id: str = "hishopping_default",
        lookup_by: str = "order_no",
        api: str = "auto",
        **kwargs: Any,
    ) -> None:
        if lookup_by not in ("order_no", "merchant_order"):
            raise ValueError(f"lookup_by must be 'order_no' or 'merchant_order', not {lookup_by!r}")
        if api not in ("auto", "open", "web"):
            raise ValueError(f"api must be 'auto', 'open' or 'web', not {api!r}")
        super().__init__(
            order_ids=order_ids,
            conn_id=hishopping_conn_id,
            method_kwargs={"by": lookup_by, "api": api},  # the hook's parameter keeps its name
            **kwargs,
        )
        self.hishopping_conn_id = hishopping_conn_id
        self.lookup_by = lookup_by
        self.api = api
        # from a create report: the order_no (``id``) or the merchant_order (``key``) of each order
        self.report_id_field = "key" if lookup_by == "merchant_order" else "id"  # type: ignore[misc]


class HiShoppingCreditSensor(StatusSensor):
    """
    Wait until the merchant's credit balance covers ``amount`` (a top-up arrived).

    Built on the status sensor: the hook reports the pseudo status ``covered`` or ``short`` for
    one pseudo id (``credit``) each poll. Pushes ``{"credit": "covered"}`` to XCom when done.
    An ``amount`` of 0 means there is nothing to cover (e.g. a re-run whose orders all exist):
    the first poke is done at once, without reading the balance.

    :param amount: the balance needed (templated; number or text, read as Decimal; 0 or more).
    :param hishopping_conn_id: the connection.
    :param api: ``auto``, ``open`` (credit/balance) or ``web`` (credit info).
    :param deferrable: wait on the triggerer (default ``[operators] default_deferrable``).
    :param poke_interval: seconds between polls.
    :param timeout: seconds before the wait fails.
    """

    template_fields: Sequence[str] = ("amount",)
    registry_key = "hishopping"
    status_method: ClassVar[str] = "fetch_credit_status"
    default_success_statuses: ClassVar[frozenset[str]] = frozenset({"covered"})
    default_failure_statuses: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        *,
        amount: Any,
        hishopping_conn_id: str = "hishopping_default",
        api: str = "auto",
        **kwargs: Any,
    ) -> None:
        if api not in ("auto", "open", "web"):
            raise ValueError(f"api must be 'auto', 'open' or 'web', not {api!r}")
        kwargs.pop("order_ids", None)
        super().__init__(
            order_ids=[CREDIT_PSEUDO_ID], conn_id=hishopping_conn_id, method_kwargs={"api": api}, **kwargs
        )
        self.amount = amount
        self.hishopping_conn_id = hishopping_conn_id
        self.api = api

    def execute(self, context: Context) -> Any:
        self.method_kwargs = {"amount": str(parse_amount(self.amount)), "api": self.api}
        return super().execute(context)

    def poke(self, context: Context) -> PokeReturnValue:
        if parse_amount(self.amount) == 0:
            from airflow.sdk import PokeReturnValue

            self.log.info("Amount 0: nothing to cover, the balance is not read")
            return PokeReturnValue(is_done=True, xcom_value={CREDIT_PSEUDO_ID: "covered"})
        return super().poke(context)


def parse_amount(value: Any) -> Decimal:
    """A money amount of 0 or more from text or a number (AirflowFailException otherwise)."""
    from airflow.sdk.exceptions import AirflowFailException

    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as err:
        raise AirflowFailException(f"amount {value!r} is not a number") from err
    if not amount.is_finite() or amount < 0:
        raise AirflowFailException(f"amount must be 0 or positive, got {value!r}")
    return amount
