"""Validation of SuperShip request models and the Vietnamese place-name helpers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from airflow_provider.common.models import InputError, validate_all
from airflow_provider.supership import areas
from airflow_provider.supership.models import (
    FeeQuoteRequest,
    OrderCreateRequest,
    OrderInfo,
    Warehouse,
    WebhookPayload,
)
from airflow_provider.supership.statuses import DELIVERED_STATUSES, FAILURE_STATUSES, STATUS_NAMES, describe

# SuperShip's own create example (numbers as strings), with the value its API now requires
VENDOR_EXAMPLE: dict[str, Any] = {
    "pickup_phone": "0989999999",
    "pickup_address": "45 Nguyễn Chí Thanh",
    "pickup_commune": "Phường Ngọc Khánh",
    "pickup_district": "Quận Ba Đình",
    "pickup_province": "Thành phố Hà Nội",
    "name": "Trương Thế Ngọc",
    "phone": "0945900350",
    "email": None,
    "address": "35 Trương Định",
    "province": "Thành phố Hồ Chí Minh",
    "district": "Quận 3",
    "commune": "Phường 6",
    "amount": "220000",
    "value": "700000",
    "weight": "200",
    "payer": "1",
    "service": "1",
    "config": "1",
    "soc": "KAN7453535",
    "note": "Giao giờ hành chính",
    "product_type": "2",
    "products": [
        {"sku": "P899234", "name": "Tên Sản Phẩm 1", "price": 200000, "weight": 200, "quantity": 1},
        {"sku": "P899789", "name": "Tên Sản Phẩm 2", "price": 250000, "weight": 300, "quantity": 2},
    ],
}


def problems(order: dict[str, Any]) -> dict[str, str]:
    try:
        validate_all(OrderCreateRequest, [order], id_field="soc")
    except InputError as err:
        return {field: message for _order, field, message in err.errors}
    return {}


def test_the_vendor_example_validates_and_is_sent_with_ints() -> None:
    body = OrderCreateRequest.model_validate(VENDOR_EXAMPLE).dump()
    assert body["amount"] == 220000
    assert body["weight"] == 200
    assert body["value"] == 700000
    assert body["products"][1]["quantity"] == 2
    assert "email" not in body  # None values are left out
    assert body["config"] == "1"
    assert body["product_type"] == "2"


@pytest.mark.parametrize(
    "field",
    [
        "name",
        "phone",
        "address",
        "province",
        "district",
        "commune",
        "amount",
        "value",
        "weight",
        "service",
        "config",
        "payer",
        "product_type",
    ],
)
def test_each_required_field_is_named_when_missing(field: str) -> None:
    order = {k: v for k, v in VENDOR_EXAMPLE.items() if k != field}
    found = problems(order)
    assert field in found, found


def test_value_null_is_refused_since_api_1_0_14() -> None:
    assert "1.0.14" in problems({**VENDOR_EXAMPLE, "value": None})["value"]


def test_sender_fields_are_required_unless_a_warehouse_is_named() -> None:
    without = {k: v for k, v in VENDOR_EXAMPLE.items() if not k.startswith("pickup_")}
    found = problems(without)
    assert set(found) == {
        "pickup_phone",
        "pickup_address",
        "pickup_province",
        "pickup_district",
        "pickup_commune",
    }
    assert all("pickup_code" in message for message in found.values())
    assert problems({**without, "pickup_code": "WCQ1I07047"}) == {}
    assert problems({**without, "pickup_code": "  "}) != {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("220000", 220000), (220000, 220000), (" 15 ", 15), (2.0, 2), (Decimal("7"), 7), ("0", 0)],
)
def test_whole_numbers_accept_digit_strings(value: Any, expected: int) -> None:
    assert OrderCreateRequest.model_validate({**VENDOR_EXAMPLE, "amount": value}).amount == expected


@pytest.mark.parametrize("value", ["-1", -5, "2.5", 2.5, "220,000", "abc", True, [1]])
def test_bad_numbers_are_refused(value: Any) -> None:
    assert "amount" in problems({**VENDOR_EXAMPLE, "amount": value})
    assert "weight" in problems({**VENDOR_EXAMPLE, "weight": value})


@pytest.mark.parametrize(
    ("phone", "sent"),
    [
        ("0945900350", "0945900350"),
        ("094 590 0350", "0945900350"),
        ("+84945900350", "+84945900350"),
        ("0945.900.350", "0945900350"),
        (945900350, "0945900350"),
    ],
)
def test_vietnamese_phone_numbers(phone: Any, sent: str) -> None:
    assert OrderCreateRequest.model_validate({**VENDOR_EXAMPLE, "phone": phone}).phone == sent


@pytest.mark.parametrize(
    "phone", ["094590035", "09459003501", "1945900350", "+8494590035", "84945900350", "abcdefg"]
)
def test_bad_phone_numbers_are_refused_without_echoing_them(phone: str) -> None:
    found = problems({**VENDOR_EXAMPLE, "phone": phone, "pickup_phone": phone})
    assert set(found) >= {"phone", "pickup_phone"}
    assert phone not in found["phone"]


def test_product_type_needs_its_product_field() -> None:
    assert "product" in problems({**VENDOR_EXAMPLE, "product_type": "1"})
    assert problems({**VENDOR_EXAMPLE, "product_type": 1, "product": "Quần áo"}) == {}
    assert "products" in problems({**VENDOR_EXAMPLE, "products": []})
    assert "product_type" in problems({**VENDOR_EXAMPLE, "product_type": "3"})
    bad_line = {
        **VENDOR_EXAMPLE,
        "products": [{"sku": "P1", "name": "x", "price": "1", "weight": 1, "quantity": 0}],
    }
    assert "products.0.quantity" in problems(bad_line)


def test_codes_and_unknown_fields() -> None:
    assert "config" in problems({**VENDOR_EXAMPLE, "config": "4"})
    assert "payer" in problems({**VENDOR_EXAMPLE, "payer": "3"})
    assert "service" in problems({**VENDOR_EXAMPLE, "service": "fast"})
    assert "ammount" in problems({**VENDOR_EXAMPLE, "ammount": 1})  # a typo is never sent silently


def test_errors_name_the_order_by_soc() -> None:
    with pytest.raises(InputError) as info:
        validate_all(
            OrderCreateRequest,
            [VENDOR_EXAMPLE, {**VENDOR_EXAMPLE, "soc": "B-2", "weight": -1}],
            id_field="soc",
        )
    assert info.value.errors == [("B-2", "weight", "Input should be greater than or equal to 0")]


def test_fee_quote_request() -> None:
    quote = FeeQuoteRequest.model_validate(
        {
            "sender_province": "Hồ Chí Minh",
            "sender_district": "Bình Chánh",
            "receiver_province": "Hà Nội",
            "receiver_district": "Tây Hồ",
            "weight": "200",
        }
    )
    assert quote.dump() == {
        "sender_province": "Hồ Chí Minh",
        "sender_district": "Bình Chánh",
        "receiver_province": "Hà Nội",
        "receiver_district": "Tây Hồ",
        "weight": 200,
    }
    with pytest.raises(ValidationError):
        FeeQuoteRequest.model_validate({"sender_province": "x"})


def test_answers_keep_unknown_fields_and_localize_naive_times() -> None:
    info = OrderInfo.model_validate(
        {
            "code": "C",
            "status": 12,
            "fee": 16000,
            "amount": "418000",
            "created_at": "2017-09-29 01:52:09",
            "last_sman": None,
        }
    )
    assert info.status == "12"
    assert info.fee is not None
    assert info.fee.shipment == Decimal("16000")
    assert info.amount == Decimal("418000")
    assert info.created_at is not None
    assert info.created_at.utcoffset() == timedelta(hours=7)
    assert info.model_extra == {"last_sman": None}
    warehouse = Warehouse.model_validate({"code": "W", "formatted_adress": "47 Lê Lợi", "status": 1})
    assert warehouse.formatted_address == "47 Lê Lợi"
    assert warehouse.status == "1"
    payload = WebhookPayload.model_validate(
        {
            "type": "update_status",
            "code": "C",
            "status": "14",
            "amount": 230000,
            "partial": "0",
            "reason_code": 304,
            "pushed_at": "2022-05-11T22:26:11+07:00",
        }
    )
    assert payload.reason_code == "304"
    assert payload.pushed_at is not None


def test_status_tables() -> None:
    assert len(STATUS_NAMES) == 28
    assert {"12", "13", "16"} == DELIVERED_STATUSES
    assert {"0", "6", "15", "17", "21", "24", "25", "26", "27"} == FAILURE_STATUSES
    assert describe(15) == "15 Không Giao Được (undeliverable)"
    assert describe("99") == "99"


# ----------------------------------------------------------------------------- place names
def test_keys_ignore_case_spacing_zeros_and_tone_placement() -> None:
    assert areas.key("Phường  06") == areas.key("phường 6")
    assert areas.key("Yên Hoà") == areas.key("Yên Hòa")
    assert areas.key("Thuỷ Biều") == areas.key("Thủy Biều")
    assert areas.key("Hồ Chí Minh") != areas.key("Ho Chi Minh")


def test_find_accepts_the_name_without_its_prefix() -> None:
    names = ["Thành phố Hồ Chí Minh", "Thành phố Hà Nội", "Tỉnh Bình Dương"]
    assert areas.find("Hồ Chí Minh", names) == "Thành phố Hồ Chí Minh"
    assert areas.find("TP. Hồ Chí Minh", names) == "Thành phố Hồ Chí Minh"
    assert areas.find("bình dương", names) == "Tỉnh Bình Dương"
    assert areas.find("Ho Chi Minh", names) is None
    assert areas.find_folded("Ho Chi Minh", names) == "Thành phố Hồ Chí Minh"
    # ambiguous short forms are not guessed
    assert areas.find("Tân Phú", ["Phường Tân Phú", "Xã Tân Phú"]) is None


def test_suggestions_are_accent_insensitive_and_best_first() -> None:
    names = ["Phường Tân Quý", "Phường Tân Quy", "Phường Tây Thạnh", "Phường Hiệp Tân"]
    assert areas.suggest("Tan Quy", names)[:2] == ["Phường Tân Quy", "Phường Tân Quý"]
    assert areas.suggest("Ho Chi Minh", ["Thành phố Hồ Chí Minh", "Thành phố Hà Nội"]) == [
        "Thành phố Hồ Chí Minh"
    ]
    assert areas.suggest("xyz", names) == []
    assert areas.did_you_mean(["A", "B"]) == "did you mean 'A' or 'B'?"
    assert areas.did_you_mean([]) == ""
