"""
超8 (Chao8) operators: every public operator of the platform, importable from this one module
(the path DAGs, the docs and the provider info name). Each lives in the module of its resource:

- :mod:`~airflow_provider.chao8.production_order_operators`: production orders (生产订单);
- :mod:`~airflow_provider.chao8.logistics_order_operators`: logistics orders (物流订单);
- :mod:`~airflow_provider.chao8.product_operators`: products (商品);
- :mod:`~airflow_provider.chao8.organisation_operators`: dealers and stores (组织);
- :mod:`~airflow_provider.chao8.report_operators`: report exports (溯源报表, 退入单, 库存动态);
- :mod:`~airflow_provider.chao8.audit_operators`: anti-diversion audits (稽查).

They stand on the provider's one operator core (:mod:`airflow_provider.common.operator_bases`)
through :class:`~airflow_provider.chao8.base_operator.Chao8Operator` and the shared bases of
:mod:`~airflow_provider.chao8.order_operator_bases`,
:mod:`~airflow_provider.chao8.sync_operator_base` and
:mod:`~airflow_provider.chao8.export_operator_bases`.

Imported on every DAG parse: these modules import only Airflow's SDK and the core's base module
at module level; hooks and models are imported when a task runs.
"""

from __future__ import annotations

from airflow_provider.chao8.audit_operators import Chao8AuditCodesOperator, Chao8ExportAuditHistoryOperator
from airflow_provider.chao8.base_operator import Chao8Operator
from airflow_provider.chao8.logistics_order_operators import (
    Chao8CompleteLogisticsOrdersOperator,
    Chao8CreateLogisticsOrdersOperator,
    Chao8DeleteLogisticsOrdersOperator,
    Chao8ExportScanDetailsOperator,
    Chao8ResetLogisticsOrdersOperator,
    Chao8UpdateLogisticsOrdersOperator,
)
from airflow_provider.chao8.organisation_operators import Chao8SyncDealersOperator, Chao8SyncStoresOperator
from airflow_provider.chao8.product_operators import Chao8ProductsStatusOperator, Chao8SyncProductsOperator
from airflow_provider.chao8.production_order_operators import (
    Chao8CreateProductionOrdersOperator,
    Chao8DeleteProductionOrdersOperator,
    Chao8ExportProductionOrderCodesOperator,
    Chao8UpdateProductionOrdersOperator,
)
from airflow_provider.chao8.report_operators import (
    Chao8ExportReportOperator,
    Chao8ExportReturnInboundOrdersOperator,
    Chao8ExportStockMovementOperator,
)
from airflow_provider.chao8.sync_operator_base import load_records

__all__ = [
    "Chao8AuditCodesOperator",
    "Chao8CompleteLogisticsOrdersOperator",
    "Chao8CreateLogisticsOrdersOperator",
    "Chao8CreateProductionOrdersOperator",
    "Chao8DeleteLogisticsOrdersOperator",
    "Chao8DeleteProductionOrdersOperator",
    "Chao8ExportAuditHistoryOperator",
    "Chao8ExportProductionOrderCodesOperator",
    "Chao8ExportReportOperator",
    "Chao8ExportReturnInboundOrdersOperator",
    "Chao8ExportScanDetailsOperator",
    "Chao8ExportStockMovementOperator",
    "Chao8Operator",
    "Chao8ProductsStatusOperator",
    "Chao8ResetLogisticsOrdersOperator",
    "Chao8SyncDealersOperator",
    "Chao8SyncProductsOperator",
    "Chao8SyncStoresOperator",
    "Chao8UpdateLogisticsOrdersOperator",
    "Chao8UpdateProductionOrdersOperator",
    "load_records",
]
