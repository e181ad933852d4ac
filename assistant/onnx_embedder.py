"""The packaged sentence-transformers model run by ONNX Runtime, int8-quantized.

Why: on this project's 2-core CPU, torch spends about 15 ms embedding one question and
the answer pipeline around it about 4 ms, so the query embedding is most of ``ask``.
The same weights exported to ONNX and int8-quantized (dynamic, per channel) embed a
question in about 3 ms. The result agrees with torch to a cosine of about 0.99
(``python -m benchmarks embed`` measures it). The query path never imports torch, so a
cold start skips that import as well.

sentence-transformers' own ``backend="onnx"`` needs optimum, which pins incompatible
versions, so this module does the export itself, once, and caches the result
(``<cache_dir>/<model>-int8.onnx``, written atomically, with a small JSON note of what it
was made from). Tokenization uses the model folder's own ``tokenizer.json``. Pooling and
normalization follow the folder's ``1_Pooling`` and ``modules.json``, exactly as
sentence-transformers applies them.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .embeddings import BatchEmbedder, model_name
from .errors import AssistantError

#: Bump when the export recipe changes, so cached exports are redone.
EXPORT_FORMAT = 1
ONNX_OPSET = 17
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


@dataclass(frozen=True)
class CpuFeatures:
    """The x86 extensions that decide how int8 matrix products run (read, not assumed)."""

    avx2: bool
    avx512f: bool
    avx512_vnni: bool
    avx_vnni: bool
    amx_int8: bool

    @property
    def vnni(self) -> bool:
        return self.avx512_vnni or self.avx_vnni or self.amx_int8

    @property
    def label(self) -> str:
        names = [name for name, present in asdict(self).items() if present]
        return "+".join(names) or "baseline x86-64 (no AVX2)"


def cpu_features(cpuinfo: Path = Path("/proc/cpuinfo")) -> CpuFeatures:
    """The CPU flags from ``/proc/cpuinfo``; all False where that file does not exist."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        text = ""
    flags: set[str] = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags.update(line.partition(":")[2].split())
            break
    return CpuFeatures(
        avx2="avx2" in flags,
        avx512f="avx512f" in flags,
        avx512_vnni="avx512_vnni" in flags,
        avx_vnni="avx_vnni" in flags,
        amx_int8="amx_int8" in flags,
    )


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


def cache_path(model_path: Path, cache_dir: Path) -> Path:
    """Where the int8 export of ``model_path`` lives inside ``cache_dir``."""
    return cache_dir / f"{model_name(model_path)}-int8.onnx"


def export_recipe(model_path: Path, features: CpuFeatures) -> dict[str, Any]:
    """Everything an export depends on; a cached export with another recipe is redone."""
    weights = next((model_path / n for n in WEIGHT_FILES if (model_path / n).exists()), None)
    stat = weights.stat() if weights else None
    return {
        "format": EXPORT_FORMAT,
        "opset": ONNX_OPSET,
        "weights": weights.name if weights else "",
        "weights_size": stat.st_size if stat else 0,
        "weights_mtime_ns": stat.st_mtime_ns if stat else 0,
        "quantization": "dynamic int8, per channel",
        # ONNX Runtime's advice: 7-bit weights on x86 without VNNI avoid int16 saturation.
        "reduce_range": not features.vnni,
    }


def export_onnx(model_path: Path, target: Path) -> None:
    """Export the float32 transformer (token embeddings out) to ``target``. Needs torch."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_path), local_files_only=True)
    model = AutoModel.from_pretrained(
        str(model_path), local_files_only=True, attn_implementation="eager"
    ).eval()
    sample = tokenizer(
        ["a short probe", "a somewhat longer probe sentence"], padding=True, return_tensors="pt"
    )
    names = [name for name in INPUT_NAMES if name in sample]

    class _TokenEmbeddings(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.inner(**dict(zip(names, inputs, strict=True))).last_hidden_state  # type: ignore[no-any-return]

    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "token_embeddings"]}
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


def quantize_int8(source: Path, target: Path, reduce_range: bool) -> None:
    """Dynamic int8 quantization, per output channel (per tensor loses ~0.04 cosine)."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    # Importing the quantizer calls logging.basicConfig (a root handler that would print
    # every library's debug/info lines for the rest of the process), and it logs advice
    # about pre-processing on the root logger: both are undone below.
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(
            str(source),
            str(target),
            per_channel=True,
            reduce_range=reduce_range,
            weight_type=QuantType.QInt8,
        )
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def ensure_export(model_path: Path, cache_dir: Path, features: CpuFeatures | None = None) -> Path:
    """The cached int8 model, exporting it first if it is missing or made another way.

    Concurrent processes serialize on a lock file; the model and its note are each
    replaced atomically, so a reader never sees a half-written file.
    """
    from filelock import FileLock

    features = features or cpu_features()
    target = cache_path(model_path, cache_dir)
    recipe = export_recipe(model_path, features)
    if _cached_recipe(target) == recipe:
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache_dir / f".{target.name}.lock")):
        if _cached_recipe(target) == recipe:
            return target
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".export-") as work:
            fp32, int8 = Path(work) / "model.onnx", Path(work) / "model-int8.onnx"
            export_onnx(model_path, fp32)
            quantize_int8(fp32, int8, recipe["reduce_range"])
            seconds = round(time.perf_counter() - started, 2)
            note = Path(work) / "note.json"
            note.write_text(json.dumps(recipe | {"cpu": features.label, "export_seconds": seconds}))
            os.replace(int8, target)
            os.replace(note, _note_path(target))
    return target


def _note_path(target: Path) -> Path:
    return target.with_suffix(".json")


def _cached_recipe(target: Path) -> dict[str, Any] | None:
    """The recipe a cached export was made with (its note minus the informational keys)."""
    if not target.is_file():
        return None
    try:
        note: dict[str, Any] = json.loads(_note_path(target).read_text())
    except (OSError, ValueError):
        return None
    return {key: value for key, value in note.items() if key not in _NOTE_ONLY}


_NOTE_ONLY = ("cpu", "export_seconds")


# -- the embedder ------------------------------------------------------------------------


class OnnxEmbedder(BatchEmbedder):
    """The Embedder protocol over an ONNX model; safe to share between threads.

    ONNX Runtime sessions allow concurrent ``run`` calls; only tokenization (cheap) is
    serialized, because the tokenizer object carries the padding settings.
    """

    def __init__(self, onnx_path: Path, model_path: Path, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.layout = read_layout(model_path)
        self.max_tokens = self.layout.max_seq_length
        self._tokenizer = Tokenizer.from_file(str(model_path / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=self.max_tokens)
        pad_token = str(
            _read_json(model_path / "tokenizer_config.json", {}).get("pad_token", "[PAD]")
        )
        pad_id = self._tokenizer.token_to_id(pad_token)
        self._tokenizer.enable_padding(pad_id=pad_id or 0, pad_token=pad_token)
        self._tokenizer_lock = threading.Lock()
        self._session = ort.InferenceSession(
            str(onnx_path), _session_options(threads), providers=["CPUExecutionProvider"]
        )
        self._inputs = [i.name for i in self._session.get_inputs()]
        self._describe(model_path)

    def count_tokens(self, texts: Sequence[str]) -> int:
        """Tokens the model actually reads (after truncation), for throughput figures."""
        _, mask = self._tokenize(list(texts))
        return int(mask.sum())

    def _tokenize(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        with self._tokenizer_lock:
            encodings = (
                [self._tokenizer.encode(texts[0])]
                if len(texts) == 1
                else self._tokenizer.encode_batch(texts)
            )
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        return ids, mask

    def _encode(self, texts: list[str]) -> np.ndarray:
        ids, mask = self._tokenize(texts)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        tokens = self._session.run(None, {name: feed[name] for name in self._inputs})[0]
        pooled = _pool(np.asarray(tokens, dtype=np.float32), mask, self.layout.pooling)
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
    """An int8 ONNX embedder for ``model_path``, exporting it into ``cache_dir`` on first use.

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
