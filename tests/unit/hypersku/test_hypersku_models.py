"""HyperSKU models and input validation: bad input is named by order and field before any request."""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from airflow_provider.common.inputs import items_from
from airflow_provider.common.models import InputError, validate_all
from airflow_provider.hypersku.countries import ISO_ALPHA2, check_country_code
from airflow_provider.hypersku.models import (
    CST,
    InternationalLogisticsInfo,
    LogisticsReponseDto,
    LogisticsResult,
    OAuth2TokenVo,
    OrderResult,
    OrdersInfoDto,
    UpdateOrderAddressReq,
    format_time,
    select_option,
    validate_orders,
)

ORDER: dict[str, Any] = {
    "thirdOrderId": "SHOP-1001",
    "logisticsId": "1002",
    "shippingAddress": {
        "firstName": "Jane",
        "lastName": "Doe",
        "countryCode": "US",
        "province": "CA",
        "city": "San Francisco",
        "address1": "1 Market St",
        "zipCode": "94105",
        "phone": "+1 415 555 0100",
    },
    "skuItems": [{"skuId": "SKU1001-BLK", "num": 1}],
}


def order(**changes: Any) -> dict[str, Any]:
    value = copy.deepcopy(ORDER)
    for path, new in changes.items():
        target = value
        *parents, leaf = path.split("__")
        for parent in parents:
            target = target[parent]
        if new is None:
            target.pop(leaf, None)
        else:
            target[leaf] = new
    return value


def orders_of(value: Any, *, need_logistics: bool) -> list[OrdersInfoDto]:
    """What the create and quote operators do with their ``orders``."""
    return validate_orders(items_from(value, param="orders"), need_logistics=need_logistics)


def problems(value: Any, *, need_logistics: bool = True) -> list[tuple[str, str, str]]:
    with pytest.raises(InputError) as caught:
        orders_of(value, need_logistics=need_logistics)
    return caught.value.errors


def test_valid_order_round_trips_to_the_wire_form() -> None:
    (model,) = orders_of(ORDER, need_logistics=True)
    assert model.dump() == {**ORDER, "thirdOrderName": "SHOP-1001"}
    assert model.sku_counts() == {"SKU1001-BLK": 1}


def test_missing_address_field_names_order_and_field() -> None:
    errors = problems([ORDER, order(thirdOrderId="SHOP-2", shippingAddress__zipCode=None)])
    assert errors == [("SHOP-2", "shippingAddress.zipCode", "Field required")]
    message = str(InputError(errors))
    assert "order SHOP-2: shippingAddress.zipCode" in message
    assert "nothing was sent" in message


def test_blank_required_text_is_rejected() -> None:
    errors = problems(order(shippingAddress__city="   "))
    assert [(o, f) for o, f, _m in errors] == [("SHOP-1001", "shippingAddress.city")]


@pytest.mark.parametrize(("code", "hint"), [("XX", ""), ("UK", "did you mean GB?"), ("USA", "")])
def test_unknown_country_code(code: str, hint: str) -> None:
    ((who, field, message),) = problems(order(shippingAddress__countryCode=code))
    assert (who, field) == ("SHOP-1001", "shippingAddress.countryCode")
    assert "ISO 3166-1 alpha-2" in message
    assert hint in message


def test_country_code_is_normalised() -> None:
    (model,) = orders_of(order(shippingAddress__countryCode=" vn "), need_logistics=True)
    assert model.shipping_address.country_code == "VN"
    assert len(ISO_ALPHA2) == 249
    assert {"VN", "US", "GB", "DE", "FR"} <= ISO_ALPHA2
    assert check_country_code("de") == "DE"


@pytest.mark.parametrize("num", [0, -2, 1.5, "many"])
def test_num_must_be_a_positive_integer(num: Any) -> None:
    ((who, field, _message),) = problems(order(skuItems=[{"skuId": "A", "num": num}]))
    assert (who, field) == ("SHOP-1001", "skuItems.0.num")


def test_empty_sku_list_and_missing_sku_id() -> None:
    ((_who, field, message),) = problems(order(skuItems=[]))
    assert field == "skuItems"
    assert "at least one SKU" in message
    ((_who, field, _message),) = problems(order(skuItems=[{"num": 1}]))
    assert field == "skuItems.0.skuId"


def test_third_order_id_is_required() -> None:
    # (a thirdOrderId used twice in a batch is refused by the operator core: see the operator tests)
    errors = problems([order(thirdOrderId=None), ORDER])
    assert errors == [("#0", "thirdOrderId", "Field required")]


def test_logistics_id_required_unless_a_strategy_is_given() -> None:
    errors = problems(order(logisticsId=None))
    assert errors == [("SHOP-1001", "logisticsId", "required unless logistics='cheapest' or 'fastest'")]
    (model,) = orders_of(order(logisticsId=None), need_logistics=False)
    assert model.logistics_id is None


def test_typos_are_errors_and_every_problem_is_reported_at_once() -> None:
    errors = problems(
        [
            order(thirdOrdrId="x"),
            order(thirdOrderId="B", skuItems=[{"skuId": "A", "num": 0}], shippingAddress__phone=None),
        ]
    )
    fields = {(who, field) for who, field, _m in errors}
    assert ("SHOP-1001", "thirdOrdrId") in fields
    assert {("B", "skuItems.0.num"), ("B", "shippingAddress.phone")} <= fields


def test_wrong_shapes_are_value_errors() -> None:
    assert orders_of([], need_logistics=True) == []  # the operators skip an empty day
    assert orders_of(None, need_logistics=True) == []
    with pytest.raises(ValueError, match="expected a dict"):
        orders_of([1], need_logistics=True)
    assert len(orders_of(f"[{__import__('json').dumps(ORDER)}]", need_logistics=True)) == 1


def test_address_updates_are_validated() -> None:
    with pytest.raises(InputError) as caught:
        validate_all(
            UpdateOrderAddressReq,
            [{"orderId": "42", "shippingAddress": {**ORDER["shippingAddress"], "countryCode": "ZZ"}}],
            id_field="orderId",
        )
    assert caught.value.errors[0][:2] == ("42", "shippingAddress.countryCode")


def test_response_models_read_money_times_and_keep_unknown_fields() -> None:
    result = OrderResult.model_validate(
        {
            "orderId": 123,
            "storeOrderId": "SHOP-1",
            "amount": 19.99,
            "freight": "2.10",
            "crtTime": "2024-05-01 12:00:00",
            "paymentTime": 1714536000000,
            "goodsList": [{"goodsId": "A", "num": 2}, {"skuId": "B", "goodsId": "x", "num": 1}],
            "somethingNew": {"kept": True},
        }
    )
    assert result.order_id == "123"
    assert result.amount == Decimal("19.99")
    assert result.freight == Decimal("2.10")
    assert result.crt_time == datetime(2024, 5, 1, 12, tzinfo=CST)
    assert result.payment_time is not None
    assert result.payment_time.utcoffset() is not None
    assert result.sku_counts() == {"A": 2, "B": 1}
    assert result.model_extra == {"somethingNew": {"kept": True}}


def test_logistics_result_reads_several_shapes() -> None:
    option = {"logisticsId": "1", "freight": 1}
    assert len(LogisticsResult.model_validate([option]).options) == 1
    assert len(LogisticsResult.model_validate({"countryCode": "US", "logisticsList": [option]}).options) == 1
    assert LogisticsReponseDto.model_validate({"deliveryDays": "7-15"}).max_days() == 15
    assert LogisticsReponseDto.model_validate({"deliveryDays": 6}).max_days() == 6
    assert LogisticsReponseDto.model_validate({}).max_days() is None


def test_select_option_cheapest_and_fastest() -> None:
    options = [
        LogisticsReponseDto.model_validate({"logisticsId": "slow", "freight": "2.00", "deliveryDays": 20}),
        LogisticsReponseDto.model_validate({"logisticsId": "fast", "freight": "9.00", "deliveryDays": "3-5"}),
        LogisticsReponseDto.model_validate({"logisticsId": "mid", "freight": "2.00", "deliveryDays": 10}),
        LogisticsReponseDto.model_validate({"freight": "0.10", "deliveryDays": 1}),  # no id: unusable
    ]
    choice = select_option(options, "cheapest")
    assert choice is not None
    assert choice.logistics_id == "mid"
    choice = select_option(options, "fastest")
    assert choice is not None
    assert choice.logistics_id == "fast"
    assert select_option([], "cheapest") is None


def test_tracking_and_token_models() -> None:
    info = InternationalLogisticsInfo.model_validate({"trackingNumber": 99, "tracks": None})
    assert info.tracking_number == "99"
    assert info.tracks == []
    vo = OAuth2TokenVo.model_validate({"access_token": "a", "refreshToken": "r", "expiresIn": "60"})
    assert (vo.access_token, vo.refresh_token, vo.expires_in) == ("a", "r", 60)
    assert vo.dump() == {"accessToken": "a", "refreshToken": "r", "expiresIn": 60}


def test_format_time_uses_plus_eight() -> None:
    assert format_time(datetime(2024, 1, 1, 0, 0)) == "2024-01-01 08:00:00"  # naive = UTC
    assert format_time(datetime(2024, 1, 1, 9, 30, tzinfo=CST)) == "2024-01-01 09:30:00"
    assert format_time("2024-01-01 00:00:00") == "2024-01-01 00:00:00"


def test_orders_info_dto_defaults_third_order_name() -> None:
    model = OrdersInfoDto.model_validate({**ORDER, "thirdOrderName": "Shop order #1001"})
    assert model.third_order_name == "Shop order #1001"
