"""Issue 12, item 8: a model is identified by its weights, not by its folder's name.

A different model of the same dimension under the same folder name was "compatible":
``index`` reported 0 embedded / all reused and answers degraded silently, and the ONNX
export cache (keyed by name, size and mtime) served the old export. Here the packaged
model is copied, indexed, then its weights are changed in place keeping the file's size
and mtime: the old index must be refused with the fix, the next ``index`` must re-embed
everything, and the ONNX export must be looked up under another name.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assistant import engine as engine_module
from assistant.cli import main
from assistant.embeddings import default_model_path, model_identity
from assistant.onnx_embedder import cache_path

from ..conftest import ARTICLE, TPM_PATH, write_corpus
from .conftest import assert_one_line_error

Run = Callable[..., tuple[int, str, str]]


def change_weights_in_place(model: Path) -> None:
    """Another model of the same shape: every feed-forward layer's hidden units reordered
    (their biases and output columns are not), in place, with size and mtime kept."""
    weights = model / "model.safetensors"
    before = weights.stat()
    with weights.open("r+b") as handle:
        header_size = struct.unpack("<Q", handle.read(8))[0]
        header = json.loads(handle.read(header_size))
        for name, tensor in header.items():
            if not name.endswith("intermediate.dense.weight"):
                continue
            begin, end = tensor["data_offsets"]
            handle.seek(8 + header_size + begin)
            rows = np.frombuffer(handle.read(end - begin), dtype="<f4").reshape(tensor["shape"])
            handle.seek(8 + header_size + begin)
            handle.write(np.ascontiguousarray(rows[::-1]).tobytes())
    os.utime(weights, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = weights.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


@pytest.fixture
def torch_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[Path, Run]:
    """The CLI on the torch backend over a copy of the packaged model (same folder name)."""
    model = tmp_path / "models" / "all-MiniLM-L6-v2"
    shutil.copytree(default_model_path(), model)
    monkeypatch.setenv("CAREER_ASSISTANT_MODEL_PATH", str(model))
    monkeypatch.setenv("CAREER_ASSISTANT_EMBED_BACKEND", "torch")
    corpus = write_corpus(
        tmp_path / "corpus",
        {"paths/technical-program-manager.md": TPM_PATH, "articles/growing.md": ARTICLE},
    )

    def run(*argv: str) -> tuple[int, str, str]:
        monkeypatch.setattr(engine_module, "_EMBEDDERS", {})  # a new process each time
        capsys.readouterr()
        code = main([*argv, "--corpus", str(corpus), "--index-dir", str(tmp_path / "index")])
        out, err = capsys.readouterr()
        return code, out, err

    return model, run


def test_other_weights_under_the_same_name_are_refused_then_reembedded(
    torch_cli: tuple[Path, Run],
) -> None:
    model, run = torch_cli
    code, out, _ = run("index", "--json")
    assert code == 0
    first = json.loads(out)
    assert first["chunks_embedded"] == first["chunks_total"] > 0
    identity = model_identity(model, "torch")

    change_weights_in_place(model)
    assert model_identity(model, "torch") != identity
    assert model_identity(model, "torch").split("@")[0] == identity.split("@")[0]

    code, _, err = run("ask", "what does a TPM do?")
    assert code == 3
    line = assert_one_line_error(err, identity, "career-assistant index --full")
    assert model_identity(model, "torch") in line

    code, out, _ = run("index", "--json")
    assert code == 0
    second = json.loads(out)
    assert second["chunks_reused"] == 0
    assert second["chunks_embedded"] == second["chunks_total"] == first["chunks_total"]
    code, out, _ = run("ask", "what does a TPM do?", "--json")
    # Served again (the scrambled model's vectors may well make it abstain: that is a
    # judgement on its embeddings, not a failure to serve).
    assert code == 0 and json.loads(out)["question"] == "what does a TPM do?"


def test_the_onnx_export_is_cached_under_the_weights_hash(tmp_path: Path) -> None:
    model = tmp_path / "all-MiniLM-L6-v2"
    shutil.copytree(default_model_path(), model)
    before = cache_path(model, tmp_path / "cache")
    assert cache_path(default_model_path(), tmp_path / "cache") == before  # same bytes
    change_weights_in_place(model)
    after = cache_path(model, tmp_path / "cache")
    assert after != before and after.parent == before.parent
    assert model_identity(model, "onnx") != model_identity(default_model_path(), "onnx")
