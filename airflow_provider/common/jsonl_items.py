"""
A JSON-lines input of a bulk operator, read in two passes with flat memory.

The first pass (:meth:`JsonlItems.validate`) validates every line and finds caller ids used
twice across the whole file (from 8-byte hashes and line numbers: only the lines of colliding
ids are read again, to name them); nothing is sent. The second (:meth:`JsonlItems.chunks`)
yields the valid items a chunk at a time, with the invalid ones as ``invalid`` results when the
operator reports them. The first pass keeps the validated items of the first chunks (up to
:attr:`JsonlItems.keep_items`) for the second, which validates only the lines past them: a file
of up to that many lines is validated once, a larger one keeps its memory flat.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from itertools import pairwise
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider.common.operator_bases import BulkOperator
    from airflow_provider.common.results import ItemResult

Problem = tuple[str, str, str]


class JsonlItems:
    """
    The items of a JSON-lines file for ``operator`` (its ``validate_items``, ``item_key``,
    ``stream_chunk_size``, ``unique_keys`` and ``on_invalid``).

    :param operator: the bulk operator reading the file.
    :param source: the file (local path or ``ObjectStoragePath`` URL).
    """

    #: validated items the first pass keeps for the second (from the first chunks on)
    keep_items = 10_000

    def __init__(self, operator: BulkOperator[Any], source: str) -> None:
        self.operator = operator
        self.source = source
        self.reused: set[str] = set()
        self._kept: list[list[Any]] = []

    def validated_chunks(
        self, skip: int = 0
    ) -> Iterator[tuple[list[int], list[Any], list[Any], list[Problem]]]:
        """``(line numbers, raw values, validated items, problems)`` a chunk at a time (after the
        first ``skip`` chunks); a chunk with problems (named by line or order id, and field) has
        no items."""
        from airflow_provider.common.inputs import BadLine, jsonl_chunks
        from airflow_provider.common.models import InputError

        op = self.operator
        for lines, values in jsonl_chunks(self.source, op.stream_chunk_size, param=op.items_param, skip=skip):
            bad = [
                (f"line {line}", op.items_param, f"not JSON: {value.message}")
                for line, value in zip(lines, values, strict=True)
                if isinstance(value, BadLine)
            ]
            if bad:
                yield lines, values, [], bad
                continue
            try:
                items = op.validate_items(values)
            except InputError as err:
                yield lines, values, [], [(_line_label(order, lines), f, m) for order, f, m in err.errors]
                continue
            except ValueError as err:
                yield lines, values, [], [(f"lines {lines[0]}-{lines[-1]}", op.items_param, str(err))]
                continue
            yield lines, values, items, []

    def valid_items_of_chunks(self) -> Iterator[tuple[list[int], list[tuple[int, Any]], list[Problem]]]:
        """``(line numbers, [(line, valid item)], problems)`` a chunk at a time: a chunk with
        problems still gives its valid items when the operator reports invalid items, so caller
        ids are checked for reuse across the whole file."""
        from airflow_provider.common.inputs import BadLine

        op = self.operator
        for lines, values, items, bad in self.validated_chunks():
            if not bad:
                yield lines, list(zip(lines, items, strict=True)), bad
                continue
            valid: list[tuple[int, Any]] = []
            if op.on_invalid != "stop":
                for line, value in zip(lines, values, strict=True):
                    if isinstance(value, BadLine):
                        continue
                    try:
                        valid.extend((line, item) for item in op.validate_items([value]))
                    except ValueError:  # InputError too: that line is reported invalid
                        continue
            yield lines, valid, bad

    def validate(self) -> int:
        """First pass: the item count. With ``on_invalid="stop"`` any problem (a caller id used
        twice in the file included) fails the task before anything is sent."""
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        from airflow_provider.common.invalid_items import STOP_HINT
        from airflow_provider.common.models import InputError

        op = self.operator
        problems: list[Problem] = []
        hashes = array("Q")  # 8 bytes per caller id, not a dict of 100,000 strings
        numbers = array("Q")  # and the line of each
        total = kept = 0
        keeping = True
        try:
            for lines, valid, bad in self.valid_items_of_chunks():
                problems.extend(bad)
                total += len(lines)
                keeping = keeping and not bad and kept + len(valid) <= self.keep_items
                if keeping:
                    self._kept.append([item for _line, item in valid])
                    kept += len(valid)
                if op.unique_keys:
                    hashes.extend(_key_hash(op.item_key(item)) for _line, item in valid)
                    numbers.extend(line for line, _item in valid)
            reused = self._reused_keys(hashes, numbers) if op.unique_keys else {}
        except OSError as err:
            raise AirflowFailException(
                f"{op.task_id}: {op.items_param}: cannot read {self.source}: {err}"
            ) from err
        self.reused = set(reused)
        for key, where in reused.items():
            lines_text = ", ".join(map(str, where))
            problems.append(
                (key, op.items_param, f"used by {len(where)} orders of this file (lines {lines_text})")
            )
        if problems and op.on_invalid == "stop":
            more = f"\n  ... and {len(problems) - 100} more" if len(problems) > 100 else ""
            raise AirflowFailException(
                f"{op.task_id}: {op.items_param}: {InputError(problems[:100])}{more}{STOP_HINT}"
            )
        if problems:
            op.log.warning(
                "%s: %d problem(s) in %s; those items are reported invalid",
                op.action,
                len(problems),
                self.source,
            )
        if not total:
            raise AirflowSkipException(f"{op.items_param}: nothing to do (no items in {self.source})")
        return total

    def chunks(self) -> Iterator[tuple[list[Any], list[ItemResult]]]:
        """Second pass: ``(valid items, invalid results)`` a chunk at a time."""
        from airflow.sdk.exceptions import AirflowFailException

        from airflow_provider.common.models import InputError

        op = self.operator
        kept, self._kept = self._kept, []
        for items in kept:  # validated by the first pass: not again
            yield self._without_reused(items, [])
        for lines, values, items, bad in self.validated_chunks(skip=len(kept)):
            invalid: list[ItemResult] = []
            if bad:
                if op.on_invalid == "stop":
                    raise AirflowFailException(
                        f"{op.task_id}: {op.items_param}: {self.source} changed while it ran: {InputError(bad)}"
                    )
                labels = [f"line {line}" for line in lines]
                items, invalid = op.validate_one_by_one(values, InputError(bad), labels)
            yield self._without_reused(items, invalid)

    def _without_reused(
        self, items: list[Any], invalid: list[ItemResult]
    ) -> tuple[list[Any], list[ItemResult]]:
        """Items whose caller id the file uses several times become ``invalid`` results."""
        if not self.reused:
            return items, invalid
        from airflow_provider.common.invalid_items import invalid_result

        op = self.operator
        reused = [item for item in items if op.item_key(item) in self.reused]
        kept = [item for item in items if op.item_key(item) not in self.reused]
        message = [(op.items_param, "id used by several orders of this file")]
        return kept, invalid + [invalid_result(op.item_key(item), message) for item in reused]

    def _reused_keys(self, hashes: array[int], numbers: array[int]) -> dict[str, list[int]]:
        """Caller ids used more than once in the file, with their lines: a sort of the 64-bit
        hashes finds the candidates; only their lines are read again (to name the ids)."""
        from airflow_provider.common.inputs import jsonl_chunks

        ordered = sorted(hashes)
        twice = {a for a, b in pairwise(ordered) if a == b}
        del ordered
        if not twice:
            return {}
        candidates = {line for line, key_hash in zip(numbers, hashes, strict=True) if key_hash in twice}
        op = self.operator
        where: dict[str, list[int]] = {}
        for lines, values in jsonl_chunks(self.source, op.stream_chunk_size, param=op.items_param):
            for line, value in zip(lines, values, strict=True):
                if line in candidates:
                    for item in op.validate_items([value]):
                        where.setdefault(op.item_key(item), []).append(line)
        return {key: at for key, at in where.items() if len(at) > 1}


def _key_hash(key: str) -> int:
    """A 64-bit hash of a caller id (stable across processes, unlike ``hash``)."""
    from hashlib import blake2b

    return int.from_bytes(blake2b(key.encode(), digest_size=8).digest(), "little")


def _line_label(order: str, lines: list[int]) -> str:
    """``#3`` (a position in a chunk) as ``line 57`` of the file; an order id stays as it is."""
    if order.startswith("#") and order[1:].isdigit() and int(order[1:]) < len(lines):
        return f"line {lines[int(order[1:])]}"
    return order
