"""
HyperSKU operators, all on the one operator core (:mod:`airflow_provider.common.operator_bases`).

The path DAGs, the docs and the provider info name; each operator lives in the module of its
resource:

- :mod:`~airflow_provider.hypersku.base_operator`: :class:`HyperSkuOperator` (connection, hook,
  time inputs, written files);
- :mod:`~airflow_provider.hypersku.order_create_operators`: create orders (with a logistics
  choice per order), quote logistics;
- :mod:`~airflow_provider.hypersku.order_change_operators`: cancel orders, change addresses;
- :mod:`~airflow_provider.hypersku.order_read_operators`: tracking and stock movements per order;
- :mod:`~airflow_provider.hypersku.catalogue_operators`: products and stock levels;
- :mod:`~airflow_provider.hypersku.order_export_operators`: orders and stock orders of a period.

Light at DAG parse time: the hook, the models and httpx are imported when a task runs.
"""

from __future__ import annotations

from airflow_provider.hypersku.base_operator import HyperSkuOperator
from airflow_provider.hypersku.catalogue_operators import (
    HyperSkuGetInventoryOperator,
    HyperSkuListProductsOperator,
)
from airflow_provider.hypersku.order_change_operators import (
    HyperSkuCancelOrdersOperator,
    HyperSkuUpdateOrderAddressesOperator,
)
from airflow_provider.hypersku.order_create_operators import (
    HyperSkuCreateOrdersOperator,
    HyperSkuLogisticsQuoteOperator,
)
from airflow_provider.hypersku.order_export_operators import (
    HyperSkuGetStockOrdersOperator,
    HyperSkuListOrdersOperator,
)
from airflow_provider.hypersku.order_read_operators import (
    HyperSkuGetInventoryHistoryOperator,
    HyperSkuGetTrackingOperator,
    HyperSkuPerOrderReadOperator,
)

__all__ = [
    "HyperSkuCancelOrdersOperator",
    "HyperSkuCreateOrdersOperator",
    "HyperSkuGetInventoryHistoryOperator",
    "HyperSkuGetInventoryOperator",
    "HyperSkuGetStockOrdersOperator",
    "HyperSkuGetTrackingOperator",
    "HyperSkuListOrdersOperator",
    "HyperSkuListProductsOperator",
    "HyperSkuLogisticsQuoteOperator",
    "HyperSkuOperator",
    "HyperSkuPerOrderReadOperator",
    "HyperSkuUpdateOrderAddressesOperator",
]
