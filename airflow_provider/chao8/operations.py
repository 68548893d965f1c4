"""
超8 (Chao8) operation catalogue: every operation page of the vendor's API navigation.

The catalogue is data (stdlib only, importing nothing from hooks or models) kept in the neutral
module :mod:`airflow_provider.chao8.constants`, the one the sandbox may read: the hook builds its
endpoint table and ``Chao8Hook.call_operation`` from it, and the
sandbox generates its routes from it, so the two cannot drift apart. This module is its lookup API.

Each :class:`Operation` carries the seed's own (Chinese) page name, its module as the
navigation nests it, the HTTP method and path, and whether the page is deprecated (作废/废弃).
Only the token path is documented by the vendor; every business path is **inferred** from the
gateway's ``/cncop/<module>/v1/...`` pattern, and a connection's extra ``endpoints``
(``{key: path}``) corrects any of them.

``hook_method`` names the typed hook method of an operation (traceability core); operations
without one are reached with ``Chao8Hook.call_operation(name, body=..., params=...,
path_params=...)`` and take and return plain JSON. ``stateful`` says the sandbox keeps state
for the operation (orders, codes, products, dealers, stores, inventory, audits); the others are
answered by its generic stored-echo behaviour.
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = [
    "DEPRECATED_MARKERS",
    "MODULES",
    "OPERATIONS",
    "REFERENCE_PAGES",
    "Operation",
    "by_key",
    "find",
    "path_params",
]

from airflow_provider.chao8.constants import (
    DEPRECATED_MARKERS,
    MODULES,
    OPERATIONS,
    REFERENCE_PAGES,
    Operation,
    path_params,
)

_BY_KEY = {op.key: op for op in OPERATIONS}
_BY_NAME = {op.name: op for op in OPERATIONS}
if len(_BY_KEY) != len(OPERATIONS) or len(_BY_NAME) != len(OPERATIONS):  # pragma: no cover
    raise RuntimeError("超8 operation keys and names must be unique")


def by_key() -> dict[str, Operation]:
    """``{key: operation}`` of every operation."""
    return dict(_BY_KEY)


def find(name: str) -> Operation:
    """
    The operation with this seed name (Chinese, as the navigation writes it) or key.

    :raises KeyError: no such operation (the message lists close names).
    """
    text = str(name).strip()
    found = _BY_NAME.get(text) or _BY_KEY.get(text)
    if found is None:
        close = [op.name for op in OPERATIONS if text and (text in op.name or op.name in text)]
        hint = f"; did you mean {close[:5]}?" if close else ""
        raise KeyError(f"no 超8 operation named {text!r}{hint}")
    return found


def iter_live() -> Iterator[Operation]:
    """Every operation that is not deprecated."""
    return (op for op in OPERATIONS if not op.deprecated)
