"""The on-disk index: build, incremental updates, atomic switch, corruption, index type."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import retrieval.index as index_module
from retrieval.embed import HashEmbedder
from retrieval.errors import IndexCorrupt, IndexMissing
from retrieval.index import build_index, choose_index_type, current_version, load_index
from retrieval.search import Retriever
from tests.conftest import SEEDS


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    shutil.copytree(SEEDS, root)
    return root


def test_build_then_unchanged_does_no_work(corpus: Path, tmp_path: Path) -> None:
    embedder = HashEmbedder()
    first = build_index(corpus, tmp_path / "idx", embedder)
    assert first.files == 5 and first.embedded == first.sentences > 100 and not first.up_to_date
    version = current_version(tmp_path / "idx")
    again = build_index(corpus, tmp_path / "idx", embedder)
    assert again.up_to_date and again.embedded == 0
    assert current_version(tmp_path / "idx") == version  # nothing rewritten
    index = load_index(tmp_path / "idx")
    assert index.manifest["model_id"] == "hash-384" and index.manifest["index_type"] == "flat"
    assert set(index.files) == {p.name for p in corpus.iterdir()}


def test_incremental_add_change_delete(corpus: Path, tmp_path: Path) -> None:
    embedder = HashEmbedder()
    build_index(corpus, tmp_path / "idx", embedder)
    before = load_index(tmp_path / "idx")
    (corpus / "new.txt").write_text("A new article. It says the road to the valley was closed on Monday.\n")
    target = "001_429acb889b854624.txt"
    (corpus / target).write_text((corpus / target).read_text() + "\n\nAn added closing line about talks.\n")
    (corpus / "004_d43c2334b4d5c13b.txt").unlink()
    report = build_index(corpus, tmp_path / "idx", embedder)
    assert report.added == ["new.txt"] and report.changed == [target]
    assert report.removed == ["004_d43c2334b4d5c13b.txt"]
    after = load_index(tmp_path / "idx")
    assert report.embedded == len(after.articles["new.txt"].sentences) + len(after.articles[target].sentences)
    assert "004_d43c2334b4d5c13b.txt" not in after.articles
    # vectors of untouched articles were carried over, row for row
    kept = "000_4f3a661b7eca570c.txt"
    old_rows = [i for i, s in enumerate(before.sentence_source) if s == kept]
    new_rows = [i for i, s in enumerate(after.sentence_source) if s == kept]
    assert np.array_equal(before.vectors[old_rows], after.vectors[new_rows])
    # every sentence row maps to the chunks holding it and back
    for chunk in after.chunks:
        for i in range(len(chunk.sentences)):
            assert chunk.id in after.sentence_chunks[chunk.first_sentence + i]
            assert after.sentence_source[chunk.first_sentence + i] == chunk.source
    assert after.stale_files(corpus) == []


def test_crash_mid_build_keeps_previous_index(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = HashEmbedder()
    build_index(corpus, tmp_path / "idx", embedder)
    (corpus / "new.txt").write_text("Something new happened in the valley today.\n")

    def crash(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(index_module, "_write_sqlite", crash)
    with pytest.raises(RuntimeError):
        build_index(corpus, tmp_path / "idx", embedder)
    index = load_index(tmp_path / "idx")  # still the previous, complete build
    assert "new.txt" not in index.articles and len(index.articles) == 5
    assert not [p for p in (tmp_path / "idx").iterdir() if p.name.startswith(".tmp-")]


@pytest.mark.parametrize("damage", ["truncate-vectors", "garbage-manifest", "missing-sqlite", "bad-pointer"])
def test_corrupt_index_names_the_fix(corpus: Path, tmp_path: Path, damage: str) -> None:
    build_index(corpus, tmp_path / "idx", HashEmbedder())
    version = current_version(tmp_path / "idx")
    if damage == "truncate-vectors":
        data = (version / "vectors.npy").read_bytes()
        (version / "vectors.npy").write_bytes(data[: len(data) // 2])
    elif damage == "garbage-manifest":
        (version / "manifest.json").write_text("{not json")
    elif damage == "missing-sqlite":
        (version / "chunks.sqlite").unlink()
    else:
        (tmp_path / "idx" / "CURRENT").write_text("v-nowhere")
    with pytest.raises(IndexCorrupt, match=r"qabot index --rebuild"):
        load_index(tmp_path / "idx")
    # and `qabot index` repairs it: a corrupt previous index is rebuilt from scratch
    report = build_index(corpus, tmp_path / "idx", HashEmbedder())
    assert report.embedded > 0 and len(load_index(tmp_path / "idx").articles) == 5


def test_missing_index_and_model_mismatch(corpus: Path, tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="qabot index"):
        load_index(tmp_path / "nothing")
    build_index(corpus, tmp_path / "idx", HashEmbedder())
    other = HashEmbedder(dim=128)
    other.model_id = "another-model"
    with pytest.raises(IndexCorrupt, match="built with hash-384"):
        Retriever(load_index(tmp_path / "idx"), other)


def test_index_type_choice(corpus: Path, tmp_path: Path) -> None:
    assert choose_index_type("auto", 10) == "flat"
    assert choose_index_type("auto", index_module.HNSW_THRESHOLD) == "hnsw"
    with pytest.raises(ValueError):
        choose_index_type("lsh", 10)
    build_index(corpus, tmp_path / "idx", HashEmbedder(), index_type="hnsw")
    index = load_index(tmp_path / "idx")
    assert index.manifest["index_type"] == "hnsw" and type(index.faiss_index).__name__ == "IndexHNSWFlat"
    passages = Retriever(index, HashEmbedder()).search("Which district did the Taliban overrun?", k=3)
    assert passages and passages[0].rank == 1


def test_no_pickle_in_index_files(corpus: Path, tmp_path: Path) -> None:
    build_index(corpus, tmp_path / "idx", HashEmbedder())
    version = current_version(tmp_path / "idx")
    assert np.load(version / "vectors.npy", allow_pickle=False).dtype == np.float32
    for file in version.iterdir():
        assert b"\x80\x04\x95" not in file.read_bytes()[:64]  # no pickle protocol-4 header


def test_ensure_index_rebuilds_when_chunking_changed(corpus: Path, tmp_path: Path) -> None:
    from bot.core import ensure_index
    from tests.conftest import make_settings

    first = ensure_index(make_settings(tmp_path, corpus=corpus))
    assert first.manifest["chunking"]["chunk_size"] == 600  # type: ignore[index]
    second = ensure_index(make_settings(tmp_path, corpus=corpus, chunk_size=300))
    assert second.manifest["chunking"]["chunk_size"] == 300  # type: ignore[index]
    assert len(second.chunks) > len(first.chunks)
    (corpus / "new.txt").write_text("A late report says the road was reopened.\n")
    third = ensure_index(make_settings(tmp_path, corpus=corpus, chunk_size=300))
    assert "new.txt" in third.articles  # a changed corpus is picked up on the next start
