"""Atomic outputs: whole or absent, with the permissions a plain write would give."""

from __future__ import annotations

import os
import stat

import pytest

from budget_realloc.io import atomic_directory, atomic_path, write_text


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_outputs_get_the_modes_of_a_plain_write(tmp_path):
    (tmp_path / "plain.txt").write_text("x")
    (tmp_path / "plain").mkdir()
    write_text("x", tmp_path / "atomic.txt")
    with atomic_directory(tmp_path / "atomic") as folder:
        (folder / "inside").write_text("x")
    assert mode(tmp_path / "atomic.txt") == mode(tmp_path / "plain.txt")
    assert mode(tmp_path / "atomic") == mode(tmp_path / "plain")


def test_a_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
