"""
The base of the 超8 catalogue and organisation syncs (:class:`Chao8SyncBase`): batch upserts
keyed by a code, from a list, XCom or a JSON / CSV file (:func:`load_records`).

Imported on every DAG parse (through :mod:`airflow_provider.chao8.operators`): only operator
bases at module level; hooks and models are imported inside the methods, when a task runs.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider.chao8.base_operator import Chao8Operator
from airflow_provider.common.operator_bases import BulkOperator

if TYPE_CHECKING:
    from airflow_provider.chao8.hooks import Chao8Hook
    from airflow_provider.chao8.models import BatchResult
    from airflow_provider.common.models import ApiModel
    from airflow_provider.common.results import BulkReport, ItemResult


def load_records(path: str) -> list[dict[str, Any]]:
    """
    Records from a JSON file (a list, one object, or ``{"list": [...]}``) or a CSV file with a
    header row of field names; empty CSV cells are left out. ``path`` may be a local path or an
    ``ObjectStoragePath`` URL (``s3://...``, ``file://...``).
    """
    import csv
    import io
    import json

    from airflow.sdk import ObjectStoragePath

    text = ObjectStoragePath(path).read_text(encoding="utf-8-sig")
    if path.lower().endswith(".csv"):
        rows = csv.DictReader(io.StringIO(text))
        return [
            {key.strip(): value.strip() for key, value in row.items() if key and value not in (None, "")}
            for row in rows
        ]
    try:
        data = json.loads(text)
    except ValueError as err:
        raise ValueError(f"{path}: not JSON ({err}); use a .json or .csv file") from err
    if isinstance(data, dict) and isinstance(data.get("list"), list):
        data = data["list"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of objects")
    return data


class Chao8SyncBase(Chao8Operator, BulkOperator[Any]):
    """
    Batch upsert of a list keyed by a code: each chunk is queried first (created vs updated),
    then upserted in one call; ``chunk_size`` items per call, chunks at bounded concurrency
    (:meth:`~airflow_provider.common.operator_bases.BulkOperator.run_batch`: the shared run,
    its graceful stop and a retry's checkpoint included).
    """

    resumes_from_checkpoint = True

    #: the item field naming an item (the vendor's spelling)
    key_field: ClassVar[str] = ""
    #: outcomes always present in ``counts`` (zeros included)
    counted: ClassVar[tuple[str, ...]] = ("created", "updated", "failed")

    def __init__(
        self,
        *,
        path: str | None = None,
        chunk_size: int = 100,
        output_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not 1 <= chunk_size <= 200:
            raise ValueError("chunk_size must be between 1 and 200")
        self.path = path
        self.chunk_size = chunk_size
        self.output_path = output_path

    # ------------------------------------------------------------- what each catalogue supplies
    @abstractmethod
    def request_model(self) -> type[ApiModel]: ...

    @abstractmethod
    async def existing_keys(self, hook: Chao8Hook, keys: list[str]) -> set[str]:
        """The keys among ``keys`` that 超8 knows already (one batch query)."""

    @abstractmethod
    async def upsert(self, hook: Chao8Hook, chunk: list[Any]) -> BatchResult: ...

    # ------------------------------------------------------------- shared
    def input_file(self) -> str | None:
        """The CSV, JSON or JSON-lines file read (for lineage), else the items' own file."""
        return str(self.path) if self.path else super().input_file()

    def validate_items(self, raw: Any) -> list[Any]:
        from airflow_provider.common.inputs import items_from
        from airflow_provider.common.models import InputError, validate_all

        if self.path:
            if raw is not None:
                raise InputError([("-", self.items_param, f"give {self.items_param} or path, not both")])
            try:
                raw = load_records(str(self.path))
            except (OSError, ValueError) as err:
                raise InputError([("-", "path", f"cannot read {self.path}: {err}")]) from err
        items = validate_all(
            self.request_model(), items_from(raw, param=self.items_param), id_field=self.key_field
        )
        keys = [self.item_key(item) for item in items]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise InputError([(key, self.key_field, "repeated in this input") for key in repeated])
        return items

    def items_per_call(self) -> int:
        return self.chunk_size

    async def run_item(self, hook: Chao8Hook, item: Any) -> ItemResult:
        """One record synced on its own (a chunk of one)."""
        return (await self.run_batch(hook, [item]))[0]

    async def run_batch(self, hook: Chao8Hook, chunk: list[Any]) -> list[ItemResult]:
        """One chunk: queried (created vs updated), then upserted in one call."""
        from airflow_provider.common.errors import ApiError
        from airflow_provider.common.results import ItemResult, error_dict

        keys = [self.item_key(item) for item in chunk]
        try:
            before = await self.existing_keys(hook, keys)
            answer = await self.upsert(hook, chunk)
        except ApiError as err:
            self.log.warning("%s: a chunk of %d failed: %s", self.action, len(chunk), err)
            return [ItemResult(key=key, outcome="failed", error=error_dict(err)) for key in keys]
        refused = answer.failed_keys()
        return [
            ItemResult(key=key, outcome="failed", error={"kind": "refused", "message": refused[key]})
            if key in refused
            else ItemResult(key=key, outcome="updated" if key in before else "created")
            for key in keys
        ]

    def report_extra(self, report: BulkReport) -> dict[str, Any]:
        counts = report.counts
        extra: dict[str, Any] = {"counts": {**{name: 0 for name in self.counted}, **counts}}
        if self.output_path:
            extra["file"] = self._write_output(report)
        return extra

    def _write_output(self, report: BulkReport) -> str:
        """Every item's result as one JSON list in ``output_path`` (local or ObjectStoragePath)."""
        import json

        from airflow.sdk import ObjectStoragePath

        target = ObjectStoragePath(str(self.output_path))
        target.parent.mkdir(parents=True, exist_ok=True)
        rows = [result.model_dump(mode="json") for result in report.results]
        target.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
        return str(self.output_path)
