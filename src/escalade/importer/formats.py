"""Reading import files: JSON Lines (one ticket per line, follow-ups nested) or CSV (+ a follow-ups CSV)."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SourceRow = tuple[int, dict[str, Any] | None, str]  # line number, fields (None if unreadable), error


def read_jsonl(path: Path) -> Iterator[SourceRow]:
    """One JSON object per line; a line that is not an object is reported, not fatal."""
    with path.open(encoding="utf-8-sig") as source:
        for number, line in enumerate(source, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as error:
                yield number, None, f"not JSON: {error.msg}"
                continue
            if not isinstance(value, dict):
                yield number, None, "not a JSON object"
                continue
            yield number, value, ""


def read_csv(path: Path, followups_path: Path | None = None) -> Iterator[SourceRow]:
    """A CSV of tickets (header row = field names); follow-ups from a second CSV keyed by external_id."""
    followups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if followups_path is not None:
        with followups_path.open(encoding="utf-8-sig", newline="") as source:
            for row in csv.DictReader(source):
                key = (row.pop("ticket_external_id", "") or "").strip()
                followups[key].append(row)
    with path.open(encoding="utf-8-sig", newline="") as source:
        reader = csv.DictReader(source)
        for number, row in enumerate(reader, start=2):  # line 1 is the header
            fields: dict[str, Any] = {key: value for key, value in row.items() if key is not None}
            if None in row:
                yield number, None, "more values than columns"
                continue
            if fields.get("tags"):
                fields["tags"] = [tag.strip() for tag in str(fields["tags"]).split(",") if tag.strip()]
            fields["followups"] = followups.get(str(fields.get("external_id", "")).strip(), [])
            yield number, fields, ""


def read_rows(path: Path, *, followups_path: Path | None = None) -> Iterator[SourceRow]:
    """Rows of ``path`` by its extension: ``.jsonl``/``.ndjson`` or ``.csv``."""
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        return read_jsonl(path)
    if path.suffix.lower() == ".csv":
        return read_csv(path, followups_path)
    raise ValueError(f"unknown format {path.suffix!r}: use .jsonl or .csv")
