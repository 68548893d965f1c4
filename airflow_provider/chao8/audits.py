"""
超8 anti-diversion audits (溯源体系/窜货稽查): audit a code, confirm, query and page the history.

Each call is described once (a ``_<operation key>`` method building its
:class:`~airflow_provider.common.hooks.ApiCall`) and sent by a thin sync method; an async twin
exists where an operator needs one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider.chao8.calls import as_model, list_of, page_of, with_times
from airflow_provider.chao8.client import Chao8Client
from airflow_provider.chao8.models import AuditCreate, AuditHistoryQuery, AuditRecord
from airflow_provider.common.api_call import ApiCall
from airflow_provider.common.models import Page


class Audits(Chao8Client):
    """The audit calls of ``Chao8Hook``."""

    def _audit_create(self, audit: AuditCreate | Mapping[str, Any]) -> ApiCall[AuditRecord]:
        body = as_model(AuditCreate, audit)
        return ApiCall(
            "POST",
            self.endpoint("audit_create"),
            AuditRecord.model_validate,
            json=body.dump(),
            idempotent=False,
        )

    def create_audit(self, audit: AuditCreate | Mapping[str, Any]) -> AuditRecord:
        """稽查: audit one code found on sale in a region; the record says whether it is diverted."""
        return self.call(self._audit_create(audit))

    async def acreate_audit(self, audit: AuditCreate | Mapping[str, Any]) -> AuditRecord:
        """Async :meth:`create_audit`."""
        return await self.acall(self._audit_create(audit))

    def _audit_confirm(self, audit_id: str, result: str | None) -> ApiCall[AuditRecord]:
        return ApiCall(
            "POST",
            self.endpoint("audit_confirm", audit_id=audit_id),
            AuditRecord.model_validate,
            json={"result": result} if result else {},
            idempotent=True,
        )

    def confirm_audit(self, audit_id: str, result: str | None = None) -> AuditRecord:
        """稽查确认: confirm an audit record (status 1), with an optional result text."""
        return self.call(self._audit_confirm(audit_id, result))

    def _audit_records(self, codes: Sequence[str]) -> ApiCall[list[AuditRecord]]:
        return ApiCall(
            "POST",
            self.endpoint("audit_records"),
            list_of(AuditRecord),
            json={"codes": [str(code) for code in codes]},
            idempotent=True,
        )

    def query_audit_records(self, codes: Sequence[str]) -> list[AuditRecord]:
        """查询稽查记录: the audit records of these codes."""
        return self.call(self._audit_records(codes))

    def _audit_history_page(
        self, page_num: int, page_size: int, filters: Mapping[str, Any]
    ) -> ApiCall[Page[AuditRecord]]:
        query = AuditHistoryQuery.model_validate(
            {**with_times(filters), "pageNum": page_num, "pageSize": page_size}
        )
        return ApiCall(
            "POST",
            self.endpoint("audit_history_page"),
            page_of(AuditRecord, page_num, page_size),
            json=query.dump(),
            idempotent=True,
        )

    def get_audit_history_page(
        self, page_num: int = 1, page_size: int = 100, **filters: Any
    ) -> Page[AuditRecord]:
        """查询稽查历史记录(并翻页): one page of audit records (``start_time``, ``end_time``, ``diverted``)."""
        return self.call(self._audit_history_page(page_num, page_size, filters))

    async def aget_audit_history_page(
        self, page_num: int = 1, page_size: int = 100, **filters: Any
    ) -> Page[AuditRecord]:
        """Async :meth:`get_audit_history_page`."""
        return await self.acall(self._audit_history_page(page_num, page_size, filters))
