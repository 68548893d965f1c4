"""
超8 products (基础资料/商品, the V3 calls): list, read, add or update one or a batch, query,
enable, disable and delete by product code.

Each call is described once (a ``_<operation key>`` method building its
:class:`~airflow_provider.common.hooks.ApiCall`) and sent by a thin sync method; an async twin
exists where an operator needs one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from airflow_provider.chao8.calls import as_model, list_of, page_of, walk
from airflow_provider.chao8.client import Chao8Client
from airflow_provider.chao8.models import BatchResult, Product, ProductCodes, ProductQuery, ProductUpsert
from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.models import Page


class Products(Chao8Client):
    """The product calls of ``Chao8Hook``."""

    # ----------------------------------------------------------------- list and read
    def _products_page(self, page_num: int, page_size: int, keyword: str | None) -> ApiCall[Page[Product]]:
        query = ProductQuery(page_num=page_num, page_size=page_size, keyword=keyword or None)
        return ApiCall(
            "POST",
            self.endpoint("products_page"),
            page_of(Product, page_num, page_size),
            json=query.dump(),
            idempotent=True,
        )

    def get_products_page(
        self, page_num: int = 1, page_size: int = 50, keyword: str | None = None
    ) -> Page[Product]:
        """商品分页列表V3: one page of products (``keyword`` filters by code or name)."""
        return self.call(self._products_page(page_num, page_size, keyword))

    def iter_products(self, page_size: int = 50, keyword: str | None = None) -> Iterator[Product]:
        """Every product, page after page to the end."""
        return walk(lambda n: self.get_products_page(n, page_size, keyword))

    def list_products(self, page_size: int = 50, keyword: str | None = None) -> list[Product]:
        """Every product as a list."""
        return list(self.iter_products(page_size, keyword))

    def _product_detail(self, product_code: str) -> ApiCall[Product]:
        return ApiCall(
            "GET", self.endpoint("product_detail", product_code=product_code), Product.model_validate
        )

    def get_product(self, product_code: str) -> Product:
        """获取商品详细信息: one product by its code (:class:`NotFoundError` when absent)."""
        return self.call(self._product_detail(product_code))

    def _products_batch_query(self, product_codes: Sequence[str]) -> ApiCall[list[Product]]:
        return ApiCall(
            "POST",
            self.endpoint("products_batch_query"),
            list_of(Product),
            json={"productCodes": [str(code) for code in product_codes]},
            idempotent=True,
        )

    def query_products(self, product_codes: Sequence[str]) -> list[Product]:
        """根据商品编号查询(批量)V3: the products among ``product_codes`` that exist."""
        return self.call(self._products_batch_query(product_codes))

    async def aquery_products(self, product_codes: Sequence[str]) -> list[Product]:
        """Async :meth:`query_products`."""
        return await self.acall(self._products_batch_query(product_codes))

    # ----------------------------------------------------------------- add or update
    def _product_upsert(self, product: ProductUpsert | Mapping[str, Any]) -> ApiCall[Product]:
        body = as_model(ProductUpsert, product)
        return ApiCall(
            "POST",
            self.endpoint("product_upsert"),
            lambda data: Product.model_validate(data if isinstance(data, dict) else body.dump()),
            json=body.dump(),
            idempotent=True,
        )

    def upsert_product(self, product: ProductUpsert | Mapping[str, Any]) -> Product:
        """通过商品编号新增/修改商品信息V3: add or update one product by its code."""
        return self.call(self._product_upsert(product))

    def _products_batch_upsert(
        self, products: Iterable[ProductUpsert | Mapping[str, Any]]
    ) -> ApiCall[BatchResult]:
        body = [as_model(ProductUpsert, product).dump() for product in products]
        return ApiCall(
            "POST",
            self.endpoint("products_batch_upsert"),
            BatchResult.model_validate,
            json=body,
            idempotent=True,
        )

    def upsert_products(self, products: Iterable[ProductUpsert | Mapping[str, Any]]) -> BatchResult:
        """通过商品编号新增/修改商品信息(批量)V3: add or update products by product code (one batch)."""
        return self.call(self._products_batch_upsert(products))

    async def aupsert_products(self, products: Iterable[ProductUpsert | Mapping[str, Any]]) -> BatchResult:
        """Async :meth:`upsert_products`."""
        return await self.acall(self._products_batch_upsert(products))

    # ----------------------------------------------------------------- by code, in batches
    def _products_by_code(self, key: str, product_codes: Sequence[str]) -> ApiCall[BatchResult]:
        """One batch call on products by code (``key``: delete, disable or enable)."""
        body = ProductCodes(product_codes=[str(code) for code in product_codes])
        return ApiCall(
            "POST", self.endpoint(key), BatchResult.model_validate, json=body.dump(), idempotent=True
        )

    def delete_products(self, product_codes: Sequence[str]) -> BatchResult:
        """通过商品编号删除(批量)V3: delete products by code (one batch of up to 200)."""
        return self.call(self._products_by_code("products_batch_delete", product_codes))

    async def adelete_products(self, product_codes: Sequence[str]) -> BatchResult:
        """Async :meth:`delete_products`."""
        return await self.acall(self._products_by_code("products_batch_delete", product_codes))

    def disable_products(self, product_codes: Sequence[str]) -> BatchResult:
        """通过商品编号禁用(批量)V3: disable products by code (status 0)."""
        return self.call(self._products_by_code("products_batch_disable", product_codes))

    async def adisable_products(self, product_codes: Sequence[str]) -> BatchResult:
        """Async :meth:`disable_products`."""
        return await self.acall(self._products_by_code("products_batch_disable", product_codes))

    def enable_products(self, product_codes: Sequence[str]) -> BatchResult:
        """通过商品编号启用(批量)V3: enable products by code (status 1)."""
        return self.call(self._products_by_code("products_batch_enable", product_codes))

    async def aenable_products(self, product_codes: Sequence[str]) -> BatchResult:
        """Async :meth:`enable_products`."""
        return await self.acall(self._products_by_code("products_batch_enable", product_codes))
