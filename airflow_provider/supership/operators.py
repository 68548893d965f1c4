"""
SuperShip operators, all on the one operator core (:mod:`airflow_provider.common.operator_bases`).

The path DAGs, the docs and the provider info name (``SuperShipLabelLink`` too); each operator
lives in the module of its resource:

- :mod:`~airflow_provider.supership.base_operator`: :class:`SuperShipOperator` (connection, hook);
- :mod:`~airflow_provider.supership.order_operators`: create and cancel orders;
- :mod:`~airflow_provider.supership.tracking_operators`: status, COD figures and journeys;
- :mod:`~airflow_provider.supership.label_operators`: label print URL and its extra link;
- :mod:`~airflow_provider.supership.fee_quote_operators`: fee quotes between districts;
- :mod:`~airflow_provider.supership.warehouse_operators`: list, create and update warehouses;
- :mod:`~airflow_provider.supership.webhook_operators`: register the status webhook.

Light at DAG parse time: the hook and the models are imported when a task runs.
"""

from __future__ import annotations

from airflow_provider.supership.base_operator import SuperShipOperator
from airflow_provider.supership.fee_quote_operators import SuperShipFeeQuoteOperator
from airflow_provider.supership.label_operators import SuperShipLabelLink, SuperShipLabelOperator
from airflow_provider.supership.order_operators import (
    SuperShipCancelOrdersOperator,
    SuperShipCreateOrdersOperator,
    derive_soc,
)
from airflow_provider.supership.tracking_operators import SuperShipGetTrackingOperator
from airflow_provider.supership.warehouse_operators import (
    SuperShipCreateWarehousesOperator,
    SuperShipListWarehousesOperator,
    SuperShipUpdateWarehousesOperator,
)
from airflow_provider.supership.webhook_operators import SuperShipRegisterWebhookOperator

__all__ = [
    "SuperShipCancelOrdersOperator",
    "SuperShipCreateOrdersOperator",
    "SuperShipCreateWarehousesOperator",
    "SuperShipFeeQuoteOperator",
    "SuperShipGetTrackingOperator",
    "SuperShipLabelLink",
    "SuperShipLabelOperator",
    "SuperShipListWarehousesOperator",
    "SuperShipOperator",
    "SuperShipRegisterWebhookOperator",
    "SuperShipUpdateWarehousesOperator",
    "derive_soc",
]
