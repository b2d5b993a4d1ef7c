"""Vector stores, chosen by `QABOT_VECTOR_STORE` (retrieval/stores/base.py has the interface).

"faiss"   (default) FAISS + bm25s + SQLite in versioned folders at QABOT_INDEX_DIR, embedded
"milvus"  a Milvus collection at QABOT_MILVUS_URI: a path ending in .db runs Milvus Lite in-process,
          http://HOST:19530 a Milvus server (QABOT_MILVUS_TOKEN for auth). `pip install qabot[milvus]`
"""

from __future__ import annotations

from typing import Any

from retrieval.registry import Registry
from retrieval.stores.base import Backend

STORES: Registry[Backend] = Registry("vector store")


@STORES.register("faiss")
def _faiss(settings: Any) -> Backend:
    from retrieval.stores.faiss import FaissBackend

    return FaissBackend(settings.index_dir)


@STORES.register("milvus")
def _milvus(settings: Any) -> Backend:
    from retrieval.stores.milvus import MilvusBackend

    return MilvusBackend(settings.milvus_db, settings.milvus_token.get_secret_value(), settings.milvus_collection)


def open_store(settings: Any) -> Backend:
    """The store the settings name (`vector_store`), not yet loaded."""
    return STORES.make(settings.vector_store, settings)
