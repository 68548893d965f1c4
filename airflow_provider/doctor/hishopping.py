"""The doctor's HiShopping probes: the reads of whichever APIs the connection is set up for
(web API: e-mail + password; open API: App ID and keys)."""

from __future__ import annotations

from typing import Any

from airflow_provider.doctor.catalogue import PROBE_ID, Found, MissingInput, Probe, first


def _web_goods(hook: Any, found: Found) -> Any:
    page = hook.list_goods(1, 5)
    found.setdefault("goods_id", first(page.items, "goods_id"))
    return page


def _open_goods(hook: Any, found: Found) -> Any:
    page = hook.open_list_goods(1, 5)
    found.setdefault("goods_id", first(page.items, "goods_id"))
    return page


def _goods_id(found: Found) -> Any:
    if not found.get("goods_id"):
        raise MissingInput("no goods listed: no goods detail to read")
    return found["goods_id"]


def _write(hook: Any, found: Found) -> Any:
    raise MissingInput("the doctor makes no HiShopping writes: the sandbox tests cover them")


def probes(hook: Any) -> list[Probe]:
    found: list[Probe] = []
    if hook.has_web_credentials:
        found += [
            Probe("web_credit", lambda h, f: h.get_credit(), used_by_examples=True),
            Probe(
                "web_credit_transactions",
                lambda h, f: h.list_credit_transactions(1, 5),
                used_by_examples=True,
            ),
            Probe("web_goods_categories", lambda h, f: h.list_goods_categories()),
            Probe("web_goods", _web_goods),
            Probe("web_goods_detail", lambda h, f: h.get_goods(_goods_id(f))),
            Probe("web_orders", lambda h, f: h.list_orders(1, 5)),
            Probe("web_order_detail", lambda h, f: h.get_order(PROBE_ID), by_probe_id=True),
            Probe("web_merchant", lambda h, f: h.get_merchant()),
            Probe("web_app", lambda h, f: h.get_app()),
            Probe("web_apikey", lambda h, f: h.get_api_key()),
        ]
    if hook.has_open_credentials:
        found += [
            Probe("open_credit_balance", lambda h, f: h.get_credit_balance(), used_by_examples=True),
            Probe("open_goods_list", _open_goods, used_by_examples=True),
            Probe("open_goods_detail", lambda h, f: h.open_get_goods(_goods_id(f)), used_by_examples=True),
            Probe("open_order_list", lambda h, f: h.open_list_orders(1, 5)),
            Probe(
                "open_order_detail",
                lambda h, f: h.open_get_order(PROBE_ID),
                used_by_examples=True,
                by_probe_id=True,
            ),
            Probe("open_order_create", _write, used_by_examples=True, writes=True),
        ]
    return found
