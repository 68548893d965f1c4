"""The doctor's SuperShip probes: every read of the partner API, with harmless parameters."""

from __future__ import annotations

from typing import Any

from airflow_provider.doctor.catalogue import PROBE_ID, Found, MissingInput, Probe, first


def _provinces(hook: Any, found: Found) -> Any:
    provinces = hook.get_provinces()
    found["province"] = first(provinces, "code")
    found["province_name"] = first(provinces, "name")
    return provinces


def _districts(hook: Any, found: Found) -> Any:
    if not found.get("province"):
        raise MissingInput("no province listed: no district to read")
    districts = hook.get_districts(found["province"])
    found["district"] = first(districts, "code")
    found["district_name"] = first(districts, "name")
    return districts


def _communes(hook: Any, found: Found) -> Any:
    if not found.get("district"):
        raise MissingInput("no district listed: no commune to read")
    return hook.get_communes(found["district"])


def _price(hook: Any, found: Found) -> Any:
    if not found.get("district_name"):
        raise MissingInput("no district listed: no place to quote between")
    place = {"province": found["province_name"], "district": found["district_name"]}
    quote = {
        "sender_province": place["province"],
        "sender_district": place["district"],
        "receiver_province": place["province"],
        "receiver_district": place["district"],
        "weight": 500,
        "value": 100000,
    }
    return hook.get_fee_quotes(quote)


def probes(hook: Any) -> list[Probe]:
    return [
        Probe("provinces", _provinces, used_by_examples=True),
        Probe("districts", _districts, used_by_examples=True),
        Probe("communes", _communes),
        Probe("price", _price, used_by_examples=True),
        Probe("statuses", lambda h, f: h.get_order_statuses()),
        Probe("order_info", lambda h, f: h.get_order(PROBE_ID), used_by_examples=True, by_probe_id=True),
        Probe("warehouses", lambda h, f: h.get_warehouses()),
        Probe("webhooks", lambda h, f: h.get_webhook()),
        Probe("create_order", _not_by_doctor, used_by_examples=True, writes=True),
        Probe("cancel", _not_by_doctor, writes=True),
        Probe("label_token", _not_by_doctor, used_by_examples=True, writes=True),
        Probe("create_warehouse", _not_by_doctor, writes=True),
        Probe("update_warehouse", _not_by_doctor, writes=True),
        Probe("create_webhook", _not_by_doctor, writes=True),
        Probe("register", _not_by_doctor, writes=True),
    ]


def _not_by_doctor(hook: Any, found: Found) -> Any:
    raise MissingInput("the doctor makes no SuperShip writes yet: the sandbox tests cover them")
