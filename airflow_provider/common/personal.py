"""
Customers' personal data kept out of errors, even when a platform's answer quotes it back.

A vendor may answer a refused order with a message that repeats what it was sent ("phone
0912345678 is not valid"). The request pipeline knows the body it sent: :func:`redact_error`
takes the values of its personal fields (names, addresses, phones, e-mails, tax numbers, notes)
out of the error's message and details before the error is logged, retried or reported.
"""

from __future__ import annotations

from typing import Any

from airflow_provider.common.errors import ApiError

#: keys (any platform's spelling, compared in lower case) whose values are a person's data
PERSONAL_KEYS = frozenset(
    key.lower()
    for key in (
        "name",
        "firstName",
        "lastName",
        "first_name",
        "last_name",
        "contact",
        "receiver",
        "shippingAddress",
        "shipping_address",
        "address",
        "address1",
        "address2",
        "street",
        "phone",
        "mobile",
        "tel",
        "email",
        "taxNo",
        "tax_no",
        "taxNumber",
        "note",
        "remark",
        "pickup_phone",
        "pickup_address",
        "pickup_contact",
    )
)
#: what a personal value is replaced with
REDACTED = "<personal data>"
#: shorter values (a house number, a country code) are too common to find reliably and say little
MIN_LENGTH = 4


def personal_values(data: Any, *, inside: bool = False) -> set[str]:
    """Every text under a personal key of ``data`` (a request body: dicts, lists, strings)."""
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            found |= personal_values(value, inside=inside or str(key).lower() in PERSONAL_KEYS)
    elif isinstance(data, list | tuple):
        for value in data:
            found |= personal_values(value, inside=inside)
    elif inside and isinstance(data, str | int) and not isinstance(data, bool):
        text = str(data).strip()
        if len(text) >= MIN_LENGTH:
            found.add(text)
    return found


def redact(value: Any, secrets: set[str]) -> Any:
    """``value`` (text, or dicts and lists of it) with each of ``secrets`` replaced, longest first."""
    if isinstance(value, str):
        for secret in sorted(secrets, key=len, reverse=True):
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {key: redact(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item, secrets) for item in value]
    return value


def redact_error(err: ApiError, body: Any) -> ApiError:
    """``err`` with the personal values of the request ``body`` taken out of its message and details."""
    values = personal_values(body)
    if not values:
        return err
    err.message = redact(err.message, values)
    err.details = redact(err.details, values)
    err.args = tuple(redact(arg, values) for arg in err.args)
    return err
