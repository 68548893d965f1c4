"""
SuperShip pickup warehouses: list them, create them (at most once each, keyed by name) and
update their name, phone and contact.

Light at DAG parse time: the hook and the models are imported inside methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from airflow_provider.common.operator_bases import BulkCreateOperator, BulkOperator
from airflow_provider.supership.base_operator import SuperShipOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider.common.results import ItemResult
    from airflow_provider.supership.hooks import SuperShipHook
    from airflow_provider.supership.models import (
        Warehouse,
        WarehouseCreateRequest,
        WarehouseUpdateRequest,
    )


def _name_key(name: str | None) -> str:
    """A warehouse name compared without case or repeated spaces."""
    return " ".join(str(name or "").split()).casefold()


def _repeated(keys: list[str], label: str) -> list[tuple[str, str, str]]:
    """Input problems for keys used by more than one item of a batch."""
    seen: dict[str, int] = {}
    problems: list[tuple[str, str, str]] = []
    for index, key in enumerate(keys):
        if key in seen:
            problems.append((f"#{index}", label, f"same {label} as #{seen[key]} in this batch"))
        else:
            seen[key] = index
    return problems


class SuperShipListWarehousesOperator(SuperShipOperator):
    """
    List the account's pickup warehouses (``GET /v1/partner/warehouses``).

    Pushes to XCom ``{"count", "codes": [...], "primary": the default warehouse's code or
    None, "warehouses": [{code, name, formatted_address, status (1 active, 2 stopped),
    primary (1 default, 2 normal)}]}``. A warehouse's code is what an order's ``pickup_code``
    takes.

    :param supership_conn_id: the SuperShip connection id.
    :param active_only: leave out stopped warehouses (status ``2``).
    """

    ui_color = "#e2f0fd"

    def __init__(self, *, active_only: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.active_only = active_only

    def execute(self, context: Context) -> dict[str, Any]:
        with self.session() as session, self.fail_fast():
            warehouses = cast("SuperShipHook", session).get_warehouses()
        if self.active_only:
            warehouses = [w for w in warehouses if str(w.status or "1") == "1"]
        primary = next((w.code for w in warehouses if w.primary == "1"), None)
        self.log.info("Read %d SuperShip warehouse(s); default: %s", len(warehouses), primary)
        return {
            "count": len(warehouses),
            "codes": [w.code for w in warehouses],
            "primary": primary,
            "warehouses": [w.compact() for w in warehouses],
        }


class SuperShipCreateWarehousesOperator(SuperShipOperator, BulkCreateOperator["WarehouseCreateRequest"]):
    """
    Create one or many pickup warehouses (``POST /v1/partner/warehouses/create``), once each.

    Each warehouse needs ``name``, ``phone``, ``contact``, ``address``, ``province``,
    ``district``, ``commune`` (place NAMES, checked against the areas API with suggestions
    before any create) and optionally ``primary`` (``"1"`` default warehouse, ``"2"`` normal,
    the default; at most one per batch). Bad input fails the task naming the warehouse and the
    field before anything is sent. An empty input skips.

    Idempotency: SuperShip assigns the warehouse's code and documents no refusal of a reused
    name, so the warehouse's **name** is its key (compared without case or repeated spaces;
    two warehouses of a batch may not share one). By default the account's warehouses are
    listed before any create (one list call per 50 warehouses of the batch) and only the names
    not found are created, so a DAG may make sure its warehouses exist on every run;
    ``lookup_first=False`` skips that list (a reused name then makes a second warehouse). A
    create whose answer is lost is looked up the same way before anything is sent again. A warehouse found under its name is
    ``existed`` when its street address is the same, else a conflict (failed): rename it or
    update the existing one.

    Pushes to XCom ``{"counts", "results": [{"key": name, "outcome": created | existed | failed
    | unknown, "id": warehouse code, "status", "error", "data": {code, name,
    formatted_address, status, primary}}]}`` (pushed before the task fails on any failure).

    :param warehouses: one warehouse dict or a list (templated; XCom works).
    :param supership_conn_id: the SuperShip connection id.
    :param check_places: check the place names against the areas API first.
    :param resolve_place_names: send SuperShip's spelling for names that match it only once
        accents are ignored; by default such names are errors with a suggestion.
    :param lookup_first: list the warehouses before creating any (default: always); ``False``
        declares every name new and skips the list.
    :param on_invalid: ``"stop"`` (default), ``"report"`` or ``"allow"``: what invalid input does
        (see :class:`~airflow_provider.common.operator_bases.BulkOperator`).
    :param results_path: write every warehouse's result to this JSON-lines file (templated).
    :param max_concurrency: creates in flight at once.
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("warehouses",)

    template_fields: Sequence[str] = ("warehouses", "results_path")
    ui_color = "#fde2e2"
    action = "SuperShip create warehouses"
    items_param = "warehouses"

    def __init__(
        self, *, warehouses: Any, check_places: bool = True, resolve_place_names: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.warehouses = warehouses
        self.check_places = check_places
        self.resolve_place_names = resolve_place_names

    def validate_items(self, raw: Any) -> list[WarehouseCreateRequest]:
        from airflow_provider.common.inputs import items_from
        from airflow_provider.common.models import InputError, validate_all
        from airflow_provider.supership.models import WarehouseCreateRequest

        items = validate_all(WarehouseCreateRequest, items_from(raw, param="warehouses"), id_field="name")
        problems = _repeated([_name_key(w.name) for w in items], "name")
        defaults = [index for index, w in enumerate(items) if w.primary == "1"]
        problems += [
            (f"#{index}", "primary", "only one warehouse of a batch may be the default")
            for index in defaults[1:]
        ]
        if problems:
            raise InputError(problems)
        return items

    def item_key(self, item: WarehouseCreateRequest) -> str:
        return item.name

    def prepare(
        self, hook: SuperShipHook, items: list[WarehouseCreateRequest], context: Context
    ) -> list[WarehouseCreateRequest]:
        """Place names checked before any create; then the token."""
        from airflow_provider.common.models import InputError

        if self.check_places:
            problems: list[tuple[str, str, str]] = []
            checked = []
            for item in items:
                check = hook.check_place(
                    item.province, item.district, item.commune, resolve=self.resolve_place_names
                )
                problems += [(item.name, field, message) for field, message in check.problems]
                checked.append(item.model_copy(update=check.names) if self.resolve_place_names else item)
            if problems:
                raise InputError(problems)
            items = checked
        return super().prepare(hook, items, context)

    async def create(self, hook: SuperShipHook, item: WarehouseCreateRequest) -> Warehouse:
        return await hook.acreate_warehouse(item)

    async def lookup(self, hook: SuperShipHook, item: WarehouseCreateRequest) -> Warehouse | None:
        found = await self.lookup_many(hook, [item])
        return found.get(item.name)

    async def lookup_many(
        self, hook: SuperShipHook, items: Sequence[WarehouseCreateRequest]
    ) -> dict[str, Warehouse]:
        """One list call for the whole batch: ``{name: warehouse}`` of the names found."""
        by_name: dict[str, Warehouse] = {}
        for warehouse in await hook.aget_warehouses():
            by_name.setdefault(_name_key(warehouse.name), warehouse)
        return {item.name: by_name[_name_key(item.name)] for item in items if _name_key(item.name) in by_name}

    def describe(self, value: Warehouse) -> tuple[str | None, str | None, dict[str, Any]]:
        return value.code, value.status, value.compact()

    def matches(self, item: WarehouseCreateRequest, value: Warehouse) -> bool:
        """Same street address (the list shows no phone or contact to compare)."""
        wanted = _name_key(item.address)
        if value.address:
            return _name_key(value.address) == wanted
        return _name_key(value.formatted_address).startswith(wanted) if value.formatted_address else True


class SuperShipUpdateWarehousesOperator(SuperShipOperator, BulkOperator["WarehouseUpdateRequest"]):
    """
    Rename warehouses or change their phone and contact (``POST /v1/partner/warehouses/update``).

    Each update names the warehouse by ``code`` and gives its ``name``, ``phone`` and
    ``contact`` (all required, as SuperShip's PHP SDK sends them; an address change needs a new
    warehouse). Sending the same values again changes nothing and counts as success: safe to
    retry. Bad input fails the task naming the warehouse and the field before anything is
    sent; an empty input skips. A retried attempt resumes from the checkpoint: the updates an
    earlier attempt confirmed are carried into its report, not sent again.

    Pushes to XCom ``{"counts", "results": [{"key": code, "outcome": updated (something
    changed) | ok (already so) | failed, "id": code, "error", "data": {"changed": [field
    names]}}]}`` (pushed before the task fails on any failure, e.g. an unknown code).

    :param updates: one ``{code, name, phone, contact}`` dict or a list (templated; XCom works).
    :param supership_conn_id: the SuperShip connection id.
    :param on_invalid: ``"stop"`` (default), ``"report"`` or ``"allow"``: what invalid input does
        (see :class:`~airflow_provider.common.operator_bases.BulkOperator`).
    :param results_path: write every update's result to this JSON-lines file (templated).
    :param max_concurrency: updates in flight at once.
    """

    #: the dataset it changes (its default outlet): see airflow_provider.common.assets
    asset_changes = ("warehouses",)

    template_fields: Sequence[str] = ("updates", "results_path")
    ui_color = "#fdf5e2"
    action = "SuperShip update warehouses"
    items_param = "updates"
    resumes_from_checkpoint = True

    def __init__(self, *, updates: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.updates = updates

    def validate_items(self, raw: Any) -> list[WarehouseUpdateRequest]:
        from airflow_provider.common.inputs import items_from
        from airflow_provider.common.models import InputError, validate_all
        from airflow_provider.supership.models import WarehouseUpdateRequest

        items = validate_all(WarehouseUpdateRequest, items_from(raw, param="updates"), id_field="code")
        problems = _repeated([w.code for w in items], "code")
        if problems:
            raise InputError(problems)
        return items

    def item_key(self, item: WarehouseUpdateRequest) -> str:
        return item.code

    async def run_item(self, hook: SuperShipHook, item: WarehouseUpdateRequest) -> ItemResult:
        from airflow_provider.common.results import ItemResult

        result = await hook.aupdate_warehouse(item)
        changed = sorted(result.diff)
        return ItemResult(
            key=item.code, outcome="updated" if changed else "ok", id=result.code, data={"changed": changed}
        )
