"""The encoder's own limits: raw sentence-transformers rate, and the int8 ONNX twin against it."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from bench.measure import rate, ratio


def raw_encode(model: Any, texts: Sequence[str], batch_size: int = 64) -> dict[str, float | int | None]:
    """The bare SentenceTransformer.encode on these texts: no reading, splitting, storing."""
    started = time.perf_counter()
    model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
    seconds = time.perf_counter() - started
    return {"texts": len(texts), "seconds": round(seconds, 3), "per_s": rate(len(texts), seconds)}


def raw_bracket(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The raw rate measured just before and just after a build, pooled (the machine drifts)."""
    texts = int(before["texts"]) + int(after["texts"])
    seconds = float(before["seconds"]) + float(after["seconds"])
    return {
        "texts": texts,
        "seconds": round(seconds, 3),
        "per_s": rate(texts, seconds),
        "before_per_s": before["per_s"],
        "after_per_s": after["per_s"],
    }


def twin_agreement(st: Any, onnx: Any, texts: Sequence[str], batch_size: int = 64) -> dict[str, object]:
    """Rate of each backend on the same texts (run twice, alternating, best of two) and cosine agreement."""
    best: dict[str, float] = {}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(2):
        for name, embedder in (("st_fp32", st), ("onnx_int8", onnx)):
            started = time.perf_counter()
            vectors[name] = embedder.embed(list(texts), batch_size=batch_size)
            seconds = time.perf_counter() - started
            best[name] = min(best.get(name, seconds), seconds)
    cos = np.sum(vectors["st_fp32"] * vectors["onnx_int8"], axis=1)
    st_rate, onnx_rate = rate(len(texts), best["st_fp32"]), rate(len(texts), best["onnx_int8"])
    return {
        "texts": len(texts),
        "st_fp32_per_s": st_rate,
        "onnx_int8_per_s": onnx_rate,
        "onnx_over_st_rate": ratio(onnx_rate, st_rate),
        "cosine_mean": round(float(cos.mean()), 5),
        "cosine_p01": round(float(np.percentile(cos, 1)), 5),
        "cosine_min": round(float(cos.min()), 5),
    }


def query_latency(embedder: Any, queries: Sequence[str], rounds: int = 2) -> list[float]:
    """Milliseconds per single-query embedding (warm)."""
    embedder.embed([queries[0]])
    out = []
    for _ in range(rounds):
        for q in queries:
            started = time.perf_counter()
            embedder.embed([q])
            out.append((time.perf_counter() - started) * 1000)
    return out


def ranking_agreement(index: Any, st: Any, onnx: Any, questions: Sequence[str], k: int = 5) -> dict[str, object]:
    """Does the ONNX query vector rank like the fp32 one? Same index, same hybrid search, two embedders."""
    from retrieval.search import Retriever

    a, b = Retriever(index, st), Retriever(index, onnx)
    same_sources = same_source_set = same_chunks = same_top1 = 0
    overlaps = []
    for q in questions:
        pa, pb = a.search(q, k=k), b.search(q, k=k)
        sa, sb = [p.chunk.source for p in pa], [p.chunk.source for p in pb]
        ca, cb = [p.chunk.id for p in pa], [p.chunk.id for p in pb]
        same_sources += sa == sb
        same_source_set += set(sa) == set(sb)
        same_chunks += ca == cb
        same_top1 += ca[:1] == cb[:1]
        overlaps.append(len(set(ca) & set(cb)) / max(len(ca), 1))
    n = max(len(questions), 1)
    return {
        "questions": len(questions),
        "k": k,
        "same_topk_sources_in_order": round(same_sources / n, 4),
        "same_topk_source_set": round(same_source_set / n, 4),
        "same_topk_chunks_in_order": round(same_chunks / n, 4),
        "same_top1_chunk": round(same_top1 / n, 4),
        "mean_topk_chunk_overlap": round(float(np.mean(overlaps)) if overlaps else 0.0, 4),
    }
