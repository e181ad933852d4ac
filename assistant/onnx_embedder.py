"""The packaged sentence-transformers model run by ONNX Runtime, in float32.

Why ONNX: on a small CPU torch spends about 15 ms embedding one question, ONNX Runtime
about 5 ms, and the query path never imports torch, so a cold start skips that import.

Why float32 and not int8: dynamically quantized int8 runs different integer kernels on
CPUs with and without VNNI (and rounds activations after float kernels that differ per
instruction set), so the same question got vectors differing by up to 0.01 cosine on two
machines and the dev evaluation moved by 0.08 hit@1. Float32 kernels differ only in
rounding (about 1e-7 here), far below any ranking or threshold decision, and agree with
torch to about 1e-6 (docs/performance.md, "The same answers on every CPU").

The graph takes an additive attention bias (batch × 1 × tokens × tokens) and position ids
instead of a padding mask, so that a question's few views run as one unpadded row: each
view attends only to its own tokens and counts its positions from zero, which is exactly
what it would see alone, without paying for the padding of a batch.

sentence-transformers' own ``backend="onnx"`` needs optimum, which pins incompatible
versions, so this module does the export itself, once, and caches the result under a
name made of the model's weights hash and the export recipe's hash, written atomically
with a small JSON note. Tokenization uses the model folder's own ``tokenizer.json``.
Pooling and normalization follow the folder's ``1_Pooling`` and ``modules.json``, exactly
as sentence-transformers applies them.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .embeddings import BatchEmbedder, ProgressCallback, model_name, weights_sha256
from .errors import AssistantError

#: Bump when the export code changes, so cached exports (and indexes) are redone.
EXPORT_FORMAT = 3
ONNX_OPSET = 17
INPUT_NAMES = ("input_ids", "attention_bias", "token_type_ids", "position_ids")
#: The bias that hides a token from another: what transformers adds for a padding mask.
MASKED = float(np.finfo(np.float32).min)


@dataclass(frozen=True)
class ModelLayout:
    """What sentence-transformers would do around the transformer, read from the folder."""

    max_seq_length: int
    pooling: str  # "mean" or "cls"
    normalize: bool


def read_layout(model_path: Path) -> ModelLayout:
    """Sequence limit, pooling and normalization from the model folder's config files."""
    bert_config = _read_json(model_path / "sentence_bert_config.json", {})
    modules = _read_json(model_path / "modules.json", [])
    pooling_dir = next(
        (m.get("path", "") for m in modules if str(m.get("type", "")).endswith(".Pooling")),
        "1_Pooling",
    )
    pooling_config = _read_json(model_path / pooling_dir / "config.json", {})
    if pooling_config.get("pooling_mode_cls_token"):
        pooling = "cls"
    elif pooling_config.get("pooling_mode_mean_tokens", True):
        pooling = "mean"
    else:
        raise AssistantError(
            f"{model_path} uses a pooling mode the ONNX backend does not implement",
            "use CAREER_ASSISTANT_EMBED_BACKEND=torch for this model",
        )
    return ModelLayout(
        max_seq_length=int(bert_config.get("max_seq_length", 256)),
        pooling=pooling,
        normalize=any(str(m.get("type", "")).endswith(".Normalize") for m in modules),
    )


def _read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return default
    except (OSError, ValueError) as error:
        raise AssistantError(f"cannot read {path}: {error}") from None


# -- export ------------------------------------------------------------------------------


#: Everything an export depends on besides the weights; part of the model's identity.
EXPORT_RECIPE: dict[str, Any] = {
    "format": EXPORT_FORMAT,
    "opset": ONNX_OPSET,
    "precision": "float32",
    "output": "token embeddings, pooled and normalized outside the graph",
    "inputs": list(INPUT_NAMES),
}


def recipe_sha256() -> str:
    return hashlib.sha256(json.dumps(EXPORT_RECIPE, sort_keys=True).encode()).hexdigest()


def cache_path(model_path: Path, cache_dir: Path) -> Path:
    """Where the export of ``model_path`` lives: keyed by the weights' and recipe's hashes."""
    weights = weights_sha256(model_path)[:16]
    return cache_dir / f"{model_name(model_path)}-{weights}-fp32-{recipe_sha256()[:8]}.onnx"


def export_onnx(model_path: Path, target: Path) -> None:
    """Export the float32 transformer (token embeddings out) to ``target``. Needs torch."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_path), local_files_only=True)
    model = AutoModel.from_pretrained(
        str(model_path), local_files_only=True, attn_implementation="eager"
    ).eval()
    encoded = tokenizer(["a short probe", "a somewhat longer probe sentence"])
    rows = [list(ids) for ids in encoded["input_ids"]]
    feed = _padded_feed(rows, tokenizer.pad_token_id or 0)
    sample = {name: torch.from_numpy(array) for name, array in zip(INPUT_NAMES, feed, strict=True)}
    takes_types = "token_type_ids" in encoded
    names = [name for name in INPUT_NAMES if takes_types or name != "token_type_ids"]

    class _TokenEmbeddings(torch.nn.Module):
        """The transformer with a ready 4-D bias (transformers passes a 4-D mask through)."""

        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            given = dict(zip(names, inputs, strict=True))
            given["attention_mask"] = given.pop("attention_bias")
            return self.inner(**given).last_hidden_state  # type: ignore[no-any-return]

    axes: dict[str, dict[int, str]] = {
        name: {0: "batch", 1: "tokens"} for name in [*names, "token_embeddings"]
    }
    axes["attention_bias"] = {0: "batch", 2: "tokens", 3: "tokens"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _TokenEmbeddings(model),
            tuple(sample[name] for name in names),
            str(target),
            input_names=names,
            output_names=["token_embeddings"],
            dynamic_axes=axes,
            opset_version=ONNX_OPSET,
            dynamo=False,
        )


def ensure_export(model_path: Path, cache_dir: Path) -> Path:
    """The cached float32 model, exporting it first if it is missing.

    The file name carries the hashes of the weights and of the recipe, so an export is
    never served for another model. Concurrent processes serialize on a lock file; the
    model is replaced atomically, so a reader never sees a half-written file.
    """
    from filelock import FileLock

    target = cache_path(model_path, cache_dir)
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache_dir / f".{target.name}.lock")):
        if target.is_file():
            return target
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".export-") as work:
            exported = Path(work) / "model.onnx"
            _export_in_child(model_path, exported)
            note = Path(work) / "note.json"
            note.write_text(
                json.dumps(
                    EXPORT_RECIPE
                    | {
                        "model": str(model_path),
                        "weights_sha256": weights_sha256(model_path),
                        "export_seconds": round(time.perf_counter() - started, 2),
                    }
                )
            )
            os.replace(note, target.with_suffix(".json"))
            os.replace(exported, target)
    return target


def _export_in_child(model_path: Path, target: Path) -> None:
    """Run :func:`export_onnx` in a child process, so the ~600 MB that torch and the
    model take while exporting go back to the system before the first rebuild embeds
    (the first rebuild peaked at 936 MB with the export in-process, the next at 362 MB).
    ``-P``: the child imports this package, never code from the working directory."""
    done = subprocess.run(
        [sys.executable, "-P", "-m", __name__, str(model_path), str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not target.is_file():
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise AssistantError(
            f"exporting {model_path} to ONNX failed: {lines[-1] if lines else done.returncode}",
            "check that torch and transformers are installed, "
            "or use CAREER_ASSISTANT_EMBED_BACKEND=torch",
        )


# -- the embedder ------------------------------------------------------------------------


class OnnxEmbedder(BatchEmbedder):
    """The Embedder protocol over an ONNX model; safe to share between threads.

    ONNX Runtime sessions allow concurrent ``run`` calls. Texts are tokenized once,
    unpadded; each batch is padded here to its longest text (padding is masked, so a
    text's vector does not depend on its batch).
    """

    def __init__(self, onnx_path: Path, model_path: Path, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.layout = read_layout(model_path)
        self.max_tokens = self.layout.max_seq_length
        self._tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=self.max_tokens)
        self._tokenizer.no_padding()  # the folder's file may ask for a fixed length
        pad_token = str(
            _read_json(model_path / "tokenizer_config.json", {}).get("pad_token", "[PAD]")
        )
        self._pad_id = self._tokenizer.token_to_id(pad_token) or 0
        self._session = ort.InferenceSession(
            str(onnx_path), _session_options(threads), providers=["CPUExecutionProvider"]
        )
        self._inputs = [i.name for i in self._session.get_inputs()]
        # A rebuild's batches run on every core this process may use, one thread each.
        self.workers = len(os.sched_getaffinity(0))
        self._describe(model_path, "onnx")

    def count_tokens(self, texts: Sequence[str]) -> int:
        """Tokens the model actually reads (after truncation), for throughput figures."""
        return sum(len(ids) for ids in self._token_ids(texts))

    def embed(
        self, texts: Sequence[str], batch_size: int = 32, progress: ProgressCallback | None = None
    ) -> np.ndarray:
        """Tokenize every text once, then embed in batches of similar token counts."""
        ids = self._token_ids(texts)
        return self._embed_batches(
            [len(row) for row in ids],
            batch_size,
            lambda rows: self._run([ids[i] for i in rows]),
            progress,
        )

    def _encode(self, texts: list[str]) -> np.ndarray:
        """A question's few views in one model call, packed into one unpadded row.

        Padded as a batch, three views of a 30-token question cost 20 ms here, against
        7.5 ms for one; packed, the model reads each token once. They are tokenized one by
        one on this thread: ``encode_batch`` wakes the tokenizer's thread pool, which costs
        more than the tokenizing (4 views: 3.6 ms p25 on a busy 2-vCPU machine, against
        0.14 ms for one text alone)."""
        rows = [self._tokenizer.encode(text).ids for text in texts]
        tokens = self._model(_packed_feed(rows))[0]
        ends = np.cumsum([len(row) for row in rows])
        views = np.split(tokens, ends[:-1])
        pooled = [_pool(view[None], np.ones((1, len(view))), self.layout.pooling) for view in views]
        return _unit(np.vstack(pooled))

    def _token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """A rebuild's texts, tokenized in parallel."""
        return [encoding.ids for encoding in self._tokenizer.encode_batch(list(texts))]

    def _run(self, rows: list[list[int]]) -> np.ndarray:
        """Unit vectors of a rebuild's tokenized texts, padded to the longest of them."""
        feed = _padded_feed(rows, self._pad_id)
        mask = np.arange(feed[0].shape[1]) < np.array([[len(row)] for row in rows])
        return _unit(_pool(self._model(feed), mask, self.layout.pooling))

    def _model(self, feed: tuple[np.ndarray, ...]) -> np.ndarray:
        """Token embeddings for one feed (ids, bias, token types, positions)."""
        given = dict(zip(INPUT_NAMES, feed, strict=True))
        tokens = self._session.run(None, {name: given[name] for name in self._inputs})[0]
        return np.asarray(tokens, dtype=np.float32)


def _padded_feed(rows: list[list[int]], pad_id: int) -> tuple[np.ndarray, ...]:
    """Texts side by side, padded to the longest: padding is hidden from every token."""
    width = max(len(row) for row in rows)
    ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    bias = np.full((len(rows), 1, 1, width), MASKED, dtype=np.float32)
    for index, row in enumerate(rows):
        ids[index, : len(row)] = row
        bias[index, ..., : len(row)] = 0.0
    positions = np.broadcast_to(np.arange(width, dtype=np.int64), ids.shape)
    return ids, np.repeat(bias, width, axis=2), np.zeros_like(ids), positions.copy()


def _packed_feed(rows: list[list[int]]) -> tuple[np.ndarray, ...]:
    """Texts one after another in a single row: each attends only to its own tokens and
    counts its positions from zero, as it would alone (a block-diagonal bias)."""
    ids = np.array([[token for row in rows for token in row]], dtype=np.int64)
    owner = np.repeat(np.arange(len(rows)), [len(row) for row in rows])
    bias = np.where(owner[:, None] == owner[None, :], 0.0, MASKED).astype(np.float32)
    positions = np.concatenate([np.arange(len(row), dtype=np.int64) for row in rows])
    return ids, bias[None, None], np.zeros_like(ids), positions[None]


def _unit(pooled: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    unit: np.ndarray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


def _pool(tokens: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    """sentence-transformers' pooling: the mean over real tokens, or the [CLS] vector."""
    if mode == "cls":
        first: np.ndarray = tokens[:, 0]
        return first
    weights = mask[..., None].astype(np.float32)
    mean: np.ndarray = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return mean


def _session_options(threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Busy-waiting workers cost more than they save on a small, shared virtual CPU.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return options


def load_onnx_embedder(model_path: Path, cache_dir: Path, threads: int = 1) -> OnnxEmbedder:
    """A float32 ONNX embedder for ``model_path``, exporting it into ``cache_dir`` on first use.

    One intra-op thread is the default: a single question is too small to split, and on
    the 2-vCPU machine it is the faster setting (``python -m benchmarks embed``).
    """
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise AssistantError(
            "the ONNX backend needs the onnxruntime package",
            "pip install onnxruntime onnx, or use CAREER_ASSISTANT_EMBED_BACKEND=torch",
        ) from None
    return OnnxEmbedder(ensure_export(model_path, cache_dir), model_path, threads)


if __name__ == "__main__":  # the export's child process (:func:`_export_in_child`)
    export_onnx(Path(sys.argv[1]), Path(sys.argv[2]))
