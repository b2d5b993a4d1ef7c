"""The LangChain tutorial pipeline, the baseline qabot is measured against.

RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200), the same all-MiniLM-L6-v2 through
langchain-huggingface's HuggingFaceEmbeddings (sentence-transformers, fp32), FAISS IndexFlatL2 used
directly (what langchain-community's FAISS wrapper builds; the wrapper itself is archived and pickles
its docstore), top-4. Persisted with faiss.write_index + JSON, so a cold query can be timed too.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

K = 4


def tutorial_embeddings() -> Any:
    """HuggingFaceEmbeddings over the packaged MiniLM, offline."""
    from langchain_huggingface import HuggingFaceEmbeddings

    from retrieval.embed import minilm_dir, offline

    offline()
    return HuggingFaceEmbeddings(model=str(minilm_dir()), model_kwargs={"device": "cpu"})


def corpus_documents(corpus: Path) -> list[tuple[str, str]]:
    """(source, text) of every .txt/.md file and every .jsonl record, read as a tutorial loader would."""
    docs = []
    for path in sorted(corpus.rglob("*")):
        if not path.is_file() or any(p.startswith(".") for p in path.relative_to(corpus).parts):
            continue
        source = path.relative_to(corpus).as_posix()
        if path.suffix in {".txt", ".md"}:
            docs.append((source, path.read_text(encoding="utf-8")))
        elif path.suffix == ".jsonl":
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if line.strip():
                    docs.append((f"{source}#{number}", json.loads(line)["text"]))
    return docs


@dataclass
class TutorialIndex:
    sources: list[str]
    texts: list[str]
    index: Any = field(repr=False)

    def search(self, embeddings: Any, query: str, k: int = K) -> list[tuple[str, str, float]]:
        qvec = np.asarray(embeddings.embed_query(query), dtype=np.float32).reshape(1, -1)
        distances, rows = self.index.search(qvec, k)
        return [
            (self.sources[r], self.texts[r], float(d)) for r, d in zip(rows[0], distances[0], strict=True) if r >= 0
        ]

    def save(self, folder: Path) -> None:
        import faiss

        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.index, str(folder / "index.faiss"))
        (folder / "chunks.json").write_text(json.dumps({"sources": self.sources, "texts": self.texts}))

    @classmethod
    def load(cls, folder: Path) -> TutorialIndex:
        import faiss

        data = json.loads((folder / "chunks.json").read_text())
        return cls(data["sources"], data["texts"], faiss.read_index(str(folder / "index.faiss")))


def split(docs: list[tuple[str, str]], chunk_size: int = 1000, overlap: int = 200) -> tuple[list[str], list[str]]:
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=overlap, add_start_index=True)
    pieces = splitter.split_documents([Document(page_content=t, metadata={"source": s}) for s, t in docs])
    return [p.metadata["source"] for p in pieces], [p.page_content for p in pieces]


def build(corpus: Path, embeddings: Any) -> tuple[TutorialIndex, dict[str, float | int]]:
    """Load, split, embed, index; with the time of each stage."""
    import faiss

    t0 = time.perf_counter()
    docs = corpus_documents(corpus)
    t1 = time.perf_counter()
    sources, texts = split(docs)
    t2 = time.perf_counter()
    vectors = np.asarray(embeddings.embed_documents(texts), dtype=np.float32).reshape(len(texts), -1)
    t3 = time.perf_counter()
    index = faiss.IndexFlatL2(vectors.shape[1])
    index.add(vectors)
    t4 = time.perf_counter()
    stats: dict[str, float | int] = {
        "documents": len(docs),
        "chunks": len(texts),
        "characters": sum(len(t) for t in texts),
        "load_s": round(t1 - t0, 3),
        "split_s": round(t2 - t1, 3),
        "embed_s": round(t3 - t2, 3),
        "index_s": round(t4 - t3, 3),
        "seconds": round(t4 - t0, 3),
    }
    return TutorialIndex(sources, texts, index), stats


def cold_main(argv: list[str]) -> int:
    """`python -m bench.tutorial FOLDER QUESTION`: a fresh process from imports to printed passages."""
    folder, question = Path(argv[0]), argv[1]
    embeddings = tutorial_embeddings()
    hits = TutorialIndex.load(folder).search(embeddings, question)
    for source, text, distance in hits:
        print(f"{source}  {distance:.4f}  {text[:80]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(cold_main(sys.argv[1:]))
