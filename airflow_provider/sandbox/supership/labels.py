"""
SuperShip sandbox shipping labels: print tokens (``POST /v1/partner/orders/token``) and the print
page they open (``GET /v1/partner/orders/label``, ``/orders/awb``), an HTML page per label size.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Mapping
from typing import Any

from airflow_provider.sandbox.kit import SandboxBackend
from airflow_provider.sandbox.supership.answers import error_answer, mask_phone, success_answer

#: label sizes the print page accepts
LABEL_SIZES = ("A5", "K46", "T2", "K50", "K75", "K80", "S8", "S9", "S10", "S11", "S12", "S13", "S14")


class SuperShipLabels(SandboxBackend):
    """The labels of :class:`~airflow_provider.sandbox.supership.backend.SuperShipBackend`."""

    def label_token(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        codes = body.get("code")
        if isinstance(codes, str):
            codes = [codes]
        if not isinstance(codes, list) or not codes:
            return 422, error_answer(
                "Trường code là bắt buộc.", {"code": ["Trường code phải là một mảng mã đơn hàng."]}
            )
        unknown = [c for c in codes if self.store.get("orders", str(c)) is None]
        if unknown:
            return 422, error_answer(
                "Mã đơn hàng không hợp lệ.", {"code": [f"Không tìm thấy: {', '.join(map(str, unknown))}"]}
            )
        token = str(uuid.uuid1())
        self.store.insert(
            "label_tokens", token, {"codes": [str(c) for c in codes], "created": self.clock.now()}
        )
        return 200, success_answer({"token": token}, "Tạo token in thành công.")

    def label_page(self, token: str, size: str) -> tuple[int, str]:
        entry = self.store.get("label_tokens", token)
        if entry is None:
            return 404, "<!doctype html><title>SuperShip</title><p>Token in không hợp lệ.</p>"
        size = size.upper() or "A5"
        if size not in LABEL_SIZES:
            return (
                422,
                f"<!doctype html><title>SuperShip</title><p>Khổ giấy {html.escape(size)} không hợp lệ.</p>",
            )
        parts = [
            f"<!doctype html><html><head><meta charset='utf-8'><title>SuperShip {size}</title></head><body>"
        ]
        for code in entry["codes"]:
            order = self.store.get("orders", code)
            receiver = order["receiver"]
            parts.append(
                f"<section class='label label-{size}' data-code='{html.escape(code)}'>"
                f"<h1>{html.escape(order['shortcode'])}</h1><p>{html.escape(code)} · {html.escape(order['sorting'])}</p>"
                f"<p>{html.escape(receiver['name'])} – {html.escape(mask_phone(receiver['phone']))}</p>"
                f"<p>{html.escape(receiver['formatted_address'])}</p>"
                f"<p>Thu hộ: {order['collection']:,} đ</p></section>"
            )
        parts.append("</body></html>")
        return 200, "".join(parts)
