"""
The HyperSKU simulator's logistics: destination countries (with regions), shipping channels and
their quotes (freight by weight and destination, delivery days) for SKU lines.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from airflow_provider.sandbox.hypersku.answers import (
    Envelope,
    SandboxInputError,
    money,
    ok,
    required_text,
)
from airflow_provider.sandbox.hypersku.seed import (
    SANDBOX_COUNTRIES,
    SANDBOX_CURRENCY,
    SANDBOX_LOGISTICS,
    SANDBOX_REGIONS,
)
from airflow_provider.sandbox.hypersku.stock import sku_lines
from airflow_provider.sandbox.kit import SandboxBackend


def quote(country: str, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``LogisticsReponseDto`` options for SKU lines to ``country``."""
    _name, factor, offset = SANDBOX_COUNTRIES[country]
    kg = max(Decimal("0.1"), sum((Decimal(line["weight"]) * line["num"] for line in lines), Decimal(0)))
    options = []
    for channel in SANDBOX_LOGISTICS:
        freight = (Decimal(channel["base"]) + Decimal(channel["perKg"]) * kg) * Decimal(str(factor))
        options.append(
            {
                "logisticsId": channel["logisticsId"],
                "logisticsName": channel["logisticsName"],
                "freight": money(freight),
                "currency": SANDBOX_CURRENCY,
                "deliveryDays": max(2, channel["days"] + offset),
            }
        )
    return options


class HyperSkuLogistics(SandboxBackend):
    """Countries and channels of :class:`~airflow_provider.sandbox.hypersku.backend.HyperSkuBackend`."""

    def country_codes(self, body: Any = None) -> Envelope:
        rows = []
        for code, (name, _factor, _offset) in SANDBOX_COUNTRIES.items():
            row: dict[str, Any] = {"countryCode": code, "countryName": name}
            if code in SANDBOX_REGIONS:
                row["regions"] = [{"regionCode": c, "regionName": n} for c, n in SANDBOX_REGIONS[code]]
            rows.append(row)
        return ok(rows)

    def logistics_sku(self, body: Any) -> Envelope:
        if not isinstance(body, dict):
            raise SandboxInputError("body must be a LogisticsRequestDto object")
        country = required_text(body, "countryCode", "").upper()
        if country not in SANDBOX_COUNTRIES:
            raise SandboxInputError(f"country {country} is not supported")
        lines = sku_lines(body.get("skuItems"))
        return ok({"countryCode": country, "options": quote(country, lines)})
