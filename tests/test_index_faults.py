"""The index under faults (issue 12): wrong-type metadata, concurrent writers and readers, a full disk and
a read-only folder. Real commands over real indexes in tmp_path (hashing embedder); concurrency with real
processes, bounded in time; a full disk and a read-only folder for real where a private mount namespace
can be made (`unshare -m`), and a full disk injected at the write boundary (numpy.save) everywhere."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.settings import Settings
from retrieval.errors import IndexBusy
from retrieval.index import current_version, load_index
from retrieval.locking import writer_lock
from retrieval.records import Answer
from tests.conftest import SEEDS
from tests.test_cli import env_for, invoke

QUESTION = "Who leads the NRF?"
REBUILD_FIX = "Rebuild it with `qabot index --rebuild`"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    for name in sorted(p.name for p in SEEDS.iterdir())[:2]:
        shutil.copy(SEEDS / name, root)
    return root


@pytest.fixture
def env(tmp_path: Path, corpus: Path) -> dict[str, str | None]:
    env = env_for(Settings(corpus=corpus, index_dir=tmp_path / "index", embedder="hash"))
    built = invoke(env, "index")
    assert built.exit_code == 0, built.output
    return env


def folded(text: str) -> str:
    return " ".join(text.split())  # rich wraps long lines


def child(env: dict[str, str | None], *args: str, prelude: str = "", timeout: float = 180) -> subprocess.Popen:
    """`qabot ARGS` in a fresh interpreter, after `prelude` (Python run first, e.g. a fault injected)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("QABOT_")}
    full.update({k: v for k, v in env.items() if v is not None})
    code = prelude + "\nfrom bot.cli import main\nmain()\n"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(proc: subprocess.Popen, timeout: float = 180) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"timed out: {out}\n{err}")
    return proc.returncode, out, err


def change(corpus: Path) -> None:
    first = sorted(corpus.iterdir())[0]
    first.write_text(first.read_text(encoding="utf-8") + "\nA closing line was added later.\n", encoding="utf-8")


def leftovers(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith(".tmp") or p.name == ".CURRENT.tmp")


# ---------------------------------------------------------------- item 9: wrong-type metadata


@pytest.mark.parametrize(
    "damage",
    [
        "manifest-null",
        "manifest-list",
        "checksums-string",
        "checksum-not-a-pair",
        "segments-string",
        "segment-outside",
        "current-not-utf8",
        "current-outside",
        "current-folder",
    ],
)
def test_wrong_type_metadata_names_the_fix_which_works(env: dict[str, str | None], tmp_path: Path, damage: str) -> None:
    index_dir = tmp_path / "index"
    version = current_version(index_dir)
    manifest = json.loads((version / "manifest.json").read_text())
    if damage == "manifest-null":
        (version / "manifest.json").write_text("null")
    elif damage == "manifest-list":
        (version / "manifest.json").write_text("[]")
    elif damage == "checksums-string":
        (version / "manifest.json").write_text(json.dumps({**manifest, "checksums": "x"}))
    elif damage == "checksum-not-a-pair":
        (version / "manifest.json").write_text(json.dumps({**manifest, "checksums": {"vectors.npy": "x"}}))
    elif damage == "segments-string":
        (version / "manifest.json").write_text(json.dumps({**manifest, "segments": "x"}))
    elif damage == "segment-outside":
        segments = [{**manifest["segments"][0], "sqlite": "../../../../etc/passwd"}]
        (version / "manifest.json").write_text(json.dumps({**manifest, "segments": segments}))
    elif damage == "current-outside":
        (index_dir / "CURRENT").write_text("../" + index_dir.name)
    elif damage == "current-not-utf8":
        (index_dir / "CURRENT").write_bytes(b"\xff\xfe v-\xc3")
    else:
        (index_dir / "CURRENT").unlink()
        (index_dir / "CURRENT").mkdir()
    for command in (["ask", QUESTION], ["search", QUESTION]):
        broken = invoke(env, *command)
        assert broken.exit_code == 1 and isinstance(broken.exception, SystemExit), broken.output
        assert not broken.stdout and "Traceback" not in broken.stderr
        assert folded(broken.stderr).startswith("error: The index at ") and REBUILD_FIX in folded(broken.stderr)
    updated = invoke(env, "index")  # an update over damage does not crash either: it rebuilds
    assert updated.exit_code == 0 and "Traceback" not in updated.output, updated.output
    rebuilt = invoke(env, "index", "--rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    fixed = invoke(env, "ask", "--json", QUESTION)
    assert fixed.exit_code == 0, fixed.output
    assert Answer.model_validate_json(fixed.stdout).question == QUESTION


# ---------------------------------------------------------------- item 5: writers and readers at once


def test_two_index_runs_at_once_take_turns(env: dict[str, str | None], tmp_path: Path) -> None:
    runs = [child(env, "index", "--rebuild") for _ in range(2)]
    results = [finish(run) for run in runs]
    assert [code for code, _, _ in results] == [0, 0], results
    assert not leftovers(tmp_path / "index")
    assert len(load_index(tmp_path / "index").articles) == 2


def test_an_index_run_waits_for_the_lock_holder_and_names_it(env: dict[str, str | None], tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    before = (index_dir / "CURRENT").read_text()
    with writer_lock(index_dir):
        run = child(env, "index", "--rebuild")
        assert run.stderr is not None
        told: list[str] = []

        def read() -> None:
            for line in run.stderr or []:
                told.append(line)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        deadline = time.monotonic() + 120
        while "waiting for the index lock" not in folded("".join(told)) and time.monotonic() < deadline:
            assert run.poll() is None, told  # it may not finish while the lock is held
            time.sleep(0.1)
        assert (index_dir / "CURRENT").read_text() == before  # nothing published while another holds the lock
    reader.join(timeout=180)
    code = run.wait(timeout=180)
    err = folded("".join(told))
    assert code == 0, err
    assert f"waiting for the index lock, held by pid {os.getpid()}" in err
    assert (index_dir / "CURRENT").read_text() != before  # the rebuild published once the lock was free
    assert len(load_index(index_dir).articles) == 2


_WRITER = """
import re, sys
from pathlib import Path
from retrieval.embed import HashEmbedder
from retrieval.index import build_index
from retrieval.records import Parse

def split(lines):
    return [[(m.start(), m.end()) for m in re.finditer(r"[^.!?]+[.!?]?", line)] for line in lines]

corpus, index_dir, times = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
for _ in range(times):
    build_index(corpus, index_dir, HashEmbedder(), rebuild=True, splitter=split, analyser=lambda t: [Parse()] * len(t))
print("done", flush=True)
"""

_READER = """
import json, sys, time
from pathlib import Path
from retrieval.index import load_index
index_dir, stop = Path(sys.argv[1]), Path(sys.argv[2])
loads, errors = 0, []
while not stop.exists() and len(errors) < 20:
    try:
        index = load_index(index_dir)
        assert len(index.articles) == 2
        loads += 1
    except Exception as err:
        errors.append(f"{type(err).__name__}: {err}")
print(json.dumps({"loads": loads, "errors": errors}))
"""


def test_readers_never_see_a_half_written_or_deleted_version(env: dict[str, str | None], tmp_path: Path) -> None:
    corpus, index_dir, stop = Path(str(env["QABOT_CORPUS"])), tmp_path / "index", tmp_path / "stop"
    run = {k: v for k, v in os.environ.items() if not k.startswith("QABOT_")}
    readers = [
        subprocess.Popen([sys.executable, "-c", _READER, str(index_dir), str(stop)], env=run, stdout=subprocess.PIPE)
        for _ in range(2)
    ]
    try:
        writer = subprocess.run(
            [sys.executable, "-c", _WRITER, str(corpus), str(index_dir), "12"],
            env=run,
            capture_output=True,
            text=True,
            timeout=240,
        )
    finally:
        stop.touch()
    assert writer.returncode == 0 and "done" in writer.stdout, writer.stderr
    for reader in readers:
        out, _ = reader.communicate(timeout=120)
        result = json.loads(out)
        assert result["errors"] == [] and result["loads"] > 0, result
    assert not leftovers(index_dir)


def test_retired_versions_are_kept_for_the_grace_period_then_collected(
    env: dict[str, str | None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import retrieval.publish as publish_module

    index_dir = tmp_path / "index"
    first = current_version(index_dir).name
    assert invoke(env, "index", "--rebuild").exit_code == 0
    second = current_version(index_dir).name
    assert sorted(p.name for p in index_dir.glob("v-*")) == sorted([first, second])  # kept: a reader may be on it
    monkeypatch.setattr(publish_module, "GRACE_SECONDS", -1.0)  # every retired version is past it
    assert invoke(env, "index", "--rebuild").exit_code == 0
    third = current_version(index_dir).name
    assert sorted(p.name for p in index_dir.glob("v-*")) == [third]  # both past their grace period: collected
    assert len(load_index(index_dir).articles) == 2


def test_a_writer_waits_for_the_lock_and_ask_answers_meanwhile(
    env: dict[str, str | None], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index_dir = tmp_path / "index"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom pathlib import Path\nfrom retrieval.locking import writer_lock\n"
            "with writer_lock(Path(sys.argv[1])):\n    print('held', flush=True)\n    time.sleep(6)\n",
            str(index_dir),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with (
            pytest.raises(IndexBusy, match=rf"being updated by pid {holder.pid} on "),
            writer_lock(index_dir, wait=0.3),
        ):
            pass
        before = current_version(index_dir)
        change(Path(str(env["QABOT_CORPUS"])))
        with caplog.at_level(logging.WARNING):
            started = time.monotonic()
            asked = invoke(env, "ask", "--json", QUESTION)
        assert asked.exit_code == 0, asked.output
        assert time.monotonic() - started < 5  # answered from the last good index, not after the writer
        assert Answer.model_validate_json(asked.stdout).question == QUESTION
        notices = [r.getMessage() for r in caplog.records if "answering from the last good index" in r.getMessage()]
        assert (
            notices == [f"the index is being updated by {notices[0].split('by ', 1)[1]}"]
            and f"pid {holder.pid}" in notices[0]
        )
        assert current_version(index_dir) == before

        indexed = invoke(env, "index")  # waits for the holder, then updates
        assert indexed.exit_code == 0, indexed.output
        assert f"waiting for the index lock, held by pid {holder.pid}" in folded(indexed.stderr)
        assert "changed: " in indexed.stdout and current_version(index_dir) != before
    finally:
        holder.kill()
        holder.wait()


# ---------------------------------------------------------------- item 6: a full disk, a read-only folder

FULL_DISK = """
import errno, numpy
def save(file, arr, *args, **kwargs):  # the disk fills up part-way through the write
    with open(file, "wb") as fh:
        fh.write(b"\\x93NUMPY" + b"\\0" * 4096)
    raise OSError(errno.ENOSPC, "No space left on device")
numpy.save = save
"""


def test_a_full_disk_keeps_the_last_good_index_and_leaves_nothing_behind(
    env: dict[str, str | None], tmp_path: Path, corpus: Path
) -> None:
    index_dir = tmp_path / "index"
    before = current_version(index_dir)
    change(corpus)
    code, out, err = finish(child(env, "ask", "--json", QUESTION, prelude=FULL_DISK))
    assert code == 0, err
    assert Answer.model_validate_json(out).question == QUESTION
    assert "Traceback" not in err
    notice = [line for line in err.splitlines() if "could not be updated" in line]
    assert notice == [
        "WARNING bot.core: the index could not be updated (No space left on device); answering from the last good index"
    ], err

    code, out, err = finish(child(env, "index", prelude=FULL_DISK))
    assert code == 1 and "Traceback" not in err, err
    assert ("error: " + folded(err).split("error: ", 1)[-1]).startswith(
        f"error: The index at {index_dir} could not be updated (No space left on device); the previous index is"
        " unchanged. Free some space or make the folder writable, then run `qabot index`."
    ), err
    assert current_version(index_dir) == before and not leftovers(index_dir)
    assert sorted(p.name for p in index_dir.iterdir() if p.name.startswith("v-")) == [before.name]


def _private_mount(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", *args], capture_output=True, text=True, timeout=180
    )


def _can_mount(tmp_path: Path) -> bool:
    probe = tmp_path / "probe"
    probe.mkdir()
    try:
        done = _private_mount('mount -t tmpfs -o size=64k tmpfs "$1" && mount --bind "$1" "$1"', str(probe))
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


QABOT = f'"{sys.executable}" -c "from bot.cli import main; main()"'


@pytest.mark.parametrize("fault", ["read-only", "full"])
def test_a_real_read_only_or_full_index_folder(
    env: dict[str, str | None], tmp_path: Path, corpus: Path, fault: str
) -> None:
    if shutil.which("unshare") is None or not _can_mount(tmp_path):
        pytest.skip("needs a private mount namespace (unshare -m) to make a read-only or full folder")
    index_dir = tmp_path / "index"
    before = current_version(index_dir).name
    used_kb = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file()) // 1024
    if fault == "read-only":
        setup = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1"'
        reason = "Read-only file system"
    else:  # the index copied onto a filesystem with room for it and not much more
        setup = f'cp -a "$1" "$1.copy" && mount -t tmpfs -o size={used_kb + 96}k tmpfs "$1" && cp -a "$1.copy/." "$1"'
        reason = "No space left on device"
    change(corpus)
    env_vars = " ".join(f"{k}='{v}'" for k, v in env.items() if v is not None)
    script = (
        f"{setup} || exit 99\n"
        f"env {env_vars} {QABOT} ask --json '{QUESTION}'; echo \"ask-exit=$?\"\n"
        f'env {env_vars} {QABOT} index; echo "index-exit=$?"\n'
        'echo "listing:"; ls -A "$1"; echo "current:"; cat "$1/CURRENT"\n'
    )
    done = _private_mount(script, str(index_dir))
    assert done.returncode != 99, done.stderr
    out, err = done.stdout, folded(done.stderr)
    assert "ask-exit=0" in out and "index-exit=1" in out, (out, err)
    assert Answer.model_validate_json(out.split("ask-exit=")[0]).question == QUESTION
    assert f"the index could not be updated ({reason}); answering from the last good index" in err
    assert f"could not be updated ({reason}); the previous index is unchanged." in err
    assert "Traceback" not in err
    listing = out.split("listing:")[1].split("current:")[0].split()
    assert sorted(listing) == sorted(["CURRENT", "LOCK", before]), listing
    assert out.split("current:")[1].strip() == before
