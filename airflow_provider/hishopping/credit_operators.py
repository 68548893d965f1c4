"""
HiShopping credit operator: the credit ledger of a data interval exported to a CSV file.

Imported on every DAG parse (through :mod:`airflow_provider.hishopping.operators`): only
operator bases at module level; the hook, the models and the trigger are imported when a task
runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider.hishopping.base_operator import HiShoppingOperator, task_failure

if TYPE_CHECKING:
    from airflow.sdk import Context

#: columns of the credit transactions CSV (the dashboard's Transaction History columns)
TRANSACTION_COLUMNS = ("reference_no", "type", "amount", "balance_before", "balance_after", "date")


class HiShoppingCreditTransactionsOperator(HiShoppingOperator):
    """
    Export the credit ledger of the run's data interval to a CSV file (finance reconciliation).

    Columns: ``reference_no, type, amount, balance_before, balance_after, date`` (money exact as
    Decimal text, dates ISO-8601 UTC), oldest first. Web API (login + password).

    Pushes to XCom ``{"file", "count", "start", "end", "totals": {type: amount}, "net"}``.

    :param output_path: folder (local path or object storage URL) for the CSV (templated).
    :param start: interval start override (templated; datetime, ISO-8601 or Unix seconds).
    :param end: interval end override (templated).
    :param filename: file name (templated); default ``hishopping_credit_<start>_<end>.csv``.
    :param hishopping_conn_id: the connection.
    """

    template_fields: Sequence[str] = ("output_path", "start", "end", "filename")

    def __init__(
        self,
        *,
        output_path: str,
        start: Any = None,
        end: Any = None,
        filename: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.output_path = output_path
        self.start = start
        self.end = end
        self.filename = filename

    def execute(self, context: Context) -> dict[str, Any]:
        import csv
        import io
        from datetime import UTC
        from decimal import Decimal

        if not self.output_path:
            raise task_failure("output_path is required")
        start, end = self.interval(context, self.start, self.end)
        with self.hishopping() as hook:
            rows = list(hook.iter_credit_transactions(start_time=start, end_time=end))
        rows = [row for row in rows if row.created_at is None or start <= row.created_at < end]
        rows.sort(key=lambda row: (row.created_at or start, row.reference_no))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(TRANSACTION_COLUMNS)
        totals: dict[str, Decimal] = {}
        for row in rows:
            when = row.created_at.astimezone(UTC).isoformat() if row.created_at else ""
            writer.writerow(
                (row.reference_no, row.type, row.amount, row.balance_before, row.balance_after, when)
            )
            totals[row.type] = totals.get(row.type, Decimal(0)) + row.amount
        name = self.filename or f"hishopping_credit_{self.stamp(start)}_{self.stamp(end)}.csv"
        path = self.write_output(self.output_path, name, buffer.getvalue())
        self.log.info("%d credit transaction(s) written to %s", len(rows), path)
        return {
            "file": path,
            "count": len(rows),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "totals": {kind: str(amount) for kind, amount in sorted(totals.items())},
            "net": str(sum(totals.values(), Decimal(0))),
        }
