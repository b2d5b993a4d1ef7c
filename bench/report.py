"""The bench results as Markdown tables (printed by `qabot bench`, pasted into BENCHMARKS.md)."""

from __future__ import annotations

from typing import Any


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _g(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _ratio(a: Any, b: Any) -> float | None:
    return round(a / b, 3) if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else None


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_fmt(c) for c in row) + " |" for row in rows]
    return lines


def corpus_table(name: str, c: dict[str, Any]) -> list[str]:
    q, t, lat = c.get("qabot_build") or {}, c.get("tutorial_build") or {}, c.get("latency") or {}
    rows: list[list[Any]] = []

    def row(label: str, ours: Any, theirs: Any, ratio: Any = None) -> None:
        rows.append([label, ours, theirs, ratio])

    row(
        "articles / chunks",
        f"{_fmt(q.get('articles'))} / {_fmt(q.get('chunks'))}",
        f"{_fmt(t.get('documents'))} / {_fmt(t.get('chunks'))}" if t else None,
    )
    row("vectors (qabot: sentences)", q.get("sentences"), t.get("chunks") if t else None)
    row("build time (s)", q.get("seconds"), t.get("seconds"), c.get("build_seconds_qabot_over_tutorial"))
    if q.get("projected_seconds") is not None:
        row(
            "  pipeline without encoder / projected total (s)",
            f"{_fmt(q.get('pipeline_without_encoder_s'))} / {_fmt(q.get('projected_seconds'))}",
            None,
        )
    row("chunks/s", q.get("chunks_per_s"), t.get("chunks_per_s"))
    row("articles/s", q.get("articles_per_s"), t.get("articles_per_s"))
    row(
        "sentences/s (qabot)",
        q.get("sentences_per_s") if q.get("projected_seconds") is None else q.get("projected_sentences_per_s"),
        None,
    )
    row("raw encoder, same texts (texts/s)", q.get("raw_sentences_per_s"), _g(t, "raw_encoder", "per_s"))
    row("build rate / raw encoder rate", q.get("overhead_ratio"), t.get("overhead_ratio"))
    row("build peak RSS (MB, whole process)", q.get("build_peak_rss_mb"), t.get("build_peak_rss_mb"))
    s, a, r = lat.get("qabot_search_ms") or {}, lat.get("qabot_answer_ms") or {}, lat.get("tutorial_retrieval_ms") or {}
    row(
        "warm search p50 / p95 (ms)",
        f"{_fmt(s.get('p50'))} / {_fmt(s.get('p95'))}",
        f"{_fmt(r.get('p50'))} / {_fmt(r.get('p95'))}" if r else None,
        lat.get("search_over_tutorial_p50"),
    )
    row(
        "warm answer p50 / p95 (ms)",
        f"{_fmt(a.get('p50'))} / {_fmt(a.get('p95'))}" if a else None,
        "(retrieval only)" if r else None,
        lat.get("answer_over_tutorial_p50"),
    )
    r1 = lat.get("tutorial_retrieval_1thread_ms") or {}
    if r1:
        row(
            "  tutorial with torch on 1 thread: p50 / p95 (ms)",
            None,
            f"{_fmt(r1.get('p50'))} / {_fmt(r1.get('p95'))}",
            _ratio(a.get("p50"), r1.get("p50")),
        )
    hits = c.get("retrieval_hits")
    if hits:
        row(
            f"source hit@1 / hit@4 ({hits['questions']} q)",
            f"{hits['qabot_hit1']:.3f} / {hits['qabot_hit4']:.3f}",
            f"{hits['tutorial_hit1']:.3f} / {hits['tutorial_hit4']:.3f}",
        )
    fq = c.get("faiss_single_query_ms") or {}
    if fq:
        row(
            f"dense step alone p50, FAISS {fq.get('default_threads')} threads / 1 thread (ms)",
            f"{_fmt(fq.get('default_threads_p50'))} / {_fmt(fq.get('one_thread_p50'))}",
            None,
        )
    inc = c.get("incremental")
    if inc:
        row("add one article (s)", inc.get("add_one_article_s"), None)
        stages = inc.get("add_one_article_stages_s") or {}
        if stages:
            row("  its stages (s)", ", ".join(f"{k} {_fmt(v)}" for k, v in stages.items()), None)
        row("re-index unchanged corpus (s)", inc.get("unchanged_s"), None)
        for key, label in (("fresh_process_add_one", "add one"), ("fresh_process_unchanged", "unchanged")):
            child = inc.get(key)
            if child:
                row(f"`qabot index` in a fresh process, {label} (s)", child.get("seconds"), None)
    title = f"### {name}: {_fmt(lat.get('questions'))} questions x {_fmt(lat.get('rounds'))} rounds"
    return [title, "", *_table(["", "qabot", "tutorial", "qabot/tutorial"], rows), ""]


def to_markdown(results: dict[str, Any]) -> str:
    m = results.get("machine", {})
    lines = [
        f"Run {results.get('started_at')} (git {m.get('git')}), {m.get('cpus')} CPUs, "
        f"load average {m.get('loadavg_start')} -> {m.get('loadavg_end')}, torch threads {m.get('torch_threads')}; "
        f"run time {results.get('seconds')} s.",
        "",
        "## Floors",
        "",
        *_table(
            ["floor", "target", "measured", "met"],
            [[f["floor"], f["target"], f["value"], f["met"]] for f in results.get("floors", [])],
        ),
        "",
    ]
    for name, c in (results.get("corpora") or {}).items():
        if isinstance(c, dict) and "error" not in c:
            lines += corpus_table(name, c)
        else:
            lines += [f"### {name}: failed", "", f"`{c}`", ""]
    enc = results.get("encoder")
    if enc:
        tw, qe = enc.get("twin", {}), enc.get("query_embed_ms", {})
        rows = [
            [
                "batch rate, same texts (texts/s)",
                _g(tw, "st_fp32_per_s"),
                _g(tw, "onnx_int8_per_s"),
                _g(tw, "onnx_over_st_rate"),
            ],
            ["single query p50 (ms)", _g(qe, "st_fp32", "p50"), _g(qe, "onnx_int8", "p50"), _g(qe, "onnx_over_st_p50")],
            [
                "cosine(fp32, int8) mean / p01 / min",
                None,
                f"{_fmt(tw.get('cosine_mean'), 4)} / {_fmt(tw.get('cosine_p01'), 4)} / {_fmt(tw.get('cosine_min'), 4)}",
                None,
            ],
        ]
        for key in ("rankings_seeds", "rankings_rgb"):
            rk = enc.get(key)
            if rk:
                rows.append(
                    [
                        f"{key}: same top-5 sources in order / as a set / same chunks ({rk['questions']} q)",
                        None,
                        f"{rk['same_topk_sources_in_order']:.3f} / {rk['same_topk_source_set']:.3f} / "
                        f"{rk['same_topk_chunks_in_order']:.3f}",
                        None,
                    ]
                )
        oi = enc.get("onnx_index_seeds")
        if oi:
            rows.append(
                [
                    "seeds, index+queries int8 vs all fp32: same top-5 sources in order / set",
                    None,
                    f"{oi['same_top5_sources_in_order']:.3f} / {oi['same_top5_source_set']:.3f}",
                    None,
                ]
            )
        lines += [
            "### Encoder: sentence-transformers fp32 vs int8 ONNX twin",
            "",
            *_table(["", "fp32", "int8 ONNX", "int8/fp32"], rows),
            "",
        ]
    cold = results.get("cold_start")
    if cold:
        rows = [
            [name, _g(cold, name, "seconds_p50"), _g(cold, name, "peak_rss_mb"), _g(cold, name, "seconds_all")]
            for name in ("qabot_help", "qabot_ask", "tutorial_query")
        ]
        rows.append(["qabot ask / tutorial", cold.get("ask_over_tutorial"), cold.get("ask_rss_over_tutorial"), None])
        lines += [
            f'### Cold start (fresh process, seeds index built): "{cold.get("question")}"',
            "",
            *_table(["", "seconds (median)", "peak RSS (MB)", "all runs (s)"], rows),
            "",
        ]
    for f1m in [results.get("faiss_1m"), *(results.get("faiss_1m_other") or [])]:
        lines += faiss_table(f1m)
    return "\n".join(lines)


def faiss_table(f1m: Any) -> list[str]:
    lines: list[str] = []
    if f1m and "error" not in f1m:
        peak = f1m.get("child_peak_rss_mb") or f1m.get("peak_rss_mb")
        rows = [[s["nprobe"], f"{s['recall_at_10']:.4f}", s["p50"], s["p95"]] for s in f1m.get("sweep", [])]
        lines += [
            f"### FAISS alone: {_fmt(f1m.get('vectors'))} {f1m.get('kind')} 384-d vectors, {f1m.get('index')}"
            + (f" (noise {f1m['noise']}, from {f1m['base_vectors']} real embeddings)" if f1m.get("noise") else ""),
            "",
            f"build {_fmt(f1m.get('build_s'))} s (train {_fmt(f1m.get('train_s'))} s + add {_fmt(f1m.get('add_s'))} s),"
            f" index ~{_fmt(f1m.get('index_mb'))} MB, peak RSS {_fmt(peak)} MB,"
            f" exact search {_fmt(f1m.get('exact_ms_per_query_batched'))} ms/query (batched).",
            "",
            *_table(["nprobe", "recall@10", "p50 (ms, 1 thread)", "p95 (ms)"], rows),
            "",
        ]
    elif f1m:
        lines += ["### FAISS 1M: failed", "", f"`{f1m}`", ""]
    return lines


def reuters_markdown(r: dict[str, Any]) -> str:
    """The `qabot bench --reuters` results: one table qabot beside the tutorial, then the floors."""
    b, q, t, inc = r.get("build") or {}, r.get("qabot") or {}, r.get("tutorial") or {}, r.get("incremental") or {}
    m = r.get("machine_start") or {}
    lines = [
        f"Reuters-21578, {_fmt(r.get('stories'))} stories, embedder {r.get('embedder')}; "
        f"{m.get('nproc')} cores, load average {m.get('loadavg')} at start, "
        f"{(r.get('machine_end') or {}).get('loadavg')} at end; {m.get('date')}",
        "",
    ]
    rows: list[list[Any]] = [
        ["stories / chunks", f"{_fmt(b.get('articles'))} / {_fmt(b.get('chunks'))}",
         f"{_fmt(t.get('documents'))} / {_fmt(t.get('chunks'))}" if t else None],
        ["vectors (qabot: sentences)", b.get("sentences"), t.get("chunks")],
        ["build time (s)", b.get("seconds"), t.get("seconds")],
        ["build rate (qabot: sentences/s; tutorial: chunks/s)", b.get("sentences_per_s"), t.get("chunks_per_s")],
        ["raw encoder rate, same sentences (texts/s)", b.get("raw_encoder_per_s"), None],
        ["build rate / raw encoder rate (mean of before and after; against the faster)",
         f"{_fmt(b.get('build_over_raw_rate'))} ({_fmt(b.get('build_over_fastest_raw_rate'))})"
         if b.get("build_over_fastest_raw_rate") is not None else b.get("build_over_raw_rate"), None],
        ["encoder inside the build (texts/s) / build rate over it",
         f"{_fmt(b.get('encoder_in_build_per_s'))} / {_fmt(b.get('build_over_encoder_in_build'))}"
         if b.get("encoder_in_build_per_s") is not None else None, None],
        ["index type / size on disk (MB)", f"{b.get('index_type')} / {_fmt(b.get('disk_mb'))}", None],
        ["build peak RSS (MB, whole process)", b.get("peak_rss_mb"), t.get("peak_rss_mb")],
        [f"add {inc.get('stories_added')} stories / re-index unchanged (s)",
         f"{_fmt(inc.get('seconds'))} / {_fmt(inc.get('unchanged_seconds'))}" if inc else None, None],
        ["warm search p50 / p95 (ms)", f"{_fmt(_g(q, 'search_ms', 'p50'))} / {_fmt(_g(q, 'search_ms', 'p95'))}",
         f"{_fmt(_g(t, 'search_ms', 'p50'))} / {_fmt(_g(t, 'search_ms', 'p95'))}" if t else None],
        ["warm answer p50 / p95 (ms)", f"{_fmt(_g(q, 'answer_ms', 'p50'))} / {_fmt(_g(q, 'answer_ms', 'p95'))}",
         "(retrieval only)"],
        [f"story hit@1 / hit@4 ({_g(r, 'questions', 'count')} generated questions)",
         f"{_fmt(q.get('hit_at_1'))} / {_fmt(q.get('hit_at_4'))}",
         f"{_fmt(t.get('hit_at_1'))} / {_fmt(t.get('hit_at_4'))}" if t else None],
        ["answer cites the story first / short answer holds the replaced mention",
         f"{_fmt(q.get('first_citation_from_story'))} / {_fmt(q.get('short_answer_holds_mention'))}", None],
    ]  # fmt: skip
    lines += _table(["", "qabot", "tutorial"], rows)
    lines += ["", *_floor_table(r)]
    return "\n".join(lines)


def million_markdown(r: dict[str, Any]) -> str:
    """The `qabot bench --million` results: the corpus made, the build, the loaded index, the floors."""
    c, b, m = r.get("corpus") or {}, r.get("build") or {}, r.get("measure") or {}
    s = r.get("machine_start") or {}
    lines = [
        f"{_fmt(b.get('sentences'))} sentence vectors ({_fmt(c.get('real_sentences'))} real, "
        f"{_fmt(c.get('generated_sentences'))} generated, noise {c.get('noise')}); {s.get('nproc')} cores, "
        f"load average {s.get('loadavg')} at start, {(r.get('machine_end') or {}).get('loadavg')} at end; "
        f"{s.get('date')}",
        "",
    ]
    rows: list[list[Any]] = [
        ["articles / chunks / sentences",
         f"{_fmt(b.get('articles'))} / {_fmt(b.get('chunks'))} / {_fmt(b.get('sentences'))}"],
        ["index type (auto)", b.get("index_type")],
        ["build from precomputed vectors (s) / peak RSS (MB)",
         f"{_fmt(b.get('seconds'))} / {_fmt(b.get('peak_rss_mb'))}"],
        ["size on disk (MB)", b.get("disk_mb")],
        ["load in a fresh process, QABot.load (s)", m.get("load_seconds")],
        ["memory of the loaded index (MB: RSS after load - before)", m.get("index_memory_mb")],
        ["raw vectors + text (MB)", f"{_fmt(m.get('raw_vector_mb'))} + {_fmt(m.get('text_mb'))}"],
        ["memory / (raw vectors + text)", m.get("memory_over_vectors_plus_text")],
        ["first answer after the load (s)", m.get("first_answer_seconds")],
        ["memory once answering / (raw vectors + text)", m.get("memory_answering_over_vectors_plus_text")],
        ["warm search p50 / p95 (ms)", f"{_fmt(_g(m, 'search_ms', 'p50'))} / {_fmt(_g(m, 'search_ms', 'p95'))}"],
        ["warm answer p50 / p95 (ms)", f"{_fmt(_g(m, 'answer_ms', 'p50'))} / {_fmt(_g(m, 'answer_ms', 'p95'))}"],
        ["dense recall@10 vs exact search", m.get("recall_at_10")],
        ["story hit@1 / hit@4 of the generated questions",
         f"{_fmt(m.get('hit_at_1'))} / {_fmt(m.get('hit_at_4'))}"],
    ]  # fmt: skip
    lines += _table(["", "qabot"], rows)
    lines += ["", *_floor_table(r)]
    return "\n".join(lines)


def _floor_table(r: dict[str, Any]) -> list[str]:
    return _table(
        ["floor", "target", "measured", "met"],
        [[f[k] for k in ("floor", "target", "value", "met")] for f in r.get("floors") or []],
    )


def stores_markdown(r: dict[str, Any]) -> str:
    """`qabot bench --stores`: each corpus's figures per vector store."""
    s = r.get("machine_start") or {}
    lines = [
        f"Vector stores side by side, embedder {r.get('embedder')}; {s.get('nproc')} cores, load average "
        f"{s.get('loadavg')} at start, {(r.get('machine_end') or {}).get('loadavg')} at end; {s.get('date')}",
        "",
    ]
    rows: list[list[Any]] = []
    for name in ("seeds", "reuters_slice"):
        c = r.get(name) or {}
        for store in ("faiss", "milvus"):
            x = c.get(store) or {}
            rows.append([
                name, store, f"{_fmt(x.get('chunks'))} / {_fmt(x.get('sentences'))}", c.get("questions"),
                f"{_fmt(_g(x, 'search_ms', 'p50'))} / {_fmt(_g(x, 'search_ms', 'p95'))}",
                f"{_fmt(_g(x, 'answer_ms', 'p50'))} / {_fmt(_g(x, 'answer_ms', 'p95'))}",
                x.get("hit_at_1"), c.get("same_top1_source") if store == "milvus" else None,
            ])  # fmt: skip
    header = ["corpus", "store", "chunks / sentences", "questions", "search p50 / p95 (ms)",
              "answer p50 / p95 (ms)", "story hit@1", "same top-1 source as faiss"]  # fmt: skip
    return "\n".join(lines + _table(header, rows))
