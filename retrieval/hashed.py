"""Many strings held compactly: their 64-bit hashes, sorted (8 bytes a string, against about 100 in a dict
or set), with an optional int32 value each. The hashes are this process's own (`hash`), made when the
table is built and never stored. Two strings colliding among a million is a chance of about 1 in 30
million."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


class HashedKeys:
    """Membership, and a value per key when values are given."""

    def __init__(self, keys: Iterable[str], values: Iterable[int] | None = None) -> None:
        hashes = np.fromiter(map(hash, keys), dtype=np.int64)
        order = np.argsort(hashes, kind="stable")
        self.hashes = hashes[order]
        self.values = np.fromiter(values, dtype=np.int64)[order].astype(np.int32) if values is not None else None

    def __len__(self) -> int:
        return len(self.hashes)

    def _at(self, key: str) -> int | None:
        h = hash(key)
        at = int(np.searchsorted(self.hashes, h))
        return at if at < len(self.hashes) and self.hashes[at] == h else None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._at(key) is not None

    def get(self, key: str) -> int | None:
        """The key's value, or None for a key not held (or a table without values)."""
        at = self._at(key)
        return None if at is None or self.values is None else int(self.values[at])
