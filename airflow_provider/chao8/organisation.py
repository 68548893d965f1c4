"""
超8 organisation (基础资料/组织): dealers (经销商) and stores (门店).

Each call is described once (a ``_<operation key>`` method building its
:class:`~airflow_provider.common.hooks.ApiCall`) and sent by a thin sync method; an async twin
exists where an operator needs one (``sync_dealers`` -> ``async_dealers``, ``sync_stores`` ->
``async_stores``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from airflow_provider.chao8.calls import as_model, count_of, list_of, page_of, walk
from airflow_provider.chao8.client import Chao8Client
from airflow_provider.chao8.models import (
    BatchResult,
    Dealer,
    DealerCodes,
    DealerQuery,
    DealerStatusChange,
    DealerSync,
    StoreSync,
)
from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.models import Page


class Organisation(Chao8Client):
    """The dealer and store calls of ``Chao8Hook``."""

    # ----------------------------------------------------------------- dealers: read
    def _dealers_batch_query(self, codes: Sequence[str]) -> ApiCall[list[Dealer]]:
        return ApiCall(
            "POST",
            self.endpoint("dealers_batch_query"),
            list_of(Dealer),
            json={"codes": [str(code) for code in codes]},
            idempotent=True,
        )

    def query_dealers(self, codes: Sequence[str]) -> list[Dealer]:
        """根据编码批量查询经销商: the dealers among ``codes`` that exist."""
        return self.call(self._dealers_batch_query(codes))

    async def aquery_dealers(self, codes: Sequence[str]) -> list[Dealer]:
        """Async :meth:`query_dealers`."""
        return await self.acall(self._dealers_batch_query(codes))

    def _dealers_page(
        self, page_num: int, page_size: int, filters: Mapping[str, Any]
    ) -> ApiCall[Page[Dealer]]:
        query = DealerQuery.model_validate({**filters, "pageNum": page_num, "pageSize": page_size})
        return ApiCall(
            "POST",
            self.endpoint("dealers_page"),
            page_of(Dealer, page_num, page_size),
            json=query.dump(),
            idempotent=True,
        )

    def get_dealers_page(self, page_num: int = 1, page_size: int = 50, **filters: Any) -> Page[Dealer]:
        """根据查询条件查询全部经销商(并翻页): one page of dealers (``keyword``, ``region``, ``status``)."""
        return self.call(self._dealers_page(page_num, page_size, filters))

    def iter_dealers(self, page_size: int = 50, **filters: Any) -> Iterator[Dealer]:
        """Every dealer matching ``filters``, page after page to the end."""
        return walk(lambda n: self.get_dealers_page(n, page_size, **filters))

    def _dealers_count(self, filters: Mapping[str, Any]) -> ApiCall[int]:
        query = DealerQuery.model_validate(filters)
        return ApiCall(
            "POST",
            self.endpoint("dealers_count"),
            count_of,
            json=query.model_dump(
                mode="json", by_alias=True, exclude_none=True, exclude={"page_num", "page_size"}
            ),
            idempotent=True,
        )

    def count_dealers(self, **filters: Any) -> int:
        """根据查询条件统计全部经销商: how many dealers match ``filters``."""
        return self.call(self._dealers_count(filters))

    # ----------------------------------------------------------------- dealers: change
    def _dealers_sync(self, dealers: Iterable[DealerSync | Mapping[str, Any]]) -> ApiCall[BatchResult]:
        body = [as_model(DealerSync, dealer).dump() for dealer in dealers]
        return ApiCall(
            "POST", self.endpoint("dealers_sync"), BatchResult.model_validate, json=body, idempotent=True
        )

    def sync_dealers(self, dealers: Iterable[DealerSync | Mapping[str, Any]]) -> BatchResult:
        """同步经销商: add or update dealers by code (one batch)."""
        return self.call(self._dealers_sync(dealers))

    async def async_dealers(self, dealers: Iterable[DealerSync | Mapping[str, Any]]) -> BatchResult:
        """Async :meth:`sync_dealers`."""
        return await self.acall(self._dealers_sync(dealers))

    def _dealers_batch_delete(self, codes: Sequence[str]) -> ApiCall[BatchResult]:
        body = DealerCodes(codes=[str(code) for code in codes])
        return ApiCall(
            "POST",
            self.endpoint("dealers_batch_delete"),
            BatchResult.model_validate,
            json=body.dump(),
            idempotent=True,
        )

    def delete_dealers(self, codes: Sequence[str]) -> BatchResult:
        """批量删除经销商: delete dealers by code."""
        return self.call(self._dealers_batch_delete(codes))

    def _dealers_batch_status(self, codes: Sequence[str], enabled: bool) -> ApiCall[BatchResult]:
        body = DealerStatusChange(codes=[str(code) for code in codes], status=1 if enabled else 0)
        return ApiCall(
            "POST",
            self.endpoint("dealers_batch_status"),
            BatchResult.model_validate,
            json=body.dump(),
            idempotent=True,
        )

    def set_dealers_enabled(self, codes: Sequence[str], enabled: bool) -> BatchResult:
        """根据经销商编号批量启用禁用经销商接口: enable (``True``) or disable dealers by code."""
        return self.call(self._dealers_batch_status(codes, enabled))

    # ----------------------------------------------------------------- stores
    def _stores_sync(self, stores: Iterable[StoreSync | Mapping[str, Any]]) -> ApiCall[BatchResult]:
        body = [as_model(StoreSync, store).dump() for store in stores]
        return ApiCall(
            "POST", self.endpoint("stores_sync"), BatchResult.model_validate, json=body, idempotent=True
        )

    def sync_stores(self, stores: Iterable[StoreSync | Mapping[str, Any]]) -> BatchResult:
        """同步门店: add or update stores by code (one batch)."""
        return self.call(self._stores_sync(stores))

    async def async_stores(self, stores: Iterable[StoreSync | Mapping[str, Any]]) -> BatchResult:
        """Async :meth:`sync_stores`."""
        return await self.acall(self._stores_sync(stores))
