"""A Dataset ↔ named frames (see frames.py) plus a small JSON record of everything that is not a frame.

Every DataFrame field of `Plan` and `Budget` is stored as a frame named `plan.<field>` or
`budget.<field>`; `PlanSettings`, `Dataset.sources` and any other plain field go to the JSON
record.  Fields added to the dataclasses later are picked up without a format change; a stored
frame this version does not know is ignored, and a field the file lacks takes its default.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Iterable

import pandas as pd

from ..dataset import Budget, Dataset, Plan, PlanSettings
from .frames import FrameCodecError, decode_frame, encode_frame, tag_value, untag_value

OWNERS = (("plan", Plan), ("budget", Budget))


def frame_names(dataset: Dataset) -> list[str]:
    return [f"{owner}.{f.name}" for owner, _cls in OWNERS for f in dataclasses.fields(getattr(dataset, owner))
            if isinstance(getattr(getattr(dataset, owner), f.name), pd.DataFrame)]


def get_frame(dataset: Dataset, name: str) -> pd.DataFrame:
    owner, field = name.split(".", 1)
    return getattr(getattr(dataset, owner), field)


def digest(spec: dict, blobs: Iterable[bytes]) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(json.dumps({k: v for k, v in spec.items() if k != "crc"}, sort_keys=True).encode("utf-8"))
    for b in blobs:
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


def encode_dataset(dataset: Dataset, names: Iterable[str] | None = None) -> dict[str, tuple[dict, list[bytes], str]]:
    """{frame name: (spec, blobs, digest)} for every frame of the dataset (or only `names`)."""
    wanted = set(names) if names is not None else None
    out = {}
    for name in frame_names(dataset):
        if wanted is not None and name not in wanted:
            continue
        spec, blobs = encode_frame(get_frame(dataset, name))
        out[name] = (spec, blobs, digest(spec, blobs))
    return out


def dataset_record(dataset: Dataset) -> dict[str, Any]:
    """The non-frame parts of a dataset, as JSON-able values."""
    record: dict[str, Any] = {"sources": [str(s) for s in dataset.sources]}
    for owner, _cls in OWNERS:
        obj = getattr(dataset, owner)
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if isinstance(value, pd.DataFrame):
                continue
            if dataclasses.is_dataclass(value):
                record[f"{owner}.{f.name}"] = {k: tag_value(v) for k, v in dataclasses.asdict(value).items()}
            else:
                record[f"{owner}.{f.name}"] = tag_value(value)
    for f in dataclasses.fields(dataset):
        if f.name not in ("plan", "budget", "sources"):
            record[f"dataset.{f.name}"] = tag_value(getattr(dataset, f.name))
    return record


def decode_dataset(record: dict[str, Any], frames: dict[str, tuple[dict, list[bytes]]]) -> Dataset:
    """The Dataset from its JSON record and its frames {name: (spec, blobs)}; FrameCodecError if damaged."""
    parts = {}
    for owner, cls in OWNERS:
        kwargs = {}
        for f in dataclasses.fields(cls):
            name = f"{owner}.{f.name}"
            if name in frames:
                spec, blobs = frames[name]
                try:
                    kwargs[f.name] = decode_frame(spec, blobs)
                except FrameCodecError as exc:
                    raise FrameCodecError(f"table {name}: {exc}") from None
            elif name in record:
                value = record[name]
                if f.name == "settings" and isinstance(value, dict):
                    known = {x.name for x in dataclasses.fields(PlanSettings)}
                    kwargs[f.name] = PlanSettings(**{k: untag_value(v) for k, v in value.items() if k in known})
                else:
                    kwargs[f.name] = untag_value(value)
        parts[owner] = cls(**kwargs)
    extra = {}
    for f in dataclasses.fields(Dataset):
        if f"dataset.{f.name}" in record:
            extra[f.name] = untag_value(record[f"dataset.{f.name}"])
    return Dataset(plan=parts["plan"], budget=parts["budget"], sources=list(record.get("sources", [])), **extra)


__all__ = ["encode_dataset", "decode_dataset", "dataset_record", "frame_names", "get_frame", "digest"]
