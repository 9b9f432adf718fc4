"""Shared fixtures: a tiny tokenizer and models built here, the repository and shared data paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO / ".." / "shared" / "data").resolve()
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def shared(relative: str) -> Path:
    """A file of ../shared/data, or skip: the tests that need real benchmark files say so."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path} is not on this machine")
    return path


@pytest.fixture(scope="session")
def tokenizer_dir(tmp_path_factory) -> Path:
    from budget_realloc.tiny_models import train_tokenizer

    out = tmp_path_factory.mktemp("tokenizer") / "tok"
    train_tokenizer(out, vocab_size=1024, corpus_bytes=400_000)
    return out


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, tokenizer_dir) -> Path:
    from budget_realloc.tiny_models import build_model

    out = tmp_path_factory.mktemp("models") / "tiny-s"
    build_model(REPO / "resources" / "models" / "tiny-s.json", tokenizer_dir, out, seed=0, name="tiny-s")
    return out
