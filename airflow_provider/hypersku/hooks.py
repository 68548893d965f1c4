"""
HyperSKU hook: token authentication (password or OAuth2) and one typed method per API call.

:class:`HyperSkuHook` is composed of one class per resource, over the base they share:

- :mod:`~airflow_provider.hypersku.base_hook`: the AG-Admin envelope
  (:mod:`~airflow_provider.hypersku.envelope`) and the call shapes (POST, page, walk);
- :mod:`~airflow_provider.hypersku.auth`: the password token or OAuth2 refresh, and the
  authorisation code exchange;
- :mod:`~airflow_provider.hypersku.logistics_calls`: countries, channels, tracking;
- :mod:`~airflow_provider.hypersku.order_calls`: create, statuses, order list, lookup by
  ``thirdOrderId``, cancel, address update;
- :mod:`~airflow_provider.hypersku.product_calls`: products, stock orders, stock rows and
  movements.

Each call is described once (an :class:`~airflow_provider.common.hooks.ApiCall`) and sent sync;
an async twin (``a`` prefix) exists where an operator or the sensor's trigger awaits it, and for
two reads the tests take through the async pipeline (``aget_country_codes``, ``alist_products``).

Every path lives in :attr:`HyperSkuHook.endpoints`; :attr:`HyperSkuHook.inferred_endpoints`
names those no public document states. A connection corrects any of them with its extra
``endpoints`` (``{"getOrderInfos": "/api/customer/admin/orders/list"}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from airflow_provider.hypersku.auth import AUTH_ENDPOINTS, HyperSkuAuth
from airflow_provider.hypersku.logistics_calls import LOGISTICS_ENDPOINTS, HyperSkuLogisticsCalls
from airflow_provider.hypersku.order_calls import ORDER_ENDPOINTS, HyperSkuOrderCalls
from airflow_provider.hypersku.product_calls import PRODUCT_ENDPOINTS, HyperSkuProductCalls


class HyperSkuHook(HyperSkuAuth, HyperSkuLogisticsCalls, HyperSkuOrderCalls, HyperSkuProductCalls):
    """
    Talk to HyperSKU's customer API.

    Connection: ``host`` = base URL (empty: ``https://api.hypersku.com``). ``auth_mode`` extra
    ``password`` (default): ``login`` = username, ``password`` = password, optional secret
    ``api_key`` extra sent as ``Authorization`` on the token call. ``oauth2``: extras
    ``client_id``, ``client_secret`` and ``refresh_token`` (from
    ``python -m airflow_provider.hypersku.oauth``). Other extras: ``store_code`` (needed to look
    orders up by ``thirdOrderId``), ``session_ttl`` (seconds, when the token is no JWT with
    ``exp``; default 3600), ``auth_scheme`` (``Bearer`` to send ``Bearer <token>``),
    ``endpoints``, ``timeout``, ``verify``, ``proxy``, ``max_concurrency``.

    Tokens go in ``Authorization`` raw. A rotated OAuth2 refresh token is kept in the shared
    token store and preferred over the connection's copy (tasks cannot write connections).

    :param hypersku_conn_id: the Airflow connection id.
    """

    registry_key = "hypersku"

    endpoints: ClassVar[Mapping[str, str]] = {
        **AUTH_ENDPOINTS,
        **LOGISTICS_ENDPOINTS,
        **ORDER_ENDPOINTS,
        **PRODUCT_ENDPOINTS,
    }
    #: endpoints whose path (or part of it) no public source states: correct them per connection
    inferred_endpoints: ClassVar[frozenset[str]] = frozenset(
        {
            "refreshToken",
            "getOrderInfos",
            "cancelOrder",
            "updateOrderAddress",
            "getStockOrderInfo",
            "getInventoryInfo",
            "getCustomerInventoryInfo",
            "getInventoryHistoryByOrderId",
            "getProductInfo",
            "getPrivateProduct",
        }
    )

    def __init__(self, hypersku_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(hypersku_conn_id, **kwargs)

    def probe(self) -> str:
        """The test button's read: the destination countries."""
        return f"{len(self.get_country_codes())} destination countries readable"
