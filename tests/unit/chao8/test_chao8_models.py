"""超8 models: aliases, validation, Beijing-time datetimes, lenient answers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from airflow_provider.chao8.models import (
    AccessTokenRequest,
    BatchResult,
    LogisticsOrder,
    LogisticsOrderCreate,
    OutboundQuery,
    ProductionOrder,
    ProductionOrderCreate,
    ProductUpsert,
    format_datetime,
    parse_datetime,
)
from airflow_provider.common.models import InputError, validate_all


def test_logistics_order_create_round_trips_vendor_names() -> None:
    wire = {
        "orderNo": "LO-1",
        "orderType": 1,
        "businessType": 5,
        "sourceOrgCode": "WH",
        "targetOrgCode": "DL",
        "products": [{"productCode": "P1", "quantity": 3, "codes": ["c1", "c2"]}],
        "remark": "r",
    }
    order = LogisticsOrderCreate.model_validate(wire)
    assert order.order_no == "LO-1"
    assert order.business_type == "5"
    assert order.dump() == {**wire, "businessType": "5"}


def test_snake_case_input_is_accepted() -> None:
    order = LogisticsOrderCreate(
        order_no="A",
        order_type=2,
        source_org_code="S",
        target_org_code="T",
        products=[{"product_code": "P", "quantity": 1}],  # type: ignore[list-item]
    )
    assert order.dump()["products"] == [{"productCode": "P", "quantity": 1}]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"orderType": 4}, "orderType"),
        ({"products": []}, "products"),
        ({"products": [{"productCode": "P", "quantity": 0}]}, "products.0.quantity"),
        ({"products": [{"productCode": "P", "quantity": 1, "codes": ["a", "b"]}]}, "products.0"),
        ({"targetOrgCode": ""}, "targetOrgCode"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_orders_name_the_order_and_the_field(change: dict[str, object], field: str) -> None:
    good = {
        "orderNo": "LO-7",
        "orderType": 1,
        "sourceOrgCode": "WH",
        "targetOrgCode": "DL",
        "products": [{"productCode": "P", "quantity": 1}],
    }
    with pytest.raises(InputError) as caught:
        validate_all(LogisticsOrderCreate, [good, {**good, **change}], id_field="orderNo")
    ((order, where, _message),) = caught.value.errors
    assert order == "LO-7"
    assert where == field


def test_token_request_requires_a_lowercase_md5() -> None:
    assert AccessTokenRequest(access_key="k", secret_key_sign="e10adc3949ba59abbe56e057f20f883e").dump() == {
        "accessKey": "k",
        "secretKeySign": "e10adc3949ba59abbe56e057f20f883e",
    }
    with pytest.raises(ValidationError):
        AccessTokenRequest(access_key="k", secret_key_sign="plain-secret")


@pytest.mark.parametrize(
    "value",
    ["2024-05-01 10:00:00", "2024-05-01T10:00:00+08:00", "2024-05-01T02:00:00Z", 1714528800000, 1714528800],
)
def test_wire_times_are_beijing_time(value: object) -> None:
    parsed = parse_datetime(value)
    assert parsed == datetime(2024, 5, 1, 2, 0, tzinfo=UTC)
    assert parsed.utcoffset() is not None


def test_times_are_sent_as_beijing_wall_clock() -> None:
    assert format_datetime(datetime(2024, 5, 1, 16, 30, tzinfo=UTC)) == "2024-05-02 00:30:00"
    assert format_datetime(date(2024, 5, 1)) == "2024-05-01 00:00:00"
    query = OutboundQuery(start_time=datetime(2024, 5, 1, tzinfo=UTC))  # type: ignore[arg-type]
    assert query.dump() == {"pageNum": 1, "pageSize": 50, "startTime": "2024-05-01 08:00:00"}


def test_answers_keep_unknown_fields_and_read_numbers_as_ids() -> None:
    order = LogisticsOrder.model_validate(
        {
            "id": 1580000000000000001,
            "orderNo": "A",
            "status": 1,
            "warehouseName": "上海仓",
            "completedAt": None,
        }
    )
    assert order.id == "1580000000000000001"
    assert order.model_extra == {"warehouseName": "上海仓"}
    assert order.model_dump(mode="json")["status"] == 1


def test_production_order_dates() -> None:
    created = ProductionOrderCreate.model_validate(
        {
            "orderNo": "PO",
            "productCode": "P",
            "quantity": 5,
            "batchNo": "B",
            "productionDate": "2024-05-01 23:00:00",
        }
    )
    assert created.dump()["productionDate"] == "2024-05-01"
    detail = ProductionOrder.model_validate({"orderNo": "PO", "productionDate": "2024-05-01 00:00:00"})
    assert detail.production_date == date(2024, 5, 1)


def test_batch_result_is_lenient() -> None:
    assert BatchResult.model_validate(None).failed_keys() == {}
    assert BatchResult.model_validate([{"productCode": "A"}]).failed_keys() == {}
    result = BatchResult.model_validate({"failures": [{"code": "D1", "msg": "区域不存在"}]})
    assert result.failed_keys() == {"D1": "区域不存在"}


def test_product_upsert_requires_code_and_name() -> None:
    with pytest.raises(InputError) as caught:
        validate_all(ProductUpsert, [{"productCode": "X"}], id_field="productCode")
    assert caught.value.errors[0][:2] == ("X", "productName")
