"""
What a parcel costs in the SuperShip simulator: the fee quote (``/v1/partner/orders/price``) and
the shipping and insurance fees every created order carries.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from airflow_provider.sandbox.kit import SandboxBackend
from airflow_provider.sandbox.supership.answers import (
    VN,
    error_answer,
    first_error,
    success_answer,
    text_of,
    whole_number,
)
from airflow_provider.sandbox.supership.areas import resolve_place
from airflow_provider.sandbox.supership.seed import _REGION


def shipping_fee(sender_province: str, receiver_province: str, same_district: bool, weight: int) -> int:
    """Sandbox price of a parcel (VND): by distance, plus 2 500 per started 500 g above 500 g."""
    if sender_province == receiver_province:
        base = 15000 if same_district else 22000
    elif _REGION.get(sender_province) == _REGION.get(receiver_province):
        base = 25000
    else:
        base = 30000
    extra_steps = max(0, math.ceil((weight - 500) / 500))
    return base + 2500 * extra_steps


def insurance_fee(value: int) -> int:
    """Sandbox insurance (VND): free under 1 000 000, 0.5 % up to 3 000 000, 1 % above."""
    if value < 1_000_000:
        return 0
    rate = 0.005 if value <= 3_000_000 else 0.01
    return int(round(value * rate, -2))


class SuperShipPricing(SandboxBackend):
    """The fee quote of :class:`~airflow_provider.sandbox.supership.backend.SuperShipBackend`."""

    def price(self, params: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        errors: dict[str, list[str]] = {}
        for name in (
            "sender_province",
            "sender_district",
            "receiver_province",
            "receiver_district",
            "weight",
        ):
            if not text_of(params.get(name)):
                errors[name] = [f"Trường {name} là bắt buộc."]
        weight = whole_number(params.get("weight"))
        if "weight" not in errors and (weight is None or weight < 0):
            errors["weight"] = ["Trường weight phải là một số nguyên không âm."]
        value = whole_number(params.get("value")) if text_of(params.get("value")) else 0
        if value is None or value < 0:
            errors["value"] = ["Trường value phải là một số nguyên không âm."]
        if errors:
            return 422, error_answer(first_error(errors), errors)
        sender, s_errors = resolve_place(
            params["sender_province"], params["sender_district"], with_commune=False
        )
        receiver, r_errors = resolve_place(
            params["receiver_province"], params["receiver_district"], with_commune=False
        )
        place_errors = {f"sender_{k}": [v] for k, v in s_errors.items()}
        place_errors |= {f"receiver_{k}": [v] for k, v in r_errors.items()}
        if place_errors:
            return 422, error_answer(first_error(place_errors), place_errors)
        fee = shipping_fee(
            sender["province_code"],
            receiver["province_code"],
            sender["district_code"] == receiver["district_code"],
            int(weight or 0),
        )
        now = self.clock.datetime(VN)
        pickup_day = now if now.hour < 16 else now + timedelta(days=1)
        days = 1 if sender["province_code"] == receiver["province_code"] else 2
        if _REGION.get(sender["province_code"]) != _REGION.get(receiver["province_code"]):
            days = 3
        delivery_day = pickup_day + timedelta(days=days)
        pickup_word = "Chiều nay" if now.hour < 16 else "Sáng mai"
        delivery_word = {1: "Ngày mai", 2: "Ngày mốt"}.get(days, f"{days} ngày nữa")
        quote = {
            "service": "Tốc Hành",
            "fee": fee,
            "insurance": insurance_fee(int(value or 0)),
            "pickup": {"name": f"{pickup_word} - {pickup_day:%d/%m/%Y}"},
            "delivery": {"name": f"{delivery_word} - {delivery_day:%d/%m/%Y}"},
        }
        return 200, success_answer([quote], "Tính cước phí thành công.")
