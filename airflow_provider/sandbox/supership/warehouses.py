"""SuperShip sandbox pickup warehouses: list, create (places as NAMES) and update."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from airflow_provider.sandbox.kit import SandboxBackend
from airflow_provider.sandbox.supership.answers import (
    error_answer,
    first_error,
    iso_time,
    success_answer,
    text_of,
    valid_phone,
)
from airflow_provider.sandbox.supership.areas import resolve_place


class SuperShipWarehouses(SandboxBackend):
    """The warehouses of :class:`~airflow_provider.sandbox.supership.backend.SuperShipBackend`."""

    def _add_warehouse(self, data: dict[str, Any], created: float | None = None) -> dict[str, Any]:
        place, _errors = resolve_place(data["province"], data["district"], data["commune"])
        now = self.clock.now() if created is None else created
        warehouse = {
            "code": data["code"],
            "name": data["name"],
            "phone": data["phone"],
            "contact": data["contact"],
            "address": data["address"],
            "place": place,
            "status": "1",
            "primary": data.get("primary", "2"),
            "created": now,
            "updated": now,
        }
        with self.store.lock:
            if warehouse["primary"] == "1":
                for other in self.store.values("warehouses"):
                    other["primary"] = "2"
            self.store.insert("warehouses", warehouse["code"], warehouse)
        return warehouse

    @staticmethod
    def warehouse_json(w: Mapping[str, Any]) -> dict[str, Any]:
        place = w["place"]
        return {
            "code": w["code"],
            "name": w["name"],
            "address": w["address"],
            "formatted_address": ", ".join(
                (w["address"], place["commune"], place["district"], place["province"])
            ),
            "status": w["status"],
            "status_name": "Hoạt Động" if w["status"] == "1" else "Dừng Hoạt Động",
            "primary": w["primary"],
            "primary_name": "Kho Mặc Định" if w["primary"] == "1" else "Kho Thường",
            "created_at": iso_time(w["created"]),
            "updated_at": iso_time(w["updated"]),
        }

    def create_warehouse(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        errors: dict[str, list[str]] = {}
        fields = ("name", "phone", "contact", "address", "province", "district", "commune", "primary")
        values = {f: text_of(body.get(f)) for f in fields}
        for name, value in values.items():
            if not value:
                errors.setdefault(name, []).append(f"Trường {name} là bắt buộc.")
        if values["phone"] and not valid_phone(values["phone"]):
            errors.setdefault("phone", []).append("Số điện thoại không hợp lệ.")
        if values["primary"] and values["primary"] not in ("1", "2"):
            errors.setdefault("primary", []).append("Giá trị của trường primary không hợp lệ.")
        if not errors:
            _place, place_errors = resolve_place(values["province"], values["district"], values["commune"])
            for key, message in place_errors.items():
                errors.setdefault(key, []).append(message)
        if errors:
            return 422, error_answer(first_error(errors, more=True), errors)
        code = "W" + secrets.token_hex(5).upper()[:9]
        warehouse = self._add_warehouse({**values, "code": code})
        return 200, success_answer(self.warehouse_json(warehouse), "Tạo kho hàng thành công.")

    def update_warehouse(self, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        values = {f: text_of(body.get(f)) for f in ("code", "name", "phone", "contact")}
        errors = {f: [f"Trường {f} là bắt buộc."] for f, v in values.items() if not v}
        if values["phone"] and not valid_phone(values["phone"]):
            errors.setdefault("phone", []).append("Số điện thoại không hợp lệ.")
        if errors:
            return 422, error_answer(first_error(errors, more=True), errors)
        with self.store.lock:
            warehouse = self.store.get("warehouses", values["code"])
            if warehouse is None:
                return 404, error_answer("Không tìm thấy kho hàng.", {"code": ["Mã kho hàng không tồn tại."]})
            diff = {f: values[f] for f in ("name", "phone", "contact") if warehouse[f] != values[f]}
            warehouse.update(diff)
            warehouse["updated"] = self.clock.now()
        return 200, success_answer(
            {"code": values["code"], "diff": diff, "updated_at": iso_time(warehouse["updated"])},
            "Cập nhật kho hàng thành công.",
        )
