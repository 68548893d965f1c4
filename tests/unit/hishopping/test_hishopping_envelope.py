"""The open API envelope against fixed vectors computed independently with hmac/hashlib/AESGCM."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from airflow_provider.hishopping import envelope

APP_ID = "app_test"
SECRET_32 = "0123456789abcdef0123456789abcdef"  # exactly 32 bytes: used as the AES key as is
SECRET_HEX64 = "9f2c4b7e1d0a8c6f5e3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918f7e6d5c"  # 64 chars: SHA-256 of it
SIGN_KEY = "sign-key-for-tests"
NONCE = "00112233445566778899aabbccddeeff"
TIMESTAMP = 1700000000
IV = bytes(range(12))
PAYLOAD = {"merchant_order": "M-1001", "quantity": 2}

# Pinned outputs (also recomputed below from first principles).
DATA_32 = (
    "000102030405060708090a0b56c7d619ab7bbacdc6a82ed103abb476c43221ca118d44bb11fe9796c950cdea"
    "c9c242676b8f256d13bdce7e7661e90f159304fa6025b0ee"
)
SIGN_32 = "a27c33d93fbabb0149639d90d34f68719d013ed82da27c13f625914852d2c5c9"
DATA_HEX64 = (
    "000102030405060708090a0bbffd026397161f6d417816d9e6bcfad80e808d9eb6402a41ad133c3b4f7b9dcd"
    "3152024a6d69ca750b0c18e30aaa34e1f7f4f3f3b6f6b739"
)


def plain_data(key: bytes) -> str:
    plaintext = json.dumps(PAYLOAD, separators=(",", ":")).encode("utf-8")
    return (IV + AESGCM(key).encrypt(IV, plaintext, None)).hex()


def plain_sign(data: str, sign_key: str = SIGN_KEY) -> str:
    message = json.dumps(
        {"app_id": APP_ID, "nonce": NONCE, "timestamp": TIMESTAMP, "data": data},
        sort_keys=True,
        separators=(",", ":"),
    ).encode("utf-8")
    return hmac.new(sign_key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def fixed_seal(secret: str = SECRET_32) -> dict:
    return envelope.seal(
        PAYLOAD,
        app_id=APP_ID,
        secret_key=secret,
        sign_key=SIGN_KEY,
        nonce=NONCE,
        timestamp=TIMESTAMP,
        iv=IV,
    )


def test_fixed_vector_32_byte_key_gives_exact_data_and_sign() -> None:
    sealed = fixed_seal()
    assert sealed["data"] == plain_data(SECRET_32.encode()) == DATA_32
    assert sealed["sign"] == plain_sign(DATA_32) == SIGN_32
    assert sealed == {
        "app_id": APP_ID,
        "nonce": NONCE,
        "timestamp": TIMESTAMP,
        "data": DATA_32,
        "sign": SIGN_32,
    }


def test_64_hex_secret_is_hashed_not_hex_decoded() -> None:
    sealed = fixed_seal(SECRET_HEX64)
    assert sealed["data"] == plain_data(hashlib.sha256(SECRET_HEX64.encode()).digest()) == DATA_HEX64
    assert sealed["data"] != plain_data(bytes.fromhex(SECRET_HEX64))
    assert envelope.open_envelope(sealed, secret_key=SECRET_HEX64, sign_key=SIGN_KEY) == PAYLOAD


@pytest.mark.parametrize("secret", ["short", "x" * 31, "y" * 33, "ü" * 16])
def test_aes_key_is_sha256_unless_exactly_32_bytes(secret: str) -> None:
    # "ü" * 16 is 16 characters but 32 UTF-8 bytes: used as is
    raw = secret.encode("utf-8")
    expected = raw if len(raw) == 32 else hashlib.sha256(raw).digest()
    assert envelope.aes_key(secret) == expected


def test_data_layout_is_iv_ciphertext_tag() -> None:
    raw = bytes.fromhex(DATA_32)
    plaintext_len = len(json.dumps(PAYLOAD, separators=(",", ":")).encode())
    assert raw[:12] == IV
    assert len(raw) == 12 + plaintext_len + 16


def test_signing_string_is_sorted_compact_utf8() -> None:
    assert envelope.signing_string(APP_ID, NONCE, TIMESTAMP, "abcd") == (
        b'{"app_id":"app_test","data":"abcd","nonce":"00112233445566778899aabbccddeeff","timestamp":1700000000}'
    )


def test_round_trip_with_random_nonce_iv_and_current_timestamp() -> None:
    first = envelope.seal(PAYLOAD, app_id=APP_ID, secret_key=SECRET_32, sign_key=SIGN_KEY)
    second = envelope.seal(PAYLOAD, app_id=APP_ID, secret_key=SECRET_32, sign_key=SIGN_KEY)
    assert first["nonce"] != second["nonce"]
    assert first["data"][:24] != second["data"][:24]  # fresh iv
    assert len(first["nonce"]) == 32
    int(first["nonce"], 16)
    assert abs(first["timestamp"] - time.time()) < 5
    assert isinstance(first["timestamp"], int)
    assert envelope.open_envelope(first, secret_key=SECRET_32, sign_key=SIGN_KEY) == PAYLOAD
    assert envelope.open(second, secret_key=SECRET_32, sign_key=SIGN_KEY) == PAYLOAD


def test_non_ascii_payload_round_trips() -> None:
    payload = {"receiver": {"name": "王小明", "city": "Zürich"}}
    sealed = envelope.seal(payload, app_id=APP_ID, secret_key=SECRET_32, sign_key=SIGN_KEY)
    assert envelope.open_envelope(sealed, secret_key=SECRET_32, sign_key=SIGN_KEY) == payload


def test_tampered_data_is_rejected_by_the_signature() -> None:
    sealed = fixed_seal()
    flipped = sealed["data"][:-2] + ("00" if sealed["data"][-2:] != "00" else "01")
    with pytest.raises(envelope.EnvelopeError) as err:
        envelope.open_envelope({**sealed, "data": flipped}, secret_key=SECRET_32, sign_key=SIGN_KEY)
    assert err.value.reason == "signature"


def test_tampered_data_with_recomputed_sign_fails_decryption() -> None:
    sealed = fixed_seal()
    flipped = sealed["data"][:30] + ("0" if sealed["data"][30] != "0" else "1") + sealed["data"][31:]
    resigned = {**sealed, "data": flipped, "sign": plain_sign(flipped)}
    with pytest.raises(envelope.EnvelopeError) as err:
        envelope.open_envelope(resigned, secret_key=SECRET_32, sign_key=SIGN_KEY)
    assert err.value.reason == "decrypt"


@pytest.mark.parametrize("field", ["app_id", "nonce", "timestamp"])
def test_any_signed_field_changed_is_rejected(field: str) -> None:
    sealed = fixed_seal()
    changed = {**sealed, field: TIMESTAMP + 1 if field == "timestamp" else sealed[field] + "x"}
    assert not envelope.verify(changed, SIGN_KEY)


def test_wrong_sign_key_is_rejected() -> None:
    sealed = fixed_seal()
    assert not envelope.verify(sealed, "another-sign-key")
    with pytest.raises(envelope.EnvelopeError) as err:
        envelope.open_envelope(sealed, secret_key=SECRET_32, sign_key="another-sign-key")
    assert err.value.reason == "signature"


def test_wrong_secret_key_cannot_decrypt() -> None:
    sealed = fixed_seal()
    with pytest.raises(envelope.EnvelopeError) as err:
        envelope.open_envelope(sealed, secret_key="f" * 32, sign_key=SIGN_KEY)
    assert err.value.reason == "decrypt"


def test_uppercase_sign_is_accepted_and_missing_fields_are_not() -> None:
    sealed = fixed_seal()
    assert envelope.verify({**sealed, "sign": sealed["sign"].upper()}, SIGN_KEY)
    without = {k: v for k, v in sealed.items() if k != "nonce"}
    assert not envelope.verify(without, SIGN_KEY)
    with pytest.raises(envelope.EnvelopeError) as err:
        envelope.open_envelope(without, secret_key=SECRET_32, sign_key=SIGN_KEY)
    assert err.value.reason == "format"


def test_bad_iv_length_is_refused() -> None:
    with pytest.raises(ValueError, match="12 bytes"):
        envelope.encrypt(PAYLOAD, SECRET_32, iv=b"short")
