"""Shared fixtures: the real offline packs and the shared sources beside the clone."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "geodata-sources").exists():
        pytest.skip(f"../shared not found beside the clone ({SHARED})")
    return SHARED


@pytest.fixture(scope="session")
def packs():
    from islandcare.data.pack import load_pack

    return {k: load_pack(k) for k in ("shengsi", "putuo", "fenghua")}
