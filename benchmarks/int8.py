"""The former default embedder, ONNX int8, kept only to be measured against float32.

Dynamic int8 quantization (per channel) of the library's float32 export, made once into
``benchmarks/.cache``. ``reduce_range`` (7-bit weights) is what the former recipe chose
on CPUs without VNNI; together with the kernels ONNX Runtime picks per CPU, it made the
same question's vector depend on the machine (``python -m benchmarks cpu``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from assistant.embeddings import default_model_path
from assistant.onnx_embedder import OnnxEmbedder, ensure_export

from .common import CACHE_DIR
from .workspace import ONNX_CACHE


def int8_model(reduce_range: bool) -> Path:
    """The int8 model file (quantized on first use)."""
    source = ensure_export(default_model_path(), ONNX_CACHE)
    suffix = "-int8-reduce-range" if reduce_range else "-int8"
    target = CACHE_DIR / "onnx-int8" / f"{source.stem}{suffix}.onnx"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        _quantize(source, target, reduce_range)
    return target


def int8_embedder(reduce_range: bool, threads: int = 1) -> OnnxEmbedder:
    """An embedder over the int8 model; its name says int8, so no index mixes the two."""
    embedder = OnnxEmbedder(int8_model(reduce_range), default_model_path(), threads)
    embedder.name += "+int8" + ("-reduce-range" if reduce_range else "")
    return embedder


def _quantize(source: Path, target: Path, reduce_range: bool) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    # Importing the quantizer calls logging.basicConfig and logs advice on the root
    # logger: both are undone below.
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
