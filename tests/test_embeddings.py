"""The two backends run the same packaged weights: check them against each other."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from assistant import Settings, embeddings
from assistant.config import EMBED_BATCH_TOKENS
from assistant.embeddings import BatchEmbedder, Embedder, _batches, load_embedder, weights_sha256
from assistant.errors import AssistantError
from assistant.onnx_embedder import OnnxEmbedder, _export_in_child

TEXTS = [
    "A TPM coordinates projects that span several teams.",
    "what even is a devrel?",
    "Management is a whole different ball game, more like a change of career than a promotion.",
    "x",
]


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    return load_embedder("", "torch", Settings().onnx_cache_dir)


def test_vectors_are_unit_length_and_batching_does_not_change_them(embedder: Embedder) -> None:
    """A text's vector must not depend on what it was batched with (padding is masked)."""
    batch = embedder.embed(TEXTS, batch_size=2)
    assert batch.shape == (len(TEXTS), embedder.dimension) and batch.dtype == np.float32
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    single = np.stack([embedder.embed_query(text) for text in TEXTS])
    assert np.abs(batch - single).max() < 1e-5


def test_batches_are_cut_by_padded_tokens_longest_first() -> None:
    lengths = [30, 250, 40, 200, 35, 180, 30]
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches = _batches(order, lengths, batch_size=32)
    assert [i for batch in batches for i in batch] == order
    for batch in batches:
        assert len(batch) * lengths[batch[0]] <= EMBED_BATCH_TOKENS
    assert _batches(order, lengths, batch_size=2) == [[1, 3], [5, 2], [4, 0], [6]]
    assert _batches([0], [EMBED_BATCH_TOKENS * 2], batch_size=32) == [[0]]  # never empty


def test_long_and_short_texts_batched_together_keep_their_own_vectors(
    embedder: Embedder,
) -> None:
    """Passages and sentences of very different token counts, padded per batch: each
    vector equals the text embedded alone (the rebuild embeds them mixed like this)."""
    long = [" ".join([text] * 12) for text in TEXTS[:3]]
    texts = [*long, *TEXTS, *(f"{text} {n}" for n in range(6) for text in TEXTS)]
    batch = embedder.embed(texts)
    single = np.stack([embedder.embed_query(text) for text in texts])
    assert np.abs(batch - single).max() < 1e-5


@pytest.mark.parametrize("runtime", ["onnx", "torch"])
def test_several_questions_in_one_call_give_each_ones_vector(
    runtime: str, embedder: Embedder, torch_embedder: Embedder
) -> None:
    """``embed_queries`` (the ask path's probes, one model call) against ``embed_query``."""
    model = embedder if runtime == "onnx" else torch_embedder
    together = model.embed_queries(TEXTS)
    alone = np.stack([model.embed_query(text) for text in TEXTS])
    assert together.shape == alone.shape and together.dtype == np.float32
    assert np.abs(together - alone).max() < 1e-5


def test_a_questions_views_are_one_unpadded_model_call(
    embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ask path's views go in one row, each token read once: no padding to pay for."""
    assert isinstance(embedder, OnnxEmbedder)
    session = embedder._session
    widths: list[tuple[int, ...]] = []

    class Counting:
        def run(self, names: object, feed: dict[str, np.ndarray]) -> object:
            widths.append(feed["input_ids"].shape)
            return session.run(names, feed)

    monkeypatch.setattr(embedder, "_session", Counting())
    embedder.embed_queries(TEXTS)
    assert widths == [(1, embedder.count_tokens(TEXTS))]


def test_progress_is_reported_per_batch_in_padded_tokens(embedder: Embedder) -> None:
    """Tokens, not texts: a batch of many short texts may be less work than one long one."""
    assert isinstance(embedder, OnnxEmbedder)
    texts = [*TEXTS, " ".join(TEXTS * 4)]
    lengths = [embedder.count_tokens([text]) for text in texts]
    order = sorted(range(len(texts)), key=lambda i: -lengths[i])
    padded = [len(batch) * lengths[batch[0]] for batch in _batches(order, lengths, 2)]
    seen: list[tuple[int, int]] = []
    embedder.embed(texts, batch_size=2, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(sum(padded[: n + 1]), sum(padded)) for n in range(len(padded))]


def test_parallel_batches_give_the_vectors_one_worker_gives(embedder: Embedder) -> None:
    assert isinstance(embedder, BatchEmbedder)
    texts = [f"{text} (variant {n})" for n in range(20) for text in TEXTS]
    workers = embedder.workers
    try:
        embedder.workers = 1
        serial = embedder.embed(texts, batch_size=8)
        embedder.workers = 3
        seen: list[int] = []
        parallel = embedder.embed(texts, batch_size=8, progress=lambda done, _: seen.append(done))
    finally:
        embedder.workers = workers
    assert np.array_equal(serial, parallel)
    assert seen == sorted(seen) and seen[-1] >= embedder.count_tokens(texts)


def test_onnx_computes_what_torch_computes(embedder: Embedder, torch_embedder: Embedder) -> None:
    """The default (ONNX float32) against sentence-transformers on torch, an independent
    peer: the same function up to float rounding, not an approximation of it."""
    ours = embedder.embed(TEXTS)
    theirs = torch_embedder.embed(TEXTS)
    assert np.abs(ours - theirs).max() < 1e-4
    assert np.sum(ours * theirs, axis=1).min() > 0.99999


def test_each_runtime_names_the_same_weights(embedder: Embedder, torch_embedder: Embedder) -> None:
    """The identity is name@weights-hash+runtime: the same weights, two runtimes."""
    ours, theirs = embedder.name.split("+"), torch_embedder.name.split("+")
    assert ours[0] == theirs[0] and ours[0].startswith("all-MiniLM-L6-v2@")
    assert ours[1].startswith("onnx-") and theirs[1] == "torch"


def test_unknown_backend_is_a_clear_error() -> None:
    with pytest.raises(AssistantError, match="CAREER_ASSISTANT_EMBED_BACKEND"):
        load_embedder("", "tensorflow", Settings().onnx_cache_dir)


def test_a_weights_hash_is_remembered_across_processes_until_a_file_is_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embeddings, "WEIGHTS_HASH_MEMO", tmp_path / "memo.json")
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    weights = model / "model.safetensors"
    weights.write_bytes(b"first weights")
    first = weights_sha256(model)

    def no_hashing(*_: object) -> str:
        raise AssertionError("hashed again")

    embeddings._remembered_hash.cache_clear()  # as a new process would start
    with monkeypatch.context() as patched:
        patched.setattr(embeddings, "_hash_files", no_hashing)
        assert weights_sha256(model) == first  # from the memo, without reading the weights

    before = weights.stat()
    time.sleep(0.05)  # past the file system's clock tick: the rewrite gets a new ctime
    weights.write_bytes(b"other weights")  # same size, rewritten in place ...
    os.utime(weights, ns=(before.st_atime_ns, before.st_mtime_ns))  # ... mtime kept
    assert (weights.stat().st_size, weights.stat().st_mtime_ns) == (
        before.st_size,
        before.st_mtime_ns,
    )
    embeddings._remembered_hash.cache_clear()
    assert weights_sha256(model) != first


def test_the_export_runs_in_a_child_and_its_failure_is_one_clear_line(tmp_path: Path) -> None:
    """The export's memory (torch, the model) is the child's; its traceback is not ours."""
    with pytest.raises(AssistantError, match=r"exporting .* to ONNX failed: \w") as raised:
        _export_in_child(tmp_path, tmp_path / "model.onnx")
    assert "\n" not in str(raised.value) and "Traceback" not in str(raised.value)
