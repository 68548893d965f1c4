"""
HiShopping operators: every public operator of the platform, importable from this one module
(the path DAGs, the docs and the provider info name). Each lives in the module of its resource:

- :mod:`~airflow_provider.hishopping.order_operators`: create orders against the prepaid
  credit (with its estimate checked, or waited for), list the orders of a data interval;
- :mod:`~airflow_provider.hishopping.goods_operators`: goods with their SKUs and prices;
- :mod:`~airflow_provider.hishopping.credit_operators`: the credit ledger as a CSV file;
- :mod:`~airflow_provider.hishopping.account_operators`: merchant profile, open API app, keys.

They stand on the provider's one operator core (:mod:`airflow_provider.common.operator_bases`)
through :class:`~airflow_provider.hishopping.base_operator.HiShoppingOperator`.

Imported on every DAG parse: these modules import only Airflow's SDK and the core's base module
at module level; the hook, the models and the trigger are imported when a task runs.
"""

from __future__ import annotations

from airflow_provider.hishopping.account_operators import (
    HiShoppingGetAppOperator,
    HiShoppingGetMerchantOperator,
    HiShoppingRotateKeysOperator,
    HiShoppingUpdateMerchantOperator,
)
from airflow_provider.hishopping.base_operator import HiShoppingOperator
from airflow_provider.hishopping.credit_operators import HiShoppingCreditTransactionsOperator
from airflow_provider.hishopping.goods_operators import HiShoppingGoodsOperator
from airflow_provider.hishopping.order_operators import (
    HiShoppingCreateOrdersOperator,
    HiShoppingListOrdersOperator,
)

__all__ = [
    "HiShoppingCreateOrdersOperator",
    "HiShoppingCreditTransactionsOperator",
    "HiShoppingGetAppOperator",
    "HiShoppingGetMerchantOperator",
    "HiShoppingGoodsOperator",
    "HiShoppingListOrdersOperator",
    "HiShoppingOperator",
    "HiShoppingRotateKeysOperator",
    "HiShoppingUpdateMerchantOperator",
]
