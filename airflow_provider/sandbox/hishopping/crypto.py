"""
The open API's envelope, as the HiShopping server side of the sandbox reads and writes it.

Written apart from the client's ``hishopping/envelope.py`` on purpose: a bug in one is caught by
the other in the integration tests; both are held to the same fixed vectors
(``api/hishopping.md``): ``data`` = hex(iv(12) + AES-256-GCM ciphertext + tag(16)) of the compact
JSON payload, the key being the Secret Key's UTF-8 bytes when they are exactly 32 bytes, else
their SHA-256; ``sign`` = hex HMAC-SHA256 (Sign Key) over the sorted, compact JSON of
``{app_id, nonce, timestamp, data}``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_SIZE = 12
TAG_SIZE = 16


class SealError(ValueError):
    """A request envelope the sandbox cannot read."""


def _key(secret_key: str) -> bytes:
    material = secret_key.encode("utf-8")
    if len(material) == 32:
        return material
    return hashlib.sha256(material).digest()


def seal_data(payload: Any, secret_key: str, *, iv: bytes | None = None) -> str:
    """The ``data`` field carrying ``payload``."""
    nonce = iv if iv is not None else os.urandom(NONCE_SIZE)
    plaintext = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return nonce.hex() + AESGCM(_key(secret_key)).encrypt(nonce, plaintext, None).hex()


def open_data(data: Any, secret_key: str) -> Any:
    """The payload inside ``data``; :class:`SealError` when it is not hex, too short or forged."""
    if not isinstance(data, str):
        raise SealError("data must be a hex string")
    try:
        blob = bytes.fromhex(data)
    except ValueError as err:
        raise SealError("data is not hex") from err
    if len(blob) <= NONCE_SIZE + TAG_SIZE - 1:
        raise SealError("data too short")
    try:
        plaintext = AESGCM(_key(secret_key)).decrypt(blob[:NONCE_SIZE], blob[NONCE_SIZE:], None)
        return json.loads(plaintext)
    except (InvalidTag, ValueError) as err:
        raise SealError("data does not decrypt") from err


def signature(app_id: Any, nonce: Any, timestamp: Any, data: Any, sign_key: str) -> str:
    """Lowercase hex HMAC-SHA256 over the four signed fields."""
    signed = json.dumps(
        {"data": data, "nonce": nonce, "app_id": app_id, "timestamp": timestamp},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    return hmac.new(sign_key.encode("utf-8"), signed.encode("utf-8"), "sha256").hexdigest()


def signature_ok(body: dict[str, Any], sign_key: str) -> bool:
    """Whether ``body['sign']`` matches its signed fields (every field present, right types)."""
    if not all(isinstance(body.get(name), str) for name in ("app_id", "nonce", "data", "sign")):
        return False
    stamp = body.get("timestamp")
    if isinstance(stamp, bool) or not isinstance(stamp, int | str) or not str(stamp).isdigit():
        return False
    expected = signature(body["app_id"], body["nonce"], stamp, body["data"], sign_key)
    return hmac.compare_digest(expected, body["sign"].lower())


def seal(
    payload: Any,
    *,
    app_id: str,
    secret_key: str,
    sign_key: str,
    nonce: str,
    timestamp: int,
    iv: bytes | None = None,
) -> dict[str, Any]:
    """An envelope ``{app_id, nonce, timestamp, data, sign}`` carrying ``payload``."""
    data = seal_data(payload, secret_key, iv=iv)
    return {
        "app_id": app_id,
        "nonce": nonce,
        "timestamp": timestamp,
        "data": data,
        "sign": signature(app_id, nonce, timestamp, data, sign_key),
    }
