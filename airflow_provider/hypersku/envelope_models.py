"""HyperSKU's AG-Admin envelope schemas: one object, or one page of rows (``TableData``)."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import Field

from airflow_provider.common.models import ApiModel, Page

T = TypeVar("T")


class ObjectRestResponse(ApiModel, Generic[T]):
    """``ObjectRestResponse<T>``: ``{status, message, data, rel}`` (AG-Admin framework)."""

    status: int | None = None
    message: str | None = None
    data: T | None = None
    rel: bool | None = None


class TableData(ApiModel, Generic[T]):
    """``TableData<T>``: one page of rows and the total count."""

    total: int | None = None
    rows: list[T] = Field(default_factory=list)

    def to_page(self, page: int, limit: int) -> Page[T]:
        return Page[T](items=self.rows, total=self.total, page=page, size=limit)


class TableResultResponse(ApiModel, Generic[T]):
    """``TableResultResponse<T>``: ``{status, message, data: TableData<T>}``."""

    status: int | None = None
    message: str | None = None
    data: TableData[T] | None = None
