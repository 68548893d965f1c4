"""
超8 traceability reports (溯源体系/溯源报表): production, inbound and inbound scans, page by page.

The three reports share one call description (:meth:`Reports._report`); each is read sync and
async (the report export operator reads the async one named in :attr:`Reports.REPORTS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel

from airflow_provider.chao8.calls import page_of, with_times
from airflow_provider.chao8.client import Chao8Client
from airflow_provider.chao8.models import InboundReportRow, InboundScanRow, ProductionReportRow, ReportQuery
from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.models import Page

M = TypeVar("M", bound=BaseModel)


class Reports(Chao8Client):
    """The report calls of ``Chao8Hook``."""

    #: report name -> the async hook method reading one page of it (the report export operator uses it)
    REPORTS: ClassVar[Mapping[str, str]] = {
        "production": "aget_production_report_page",
        "inbound": "aget_inbound_report_page",
        "inbound_scans": "aget_inbound_scan_report_page",
    }

    def _report(
        self, key: str, model: type[M], page_num: int, page_size: int, filters: Mapping[str, Any]
    ) -> ApiCall[Page[M]]:
        """One page of the report at endpoint ``key``, its rows read as ``model``."""
        query = ReportQuery.model_validate(
            {**with_times(filters), "pageNum": page_num, "pageSize": page_size}
        )
        return ApiCall(
            "POST",
            self.endpoint(key),
            page_of(model, page_num, page_size),
            json=query.dump(),
            idempotent=True,
        )

    def get_production_report_page(
        self, page_num: int = 1, page_size: int = 100, **filters: Any
    ) -> Page[ProductionReportRow]:
        """生产统计报表: one page of production per product and batch.

        :param filters: ``start_time``, ``end_time``, ``product_code``, ``org_code``.
        """
        return self.call(self._report("report_production", ProductionReportRow, page_num, page_size, filters))

    async def aget_production_report_page(
        self, page_num: int = 1, page_size: int = 100, **filters: Any
    ) -> Page[ProductionReportRow]:
        """Async :meth:`get_production_report_page`."""
        return await self.acall(
            self._report("report_production", ProductionReportRow, page_num, page_size, filters)
        )

    def get_inbound_report_page(
        self, page_num: int = 1, page_size: int = 100, **filters: Any
    ) -> Page[InboundReportRow]:
        """入库统计报表: one page of scanned inbound quantities per organisation and product."""
        return self.call(self._report("report_inbound", InboundReportRow, page_num, page_size, filters))

    async def aget_inbound_report_page(
        self, page_num: int = 1, page_size: int = 100, **filters: Any
    ) -> Page[InboundReportRow]:
        """Async :meth:`get_inbound_report_page`."""
        return await self.acall(
            self._report("report_inbound", InboundReportRow, page_num, page_size, filters)
        )

    def get_inbound_scan_report_page(
        self, page_num: int = 1, page_size: int = 100, **filters: Any
    ) -> Page[InboundScanRow]:
        """入库扫码报表: one page of inbound scans."""
        return self.call(self._report("report_inbound_scans", InboundScanRow, page_num, page_size, filters))

    async def aget_inbound_scan_report_page(
        self, page_num: int = 1, page_size: int = 100, **filters: Any
    ) -> Page[InboundScanRow]:
        """Async :meth:`get_inbound_scan_report_page`."""
        return await self.acall(
            self._report("report_inbound_scans", InboundScanRow, page_num, page_size, filters)
        )
