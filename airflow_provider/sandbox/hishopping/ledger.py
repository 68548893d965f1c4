"""
The HiShopping simulator's credit ledger: the merchant's balance and every movement of it
(``recharge``, ``charge``, ``refund``) as a transaction with the balance before and after.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

from airflow_provider.sandbox.hishopping.seed import CURRENCY
from airflow_provider.sandbox.hishopping.wire import epoch, iso, money, page_of, paged
from airflow_provider.sandbox.kit import SandboxBackend


class CreditLedger(SandboxBackend):
    """The credit part of the HiShopping backend (its state is set by the backend's ``__init__``)."""

    balance: Decimal
    transactions: list[dict[str, Any]]
    _ledger_lock: threading.RLock
    _txn_sequence: int

    def settle(self) -> None:
        """Book what is due before the balance is read (the order book books its refunds here)."""

    def top_up(self, amount: Decimal | str | int, *, remark: str = "top-up") -> dict[str, Any]:
        """Add credit (a ``recharge`` transaction)."""
        value = Decimal(str(amount))
        if value <= 0:
            raise ValueError("a top-up must be positive")
        with self._ledger_lock:
            self.settle()
            return self._book("recharge", value, self.clock.now(), remark=remark)

    def _next_txn(self) -> int:
        with self.lock:
            self._txn_sequence += 1
            return self._txn_sequence

    def _book(
        self, kind: str, amount: Decimal, at: float, *, order_no: str | None = None, remark: str = ""
    ) -> dict[str, Any]:
        """Move the balance by ``amount`` and record it (hold ``_ledger_lock``)."""
        before = self.balance
        self.balance = before + amount
        row = {
            "reference_no": f"TXN{self._next_txn():010d}",
            "type": kind,
            "amount": money(amount),
            "balance_before": money(before),
            "balance_after": money(self.balance),
            "created_at": iso(at),
            "order_no": order_no,
            "remark": remark,
            "_at": at,
        }
        self.transactions.append(row)
        return row

    def credit(self) -> dict[str, Any]:
        """The credit info: balance, and the totals recharged and spent."""
        self.settle()
        with self._ledger_lock:
            recharged = self._total("recharge")
            spent = self._total("charge") + self._total("refund")
            return {
                "balance": money(self.balance),
                "currency": CURRENCY,
                "frozen": "0.00",
                "total_recharge": money(recharged),
                "total_spent": money(-spent),
            }

    def _total(self, kind: str) -> Decimal:
        return sum((Decimal(r["amount"]) for r in self.transactions if r["type"] == kind), Decimal(0))

    def list_transactions(self, query: dict[str, Any]) -> dict[str, Any]:
        """One page of the ledger, newest first, optionally in ``[start_time, end_time)``."""
        self.settle()
        page, size = page_of(query)
        start = epoch(query.get("start_time"), "start_time")
        end = epoch(query.get("end_time"), "end_time")
        with self._ledger_lock:
            rows = [
                {key: value for key, value in row.items() if not key.startswith("_")}
                for row in reversed(self.transactions)
                if (start is None or int(row["_at"]) >= start) and (end is None or int(row["_at"]) < end)
            ]
        return paged(rows, page, size)
