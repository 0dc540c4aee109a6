"""Helpers for the PGx tests: edit a synthetic VCF's text."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def write_text(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def lines_without(text: str, positions: Sequence[int]) -> str:
    keep = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) > 1 and fields[1].isdigit() and int(fields[1]) in positions:
            continue
        keep.append(line)
    return "\n".join(keep) + "\n"
