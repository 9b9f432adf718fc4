"""Seeds derived from names, so every random choice is reproducible and independent of order.

A sample's seed depends on (workflow seed, model, benchmark, task, sample index) alone: the
same sample gets the same randomness whichever shard, batch or machine it is drawn in.
"""

from __future__ import annotations

import hashlib


def derive_seed(*parts) -> int:
    """A 63-bit seed from any parts, stable across processes and Python versions."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1
