"""Live corpus latency: seconds from an article landing in the corpus folder of a running bot to the bot's first
answer that cites it, with the real embedder over a copy of seeds/.

    python -m bench.live [--runs 5] [--embedder minilm] [--writer thread|process]

The bot follows the index (QABOT_RELOAD_INTERVAL, default 1 s); a watcher writes it, in the same process (what
QABOT_WATCH=true runs) or as `qabot index --watch` beside it (`--writer process`). Each run copies one new
article (a different town, a different number) into the folder and asks about it every 0.1 s until an answer
cites it. Prints each run and the median.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TOWNS = ["Herat", "Kandahar", "Jalalabad", "Kunduz", "Ghazni", "Bamyan", "Khost", "Farah", "Zaranj", "Gardez"]


def article(town: str, shops: int) -> str:
    return (
        f"Floods in {town}\n2021-09-09\n\nHeavy rain flooded the old bazaar of {town} on Thursday.\n\n"
        f"The council of {town} said {shops} shops were damaged by the water.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--embedder", default="minilm")
    parser.add_argument("--writer", choices=["thread", "process"], default="thread")
    args = parser.parse_args()

    from bot.core import QABot
    from bot.live import IndexWriter, watch
    from bot.settings import ROOT, Settings

    with tempfile.TemporaryDirectory() as tmp:
        corpus, outside = Path(tmp) / "corpus", Path(tmp) / "incoming"
        shutil.copytree(ROOT / "seeds", corpus)
        outside.mkdir()
        settings = Settings(corpus=corpus, index_dir=Path(tmp) / "index", embedder=args.embedder)
        writer = IndexWriter(settings)
        writer.update()
        bot = QABot.load(settings)
        bot.follow()
        ready, stop = threading.Event(), threading.Event()
        if args.writer == "thread":
            watcher = threading.Thread(target=watch, args=(settings, writer, stop, lambda line: ready.set()))
        else:
            process = subprocess.Popen(
                [sys.executable, "-c", "from bot.cli import main; main()", "index", "--watch"],
                env={
                    **os.environ,
                    "QABOT_CORPUS": str(corpus),
                    "QABOT_INDEX_DIR": str(settings.index_dir),
                    "QABOT_EMBEDDER": args.embedder,
                },
                stdout=subprocess.PIPE,
                text=True,
            )
            watcher = threading.Thread(target=_first_line, args=(process, ready))
        watcher.daemon = True
        watcher.start()
        assert ready.wait(300), "the watcher did not start"
        seconds = []
        for run in range(args.runs):
            town, shops = TOWNS[run % len(TOWNS)], 11 + 7 * run
            name = f"floods-{town.lower()}.txt"
            (outside / name).write_text(article(town, shops), encoding="utf-8")
            question = f"How many shops were damaged by the water in {town}?"
            started = time.monotonic()
            shutil.copy(outside / name, corpus / name)
            while not any(c.source == name for c in bot.answer(question).citations):
                if time.monotonic() - started > 120:
                    raise SystemExit(f"run {run + 1}: not answered from {name} within 120 s")
                time.sleep(0.1)
            seconds.append(time.monotonic() - started)
            print(f"run {run + 1}: {name} answerable after {seconds[-1]:.2f} s", flush=True)
            time.sleep(1.5)  # let the follower settle before the next copy
        stop.set()
        bot.close()
        if args.writer == "process":
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        watcher.join(10)
    low, high = min(seconds), max(seconds)
    print(f"median {statistics.median(seconds):.2f} s over {len(seconds)} runs (min {low:.2f}, max {high:.2f})")


def _first_line(process: subprocess.Popen, ready: threading.Event) -> None:
    """Set `ready` once the watcher has printed its first update (it is watching from then on)."""
    assert process.stdout is not None
    process.stdout.readline()
    ready.set()
    for _ in process.stdout:  # keep the pipe drained
        pass


if __name__ == "__main__":
    main()
