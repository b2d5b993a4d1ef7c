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

    monkeypatch.setattr(index_module, "write_sqlite", crash)
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
    assert choose_index_type("auto", index_module.IVF_THRESHOLD - 1) == "flat"
    assert choose_index_type("auto", index_module.IVF_THRESHOLD) == "ivf"
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


# ---------------------------------------------------------------- append-only additions

NEW_ARTICLE = (
    "Floods close the Salang pass\n\n"
    "Heavy rain closed the Salang pass on Tuesday, officials said. Hundreds of trucks were stranded.\n"
    "The road is expected to reopen by Friday.\n"
)


def _chunk_keys(index: index_module.Index) -> set[tuple[object, ...]]:
    return {(c.source, c.ordinal, c.text, c.start, c.end, c.line_start, c.line_end, c.sentences) for c in index.chunks}


def _vectors_by_sentence(index: index_module.Index) -> dict[tuple[str, int, int], np.ndarray]:
    return {
        (source, span.start, span.end): index.vectors[row]
        for row, (source, span) in enumerate(zip(index.sentence_source, index.sentence_span, strict=True))
    }


def test_adding_a_file_appends_a_segment_and_equals_a_fresh_build(corpus: Path, tmp_path: Path) -> None:
    embedder = HashEmbedder()
    build_index(corpus, tmp_path / "idx", embedder)
    old_version = current_version(tmp_path / "idx")
    old_manifest = load_index(tmp_path / "idx").manifest
    inodes = {name: (old_version / name).stat().st_ino for name in ("vectors.npy", "chunks.sqlite")}
    (corpus / "zz_new.txt").write_text(NEW_ARTICLE)

    report = build_index(corpus, tmp_path / "idx", embedder)
    assert report.added == ["zz_new.txt"] and not report.changed and not report.removed
    after = load_index(tmp_path / "idx")
    assert report.embedded == len(after.articles["zz_new.txt"].sentences) == 4  # only the new text: title + 3
    version = current_version(tmp_path / "idx")
    segments = after.manifest["segments"]
    assert isinstance(segments, list) and len(segments) == 2 and segments[1]["articles"] == 1
    # the previous segment is carried over untouched: same inode (a hard link), same recorded checksum
    for name, inode in inodes.items():
        assert (version / name).stat().st_ino == inode
        assert after.manifest["checksums"][name] == old_manifest["checksums"][name]  # type: ignore[index]
    assert old_version.exists()  # kept for readers that may still be opening it (a grace period) ...
    assert index_module.collect_versions(tmp_path / "idx", keep=version.name, grace=0) == [old_version.name]
    assert not old_version.exists()  # ... then collected; its data lives on through the links
    assert load_index(tmp_path / "idx").manifest == after.manifest
    assert after.stale_files(corpus) == [] and build_index(corpus, tmp_path / "idx", embedder).up_to_date

    # the new article is searchable
    top = Retriever(after, embedder).search("Why was the Salang pass closed?", k=3)
    assert top[0].chunk.source == "zz_new.txt"

    # and the result is what a build from scratch gives: same chunks, same vectors per sentence
    fresh_report = build_index(corpus, tmp_path / "fresh", embedder, rebuild=True)
    fresh = load_index(tmp_path / "fresh")
    assert fresh_report.chunks == report.chunks and fresh_report.sentences == report.sentences
    assert _chunk_keys(after) == _chunk_keys(fresh)
    appended, scratch = _vectors_by_sentence(after), _vectors_by_sentence(fresh)
    assert appended.keys() == scratch.keys()
    assert all(np.allclose(appended[key], scratch[key], atol=1e-6) for key in scratch)
    # every sentence row maps to the chunks holding it and back, across the segments
    for chunk in after.chunks:
        for i in range(len(chunk.sentences)):
            assert chunk.id in after.sentence_chunks[chunk.first_sentence + i]
            assert after.sentence_source[chunk.first_sentence + i] == chunk.source


@pytest.mark.parametrize("segment", ["vectors.npy", "chunks.sqlite", "vectors-0001.npy", "chunks-0001.sqlite"])
def test_damage_to_any_segment_is_still_caught_after_appends(corpus: Path, tmp_path: Path, segment: str) -> None:
    build_index(corpus, tmp_path / "idx", HashEmbedder())
    (corpus / "zz_new.txt").write_text(NEW_ARTICLE)
    build_index(corpus, tmp_path / "idx", HashEmbedder())
    version = current_version(tmp_path / "idx")
    data = bytearray((version / segment).read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one byte altered: only the checksum can tell
    (version / segment).write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match=rf"{segment} is missing, truncated or altered"):
        load_index(tmp_path / "idx")
    report = build_index(corpus, tmp_path / "idx", HashEmbedder(), rebuild=True)
    assert report.embedded == report.sentences and len(load_index(tmp_path / "idx").articles) == 6


def test_a_missing_segment_makes_an_append_rebuild(corpus: Path, tmp_path: Path) -> None:
    build_index(corpus, tmp_path / "idx", HashEmbedder())
    (current_version(tmp_path / "idx") / "chunks.sqlite").unlink()
    (corpus / "zz_new.txt").write_text(NEW_ARTICLE)
    report = build_index(corpus, tmp_path / "idx", HashEmbedder())  # cannot append to a broken index
    assert report.embedded == report.sentences
    assert len(load_index(tmp_path / "idx").manifest["segments"]) == 1  # type: ignore[arg-type]


def test_changes_and_removals_after_appends_rewrite_one_segment(corpus: Path, tmp_path: Path) -> None:
    embedder = HashEmbedder()
    build_index(corpus, tmp_path / "idx", embedder)
    (corpus / "zz_new.txt").write_text(NEW_ARTICLE)
    build_index(corpus, tmp_path / "idx", embedder)
    (corpus / "zz_other.txt").write_text("Talks resumed in Doha on Monday, a spokesman said.\n")
    third = build_index(corpus, tmp_path / "idx", embedder)
    assert third.embedded == 1 and len(load_index(tmp_path / "idx").manifest["segments"]) == 3  # type: ignore[arg-type]
    (corpus / "zz_new.txt").unlink()
    (corpus / "zz_other.txt").write_text("Talks resumed in Doha on Tuesday, a spokesman said.\n")
    report = build_index(corpus, tmp_path / "idx", embedder)
    assert report.removed == ["zz_new.txt"] and report.changed == ["zz_other.txt"] and report.embedded == 1
    index = load_index(tmp_path / "idx")
    assert len(index.manifest["segments"]) == 1 and "zz_new.txt" not in index.articles  # type: ignore[arg-type]
    assert _chunk_keys(index) == _chunk_keys(load_index(_fresh(corpus, tmp_path / "fresh")))


def _fresh(corpus: Path, index_dir: Path) -> Path:
    build_index(corpus, index_dir, HashEmbedder(), rebuild=True)
    return index_dir


def test_too_many_segments_are_merged(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "MAX_SEGMENTS", 2)
    build_index(corpus, tmp_path / "idx", HashEmbedder())
    for n in range(2):
        (corpus / f"zz_{n}.txt").write_text(f"Report number {n} says the road was reopened.\n")
        build_index(corpus, tmp_path / "idx", HashEmbedder())
    index = load_index(tmp_path / "idx")
    assert len(index.manifest["segments"]) == 1 and {"zz_0.txt", "zz_1.txt"} <= set(index.articles)  # type: ignore[arg-type]


def test_hnsw_index_grows_by_the_new_vectors(corpus: Path, tmp_path: Path) -> None:
    build_index(corpus, tmp_path / "idx", HashEmbedder(), index_type="hnsw")
    (corpus / "zz_new.txt").write_text(NEW_ARTICLE)
    report = build_index(corpus, tmp_path / "idx", HashEmbedder(), index_type="hnsw")
    assert report.embedded == 4
    index = load_index(tmp_path / "idx")
    assert type(index.faiss_index).__name__ == "IndexHNSWFlat" and index.faiss_index.ntotal == report.sentences
    assert len(index.manifest["segments"]) == 2  # type: ignore[arg-type]
    top = Retriever(index, HashEmbedder()).search("Why was the Salang pass closed?", k=3)
    assert top[0].chunk.source == "zz_new.txt"


def test_a_damaged_hnsw_graph_is_not_extended(corpus: Path, tmp_path: Path) -> None:
    build_index(corpus, tmp_path / "idx", HashEmbedder(), index_type="hnsw")
    graph = current_version(tmp_path / "idx") / "index.faiss"
    data = bytearray(graph.read_bytes())
    data[-10] ^= 0xFF
    graph.write_bytes(bytes(data))
    (corpus / "zz_new.txt").write_text(NEW_ARTICLE)
    report = build_index(corpus, tmp_path / "idx", HashEmbedder(), index_type="hnsw")
    assert report.embedded == report.sentences  # rebuilt from scratch, not appended to the damaged graph
    index = load_index(tmp_path / "idx")
    assert index.faiss_index.ntotal == report.sentences and len(index.manifest["segments"]) == 1  # type: ignore[arg-type]


def test_an_index_of_an_older_format_is_rebuilt(corpus: Path, tmp_path: Path) -> None:
    """An index written by an older qabot (no stored parses) is outdated: rebuilt, never read half."""
    import json

    from retrieval.errors import IndexOutdated

    build_index(corpus, tmp_path / "idx", HashEmbedder())
    version = current_version(tmp_path / "idx")
    manifest = json.loads((version / "manifest.json").read_text())
    manifest["format"] = 3
    (version / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexOutdated, match="outdated"):
        load_index(tmp_path / "idx")
    report = build_index(corpus, tmp_path / "idx", HashEmbedder())
    assert not report.up_to_date and report.embedded == report.sentences  # rebuilt from scratch
    index = load_index(tmp_path / "idx")
    assert index.manifest["format"] == index_module.FORMAT
    assert all(len(a.parses) == len(a.sentences) for a in index.articles.values())


# ---------------------------------------------------------------- the loaded corpus, read from SQLite when asked


def _full_read(index: index_module.Index) -> tuple[dict, list, tuple]:  # type: ignore[type-arg]
    """What an index held when everything was read into memory: each article decoded, the chunks made from
    them, the sentence rows as lists."""
    from retrieval.chunking import ChunkConfig
    from retrieval.loaded import sentence_rows
    from retrieval.sentences import make_chunks

    articles = {source: index.articles[source] for source in list(index.articles)}
    config = ChunkConfig(**{k: index.manifest["chunking"][k] for k in ("chunk_size", "overlap", "splitter")})  # type: ignore[index]
    chunks = make_chunks(list(articles.values()), config)
    sources, spans, containing = sentence_rows(articles, chunks)
    return articles, chunks, (list(sources), list(spans), list(containing))


def _assert_reads_like_a_full_read(index: index_module.Index) -> None:
    articles, chunks, (sources, spans, containing) = _full_read(index)
    assert list(index.articles) == list(articles) and dict(index.articles) == articles
    assert list(index.articles.values()) == list(articles.values())  # a pass over every article
    assert list(index.chunks) == chunks and [index.chunks[i] for i in range(len(chunks))] == chunks
    assert index.chunks[-1] == chunks[-1] and index.chunks[1:3] == chunks[1:3]
    for source in articles:
        assert index.chunks_of(source) == [c for c in chunks if c.source == source]
    # the catalogue (`qabot sources`, /sources) comes from the columns and titles alone, and says the same
    assert index.catalogue() == [
        (a.source, a.title, a.date, sum(c.source == a.source for c in chunks)) for a in articles.values()
    ]
    assert list(index.sentence_source) == sources and list(index.sentence_span) == spans
    assert list(index.sentence_chunks) == containing
    assert [index.sentence_source[r] for r in range(len(sources))] == sources  # row by row too
    assert [index.sentence_chunks[r] for r in range(len(sources))] == containing
    assert [index.sentence_text(r) for r in range(len(sources))] == [
        articles[s].text[span.start : span.end] for s, span in zip(sources, spans, strict=True)
    ]
    assert len(sources) == index.vectors.shape[0] and "nowhere.txt" not in index.articles
    with pytest.raises(KeyError):
        index.articles["nowhere.txt"]
    with pytest.raises(IndexError):
        index.chunks[len(chunks)]


def test_loaded_index_reads_what_a_full_read_gives_after_an_append_and_on_reload(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import retrieval.stores.faiss as faiss_store

    monkeypatch.setattr(faiss_store, "ARTICLE_CACHE", 2)  # articles are read again and again: still the same
    build_index(corpus, tmp_path / "idx", HashEmbedder())
    first = load_index(tmp_path / "idx")
    assert isinstance(first.articles, faiss_store.StoredArticles)  # read when asked, not held
    _assert_reads_like_a_full_read(first)
    kept = list(first.articles._cache)
    assert len(kept) == 2 and len(list(first.articles.values())) > 2
    assert list(first.articles._cache) == kept  # a pass over the corpus does not push out what answers read
    (corpus / "zz_new.txt").write_text(NEW_ARTICLE)
    build_index(corpus, tmp_path / "idx", HashEmbedder())
    appended = load_index(tmp_path / "idx")
    assert len(appended.manifest["segments"]) == 2  # type: ignore[arg-type]
    _assert_reads_like_a_full_read(appended)
    assert {s: appended.articles[s] for s in first.articles} == dict(first.articles)  # carried over as they were
    assert appended.chunks[len(first.chunks)].source == "zz_new.txt"  # ids run on into the new segment
    reloaded = load_index(tmp_path / "idx")
    assert dict(reloaded.articles) == dict(appended.articles) and reloaded.chunks == appended.chunks
    assert reloaded.sentence_chunks == appended.sentence_chunks


def test_loaded_articles_are_read_safely_from_several_threads(corpus: Path, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    build_index(corpus, tmp_path / "idx", HashEmbedder())
    expected = dict(load_index(tmp_path / "idx").articles)
    index = load_index(tmp_path / "idx")
    sources = list(expected) * 20

    def read(source: str) -> bool:
        return index.articles[source] == expected[source] and index.chunks_of(source)[0].source == source

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(read, sources))


def test_stored_bm25_ranks_like_one_built_from_the_chunk_texts(corpus: Path, tmp_path: Path) -> None:
    from retrieval.stores.faiss import BM25_FILES, Lexical

    build_index(corpus, tmp_path / "idx", HashEmbedder())
    (corpus / "zz_new.txt").write_text(NEW_ARTICLE)
    build_index(corpus, tmp_path / "idx", HashEmbedder())  # an append makes the model again over all chunks
    index = load_index(tmp_path / "idx")
    assert index.manifest["bm25"] and all(
        (current_version(tmp_path / "idx") / n).is_file() for n in BM25_FILES.values() if "nonoccurrence" not in n
    )
    assert index.store is not None
    built = Lexical(list(index.chunks))
    for query in ("Salang pass closed", "Panjshir resistance Massoud", "Taliban claim capture", "the of and"):
        assert index.store.keyword(query, 20) == built.search(query, 20)
    assert index.store.keyword("Salang pass closed", 3)[0][0] == len(index.chunks) - 1  # the appended article


def test_an_index_without_a_stored_bm25_is_read_and_upgraded_by_the_next_append(corpus: Path, tmp_path: Path) -> None:
    """A format-4 index (no stored BM25 model) is read as it is, BM25 made at load; an append stores one."""
    import json

    from retrieval.stores.faiss import BM25_FILES

    build_index(corpus, tmp_path / "idx", HashEmbedder())
    expected = load_index(tmp_path / "idx").store.keyword("Taliban claim capture", 10)  # type: ignore[union-attr]
    version = current_version(tmp_path / "idx")
    manifest = json.loads((version / "manifest.json").read_text())
    for name in BM25_FILES.values():
        (version / name).unlink(missing_ok=True)
        manifest["checksums"].pop(name, None)
    manifest["format"] = 4
    del manifest["bm25"]
    (version / "manifest.json").write_text(json.dumps(manifest))
    old = load_index(tmp_path / "idx")
    assert old.store is not None and old.store.keyword("Taliban claim capture", 10) == expected
    (corpus / "zz_new.txt").write_text(NEW_ARTICLE)
    report = build_index(corpus, tmp_path / "idx", HashEmbedder())
    upgraded = load_index(tmp_path / "idx")
    assert report.embedded == 4 and upgraded.manifest["format"] == index_module.FORMAT and upgraded.manifest["bm25"]
    assert (
        upgraded.store is not None and upgraded.store.keyword("Salang pass closed", 1)[0][0] == len(upgraded.chunks) - 1
    )


# ---------------------------------------------------------------- what a build imports

_SPLIT = """
import json, sys
{pre}
from pathlib import Path
from retrieval.chunking import spacy_splitter, split_sentences
from retrieval.ingest import load_corpus
articles = split_sentences(load_corpus(Path({seeds!r})).articles, spacy_splitter())
spans = [[[s.start, s.end] for s in a.sentences] for a in articles]
print(json.dumps({{"torch": "torch" in sys.modules, "spans": spans}}))
"""


def _split_in_child(pre: str) -> dict[str, object]:
    import json
    import subprocess
    import sys

    code = _SPLIT.format(pre=pre, seeds=str(SEEDS))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_sentence_splitting_does_not_import_torch_and_splits_the_same() -> None:
    without = _split_in_child("")
    assert without["torch"] is False  # spaCy came without torch
    with_torch = _split_in_child("import torch")  # thinc sees torch, as it did before
    assert with_torch["torch"] is True and with_torch["spans"] == without["spans"]


@pytest.mark.model
def test_the_packaged_model_loads_only_when_something_is_embedded(corpus: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from retrieval.embed import make_embedder\n"
        "from retrieval.index import build_index\n"
        "e = make_embedder('minilm')\n"
        f"r = build_index(Path({str(corpus)!r}), Path({str(tmp_path / 'idx')!r}), e)\n"
        "print(r.embedded, 'torch' in sys.modules)\n"
    )
    run = [sys.executable, "-c", code]
    first = subprocess.run(run, capture_output=True, text=True, timeout=600, check=True).stdout.split()
    assert first[0] != "0" and first[1] == "True"
    again = subprocess.run(run, capture_output=True, text=True, timeout=600, check=True).stdout.split()
    assert again == ["0", "False"]  # an unchanged corpus: no model, no torch
