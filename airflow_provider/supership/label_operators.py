"""
SuperShip shipping labels: :class:`SuperShipLabelOperator` gets one print URL for a batch of
orders, and :class:`SuperShipLabelLink` is the task's "SuperShip labels" button.

Light at DAG parse time: the hook and the models are imported inside methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from airflow.sdk import BaseOperator, BaseOperatorLink

from airflow_provider.supership.base_operator import SuperShipOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.supership.hooks import SuperShipHook


class SuperShipLabelLink(BaseOperatorLink):
    """ "SuperShip labels" button on a label task: the print page of the batch's labels.

    The URL carries a print token: it is shown to users who can see the task, never logged.
    """

    name = "SuperShip labels"

    def get_link(self, operator: BaseOperator, *, ti_key: Any) -> str:
        from airflow.providers.common.compat.sdk import XCom

        pushed = XCom.get_value(ti_key=ti_key, key="return_value")
        return str(pushed.get("url") or "") if isinstance(pushed, dict) else ""


class SuperShipLabelOperator(SuperShipOperator):
    """
    Get one print URL for the shipping labels of a batch of orders.

    Calls ``POST /v1/partner/orders/token`` with the codes, then builds
    ``https://khachhang.supership.vn/orders/awb?token=<print token>&size=<size>``.

    The URL carries a print token that opens the labels (receiver names, phones, addresses)
    without any other credential: it is pushed to XCom, because whoever prints needs it, but it
    is never written to the task log. Treat the XCom value as a secret. An empty input skips.

    Pushes to XCom ``{"url": print URL, "size": size, "count": number of labels, "codes": [...]}``.

    :param codes: SuperShip order codes (templated; the XCom of
        :class:`SuperShipCreateOrdersOperator` works too).
    :param supership_conn_id: the SuperShip connection id.
    :param size: label size: A5, K46, T2, K50, K75, K80, S8 to S14 (templated).
    """

    template_fields: Sequence[str] = ("codes", "size")
    ui_color = "#f5e2fd"
    operator_extra_links = (SuperShipLabelLink(),)

    def __init__(self, *, codes: Any, size: str = "A5", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.codes = codes
        self.size = size

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        from airflow_provider.common.inputs import ids_from
        from airflow_provider.common.models import InputError
        from airflow_provider.supership.models import LABEL_SIZES

        try:
            codes = ids_from(self.codes, param="codes")
        except InputError as err:
            raise AirflowFailException(f"{self.task_id}: {err}") from err
        if not codes:
            raise AirflowSkipException("codes: nothing to do (no orders to print labels for)")
        size = str(self.size).strip().upper()
        if size not in LABEL_SIZES:
            raise AirflowFailException(f"size {self.size!r} is not one of {', '.join(LABEL_SIZES)}")
        with self.session() as session, self.fail_fast():
            hook = cast("SuperShipHook", session)
            url = hook.print_url(hook.create_label_token(codes), size)
        self.log.info(
            "Print URL for %d label(s) (size %s) pushed to XCom; not logged: it carries a print token",
            len(codes),
            size,
        )
        return {"url": url, "size": size, "count": len(codes), "codes": codes}
