"""The doctor's 超8 probes: every read-only operation of the catalogue (every business path is
inferred), through the typed hook methods where they exist, else ``call_operation``."""

from __future__ import annotations

import re
from typing import Any

from airflow_provider.doctor.catalogue import PROBE_ID, Found, MissingInput, Probe

#: typed reads (their answers are checked field by field against the models)
_TYPED = {
    "products_page": lambda h, f: h.get_products_page(1, 1),
    "dealers_page": lambda h, f: h.get_dealers_page(1, 1),
    "dealers_count": lambda h, f: h.count_dealers(),
    "production_order_page": lambda h, f: h.get_production_orders_page(1, 1),
    "logistics_outbound_page": lambda h, f: h.get_outbound_orders_page(1, 1),
    "logistics_order_detail": lambda h, f: h.get_logistics_order(PROBE_ID),
    "production_order_detail": lambda h, f: h.get_production_order(PROBE_ID),
    "product_detail": lambda h, f: h.get_product(PROBE_ID),
    "products_batch_query": lambda h, f: h.query_products([PROBE_ID]),
    "dealers_batch_query": lambda h, f: h.query_dealers([PROBE_ID]),
    "audit_records": lambda h, f: h.query_audit_records([PROBE_ID]),
    "organizations_batch_query": lambda h, f: h.call_operation(
        "organizations_batch_query", body={"ids": [PROBE_ID]}
    ),
}
#: operations of the example DAG (``chao8_traceability_sync``)
_EXAMPLES = frozenset(
    {"logistics_order_detail", "products_batch_upsert", "dealers_sync", "logistics_order_create"}
)


def _generic(key: str, method: str, path: str) -> Any:
    names = re.findall(r"{(\w+)}", path)

    def run(hook: Any, found: Found) -> Any:
        body = None if method == "GET" else {"pageNum": 1, "pageSize": 1}
        return hook.call_operation(key, body=body, path_params=dict.fromkeys(names, PROBE_ID))

    return run


def _write(hook: Any, found: Found) -> Any:
    raise MissingInput("the doctor makes no 超8 writes: the sandbox tests cover them")


def probes(hook: Any) -> list[Probe]:
    from airflow_provider.chao8 import operations

    found: list[Probe] = []
    for op in operations.iter_live():
        if op.key == "token":
            continue
        by_id = "{" in op.path
        used = op.key in _EXAMPLES
        if not op.read_only:
            if used:
                found.append(Probe(op.key, _write, used_by_examples=True, writes=True))
            continue
        run = _TYPED.get(op.key) or _generic(op.key, op.method, op.path)
        found.append(Probe(op.key, run, used_by_examples=used, by_probe_id=by_id))
    return found
