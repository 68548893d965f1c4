"""The sandbox's own envelope code, held to the same fixed vectors as the client's ``envelope.py``."""

from __future__ import annotations

import pytest
from test_hishopping_envelope import (
    APP_ID,
    DATA_32,
    DATA_HEX64,
    IV,
    NONCE,
    PAYLOAD,
    SECRET_32,
    SECRET_HEX64,
    SIGN_32,
    SIGN_KEY,
    TIMESTAMP,
)

from airflow_provider.hishopping import envelope
from airflow_provider.sandbox.hishopping import crypto


def sandbox_seal(secret: str = SECRET_32) -> dict:
    return crypto.seal(
        PAYLOAD, app_id=APP_ID, secret_key=secret, sign_key=SIGN_KEY, nonce=NONCE, timestamp=TIMESTAMP, iv=IV
    )


def test_fixed_vectors() -> None:
    assert sandbox_seal() == {
        "app_id": APP_ID,
        "nonce": NONCE,
        "timestamp": TIMESTAMP,
        "data": DATA_32,
        "sign": SIGN_32,
    }
    assert sandbox_seal(SECRET_HEX64)["data"] == DATA_HEX64
    assert crypto.open_data(DATA_32, SECRET_32) == PAYLOAD
    assert crypto.open_data(DATA_HEX64, SECRET_HEX64) == PAYLOAD


def test_client_and_sandbox_read_each_other() -> None:
    from_client = envelope.seal(PAYLOAD, app_id=APP_ID, secret_key=SECRET_HEX64, sign_key=SIGN_KEY)
    assert crypto.signature_ok(from_client, SIGN_KEY)
    assert crypto.open_data(from_client["data"], SECRET_HEX64) == PAYLOAD
    from_sandbox = crypto.seal(
        PAYLOAD, app_id=APP_ID, secret_key=SECRET_HEX64, sign_key=SIGN_KEY, nonce=NONCE, timestamp=TIMESTAMP
    )
    assert envelope.open_envelope(from_sandbox, secret_key=SECRET_HEX64, sign_key=SIGN_KEY) == PAYLOAD


@pytest.mark.parametrize(
    "change",
    [
        {"sign": SIGN_32[:-1] + "0"},
        {"timestamp": TIMESTAMP + 1},
        {"nonce": NONCE + "x"},
        {"timestamp": True},
        {"sign": None},
    ],
)
def test_a_changed_or_malformed_envelope_fails_the_signature(change: dict) -> None:
    assert crypto.signature_ok(sandbox_seal(), SIGN_KEY)
    assert not crypto.signature_ok({**sandbox_seal(), **change}, SIGN_KEY)
    assert crypto.signature_ok({**sandbox_seal(), "sign": SIGN_32.upper()}, SIGN_KEY)


@pytest.mark.parametrize("data", ["zz", DATA_32[:40], DATA_32[:-2] + "00", 12])
def test_data_that_does_not_open_is_a_seal_error(data: object) -> None:
    with pytest.raises(crypto.SealError):
        crypto.open_data(data, SECRET_32)
