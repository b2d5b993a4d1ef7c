"""A large synthetic corpus in a child process (`python -m bench.scale --work DIR --chunks N --out FILE`).

Started by `qabot bench --with-100k` under `nice -n 10`. Reads the real sentence vectors the parent
saved (work/cache.json + work/cache.npy), builds the corpus, then: qabot build (vectors looked up,
pipeline timed, encoder share projected from its raw rate), warm search/answer latency, incremental
update (one article added with the real encoder; unchanged re-run).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from bench.measure import peak_rss_mb


def main(argv: list[str] | None = None) -> int:
    from bench.corpora import RGB_FILE, real_sentences, rgb_queries, write_synthetic_corpus
    from bench.run import ROOT, CachedEmbedder, incremental, latency, qabot_build, seeds_questions, settings_for
    from retrieval.embed import make_embedder

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()

    st = make_embedder("minilm")
    getattr(st, "model", None)  # loads lazily: load it before anything is timed
    cached = CachedEmbedder(st)
    if (args.work / "cache.json").is_file():
        sentences = json.loads((args.work / "cache.json").read_text())
        cached.add(sentences, np.load(args.work / "cache.npy", allow_pickle=False))
    else:  # standalone: every unique sentence is a miss, embedded once by the real model (and not counted)
        sentences = real_sentences(ROOT / "seeds", RGB_FILE)
    name = f"{args.chunks // 1000}k"
    corpus = args.work / f"corpus-{name}"
    made = write_synthetic_corpus(corpus, sentences, args.chunks)
    build, index = qabot_build(corpus, args.work / f"index-{name}", cached, st.model, raw_cap=3000)  # type: ignore[attr-defined]
    del index, cached  # one loaded index at a time (the latency step loads its own)
    questions = seeds_questions()[0][:30] + rgb_queries(RGB_FILE)[:30]
    result = {
        "corpus": str(corpus),
        "synthetic": made,
        "qabot_build": build,
        "tutorial_build": None,
        "latency": latency(settings_for(corpus, args.work / f"index-{name}"), None, None, questions, args.rounds),  # type: ignore[arg-type]
        "incremental": incremental(corpus, args.work / f"index-{name}", st, sentences, fresh_process=True),
        "peak_rss_mb": peak_rss_mb(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    args.out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
