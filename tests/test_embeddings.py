"""The two backends run the same packaged weights: check them against each other."""

from __future__ import annotations

import numpy as np
import pytest

from assistant import Settings
from assistant.embeddings import Embedder, load_embedder
from assistant.errors import AssistantError
from assistant.onnx_embedder import cpu_features

TEXTS = [
    "A TPM coordinates projects that span several teams.",
    "what even is a devrel?",
    "Management is a whole different ball game, more like a change of career than a promotion.",
    "x",
]


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    return load_embedder("", "torch", Settings().onnx_cache_dir)


def test_vectors_are_unit_length_and_batching_barely_changes_them(embedder: Embedder) -> None:
    """Dynamic int8 quantization scales activations per batch, so padding moves a vector
    a little; it must stay the same vector for retrieval purposes."""
    batch = embedder.embed(TEXTS, batch_size=2)
    assert batch.shape == (len(TEXTS), embedder.dimension) and batch.dtype == np.float32
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    single = np.stack([embedder.embed_query(text) for text in TEXTS])
    agreement = np.sum(batch * single, axis=1)
    assert agreement.mean() >= 0.98 and agreement.min() >= 0.97, agreement


def test_progress_is_reported_per_batch(embedder: Embedder) -> None:
    seen: list[tuple[int, int]] = []
    embedder.embed(TEXTS, batch_size=3, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(3, 4), (4, 4)]


def test_int8_onnx_agrees_with_torch(embedder: Embedder, torch_embedder: Embedder) -> None:
    """The default (ONNX int8) against sentence-transformers on torch: an independent peer."""
    assert embedder.name == torch_embedder.name == "all-MiniLM-L6-v2"
    ours = embedder.embed(TEXTS)
    theirs = torch_embedder.embed(TEXTS)
    cosines = np.sum(ours * theirs, axis=1)
    assert cosines.mean() >= 0.98 and cosines.min() >= 0.95, cosines


def test_unknown_backend_is_a_clear_error() -> None:
    with pytest.raises(AssistantError, match="CAREER_ASSISTANT_EMBED_BACKEND"):
        load_embedder("", "tensorflow", Settings().onnx_cache_dir)


def test_cpu_features_are_read_not_assumed() -> None:
    features = cpu_features()
    assert isinstance(features.label, str) and features.label
