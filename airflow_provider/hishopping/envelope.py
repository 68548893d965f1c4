"""
The HiShopping open API envelope: AES-256-GCM encrypted payload, HMAC-SHA256 signature.

Every open API request body (and every successful answer) is::

    {"app_id": str, "nonce": str, "timestamp": int, "data": str, "sign": str}

- ``data`` = hex(iv (12 random bytes) + ciphertext + tag (16 bytes)) of the JSON business
  payload, AES-256-GCM keyed with the Secret Key's UTF-8 bytes when they are exactly 32 bytes,
  else with SHA-256 of them. A 64-hex-character key is *not* hex-decoded.
- ``sign`` = lowercase hex HMAC-SHA256 keyed with the Sign Key's UTF-8 bytes over
  ``json.dumps({app_id, nonce, timestamp, data}, sort_keys=True, separators=(",", ":"),
  ensure_ascii=False)`` encoded as UTF-8 (every value is ASCII in practice: hex, digits and the
  App ID, so ``ensure_ascii`` changes nothing for them).
- ``nonce``: fresh per request (32 random hex characters); ``timestamp``: Unix seconds.

The functions are pure: nonce, iv and timestamp can be passed in, so tests pin exact vectors.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

IV_BYTES = 12
TAG_BYTES = 16
#: the fields covered by the signature, in the envelope
SIGNED_FIELDS = ("app_id", "nonce", "timestamp", "data")
ENVELOPE_FIELDS = (*SIGNED_FIELDS, "sign")


class EnvelopeError(ValueError):
    """An envelope that cannot be trusted or read.

    :param reason: ``signature`` (sign missing or wrong), ``decrypt`` (wrong Secret Key or
        tampered data), ``format`` (fields missing or of the wrong type).
    """

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


def aes_key(secret_key: str) -> bytes:
    """The AES-256 key: the Secret Key's UTF-8 bytes when exactly 32 bytes, else their SHA-256."""
    raw = secret_key.encode("utf-8")
    return raw if len(raw) == 32 else hashlib.sha256(raw).digest()


def payload_bytes(payload: Any) -> bytes:
    """The JSON business payload as UTF-8 bytes (compact)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def encrypt(payload: Any, secret_key: str, *, iv: bytes | None = None) -> str:
    """``data``: hex(iv + ciphertext + tag) of ``payload`` as JSON.

    :param iv: 12 bytes; random when omitted (pass one only in tests).
    """
    iv = os.urandom(IV_BYTES) if iv is None else iv
    if len(iv) != IV_BYTES:
        raise ValueError(f"iv must be {IV_BYTES} bytes, got {len(iv)}")
    sealed = AESGCM(aes_key(secret_key)).encrypt(iv, payload_bytes(payload), None)
    return (iv + sealed).hex()


def decrypt(data: str, secret_key: str) -> Any:
    """The JSON payload inside ``data``; :class:`EnvelopeError` when it cannot be opened."""
    try:
        raw = bytes.fromhex(data)
    except (TypeError, ValueError) as err:
        raise EnvelopeError("format", "data is not hex") from err
    if len(raw) < IV_BYTES + TAG_BYTES:
        raise EnvelopeError("format", "data is too short to hold iv and tag")
    try:
        plain = AESGCM(aes_key(secret_key)).decrypt(raw[:IV_BYTES], raw[IV_BYTES:], None)
    except InvalidTag as err:
        raise EnvelopeError("decrypt", "data does not decrypt: wrong Secret Key or tampered data") from err
    try:
        return json.loads(plain.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise EnvelopeError("format", "decrypted data is not JSON") from err


def signing_string(app_id: str, nonce: str, timestamp: int | str, data: str) -> bytes:
    """What the signature covers: the four fields as sorted, compact JSON in UTF-8.

    ``timestamp`` is signed as it travels (an integer; a string only if a peer sent one).
    """
    fields = {"app_id": app_id, "nonce": nonce, "timestamp": timestamp, "data": data}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(app_id: str, nonce: str, timestamp: int | str, data: str, sign_key: str) -> str:
    """Lowercase hex HMAC-SHA256 of :func:`signing_string`, keyed with the Sign Key."""
    message = signing_string(app_id, nonce, timestamp, data)
    return hmac.new(sign_key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify(envelope: Mapping[str, Any], sign_key: str) -> bool:
    """Whether ``envelope['sign']`` is right for its other fields (constant-time compare)."""
    try:
        _check_format(envelope)
    except EnvelopeError:
        return False
    expected = sign(envelope["app_id"], envelope["nonce"], envelope["timestamp"], envelope["data"], sign_key)
    return hmac.compare_digest(expected, str(envelope["sign"]).lower())


def new_nonce() -> str:
    """32 random hex characters."""
    return secrets.token_hex(16)


def seal(
    payload: Any,
    *,
    app_id: str,
    secret_key: str,
    sign_key: str,
    nonce: str | None = None,
    timestamp: int | None = None,
    iv: bytes | None = None,
) -> dict[str, Any]:
    """The envelope carrying ``payload``: encrypted ``data`` and its ``sign``.

    :param nonce: fresh random hex when omitted.
    :param timestamp: now (Unix seconds) when omitted.
    :param iv: random when omitted.
    """
    nonce = new_nonce() if nonce is None else nonce
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    data = encrypt(payload, secret_key, iv=iv)
    return {
        "app_id": app_id,
        "nonce": nonce,
        "timestamp": timestamp,
        "data": data,
        "sign": sign(app_id, nonce, timestamp, data, sign_key),
    }


def open_envelope(envelope: Mapping[str, Any], *, secret_key: str, sign_key: str) -> Any:
    """Verify ``envelope``'s signature, then decrypt its payload.

    :raises EnvelopeError: ``format``, ``signature`` or ``decrypt``; never returns unverified data.
    """
    _check_format(envelope)
    if not verify(envelope, sign_key):
        raise EnvelopeError("signature", "signature does not match: wrong Sign Key or tampered envelope")
    return decrypt(envelope["data"], secret_key)


def _check_format(envelope: Mapping[str, Any]) -> None:
    if not isinstance(envelope, Mapping):
        raise EnvelopeError("format", "envelope is not a JSON object")
    missing = [name for name in ENVELOPE_FIELDS if name not in envelope]
    if missing:
        raise EnvelopeError("format", f"envelope lacks {missing}")
    if not isinstance(envelope["sign"], str) or not envelope["sign"]:
        raise EnvelopeError("signature", "sign is empty")
    for name in ("app_id", "nonce", "data"):
        if not isinstance(envelope[name], str):
            raise EnvelopeError("format", f"{name} must be a string")
    stamp = envelope["timestamp"]
    if isinstance(stamp, bool) or not (
        isinstance(stamp, int) or (isinstance(stamp, str) and stamp.isdigit())
    ):
        raise EnvelopeError("format", "timestamp must be an integer (Unix seconds)")


#: ``envelope.open(...)``: the counterpart of :func:`seal` under its short name
open = open_envelope  # this module never uses the builtin open()
