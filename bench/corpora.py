"""The corpora of the benchmark: seeds/, the RGB passage pool, synthetic corpora of real sentences."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from pathlib import Path

RGB_FILE = Path("/work/shared/data/rgb_en_fact.jsonl")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def rgb_records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def rgb_passages(path: Path) -> list[str]:
    """The unique positive + negative passages of every question, in file order (~970)."""
    seen: dict[str, None] = {}
    for record in rgb_records(path):
        for key in ("positive", "negative"):
            for text in record.get(key, []):  # type: ignore[attr-defined]
                if isinstance(text, str) and text.strip():
                    seen.setdefault(text.strip(), None)
    return list(seen)


def rgb_queries(path: Path) -> list[str]:
    return [str(r["query"]) for r in rgb_records(path)]


def write_rgb_corpus(path: Path, folder: Path) -> Path:
    """The passage pool as a one-file .jsonl corpus ({"text": ...} a line) in its own folder."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"text": text}, ensure_ascii=False) for text in rgb_passages(path)]
    (folder / "rgb_pool.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def split_units(text: str, min_chars: int = 25) -> list[str]:
    """Rough sentences (split at . ! ? followed by space) of every non-empty line."""
    units = []
    for line in text.splitlines():
        for piece in _SENTENCE_END.split(line.strip()):
            piece = piece.strip()
            if len(piece) >= min_chars:
                units.append(piece)
    return units


def real_sentences(seeds: Path, rgb: Path) -> list[str]:
    """The unique sentences of seeds/ and of the RGB passages: the material of the synthetic corpora."""
    seen: dict[str, None] = {}
    for file in sorted(seeds.glob("*.txt")):
        for unit in split_units(file.read_text(encoding="utf-8")):
            seen.setdefault(unit, None)
    for passage in rgb_passages(rgb):
        for unit in split_units(passage):
            seen.setdefault(unit, None)
    return list(seen)


def estimate_chunks(sentence_lengths: Sequence[int], chunk_size: int, overlap: int, gap: int = 1) -> int:
    """How many chunks retrieval.chunking packs these sentences into (same greedy rule, one paragraph)."""
    starts, pos = [], 0
    for length in sentence_lengths:
        starts.append(pos)
        pos += length + gap
    ends = [s + n for s, n in zip(starts, sentence_lengths, strict=True)]
    count, i = 0, 0
    while i < len(starts):
        j = i + 1
        while j < len(starts) and ends[j] - starts[i] <= chunk_size:
            j += 1
        count += 1
        if j >= len(starts):
            break
        i = max(j - overlap, i + 1)
    return count


def write_synthetic_corpus(
    folder: Path,
    sentences: Sequence[str],
    target_chunks: int,
    seed: int = 7,
    sentences_per_article: int = 24,
    per_paragraph: int = 4,
    chunk_size: int = 600,
    overlap: int = 1,
) -> dict[str, int]:
    """Article files of shuffled real sentences until the estimated chunk count reaches target_chunks.

    Each file: a title line, a blank line, then paragraphs of `per_paragraph` sentences, one a line. Sentences
    repeat across files (the pool is a few thousand); the order never does."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pool = list(sentences)
    chunks = files = total_sentences = 0
    while chunks < target_chunks:
        picked = rng.sample(pool, min(sentences_per_article, len(pool)))
        # one sentence a line (qabot splits line by line, so its sentences are these, found in the vector cache)
        paragraphs = ["\n".join(picked[i : i + per_paragraph]) for i in range(0, len(picked), per_paragraph)]
        title = f"Synthetic article {files:06d}: " + " ".join(picked[0].split()[:8])
        text = title + "\n\n" + "\n\n".join(paragraphs) + "\n"
        sub = folder / f"{files // 1000:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"a{files:06d}.txt").write_text(text, encoding="utf-8")
        chunks += estimate_chunks([len(title)] + [len(s) for s in picked], chunk_size, overlap)
        files += 1
        total_sentences += len(picked)
    return {"files": files, "sentences": total_sentences, "estimated_chunks": chunks}


def extra_article(sentences: Sequence[str], seed: int = 99, n: int = 24) -> str:
    """One more article (for the incremental-update measurement)."""
    rng = random.Random(seed)
    picked = rng.sample(list(sentences), min(n, len(sentences)))
    return "An added article for the incremental update\n\n" + " ".join(picked) + "\n"
