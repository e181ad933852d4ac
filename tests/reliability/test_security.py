"""Nothing the assistant loads can execute code: no pickle, no eval, no unsafe HTML.

A static check over the sources, and dynamic ones: every array of a real build loads
with ``allow_pickle=False``; an index crafted to carry a pickle payload (with matching
checksums, so it passes every integrity check) is refused and its payload never runs;
YAML front matter cannot construct Python objects.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import tokenize
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, IndexUnavailableError
from assistant.config import PROJECT_ROOT
from assistant.store import BM25_DIR, CHECKSUMS, SENTENCE_VECTORS, VECTORS, open_current

from .conftest import Copy, MemoEmbedder, Prebuilt, assert_one_line_error

Run = Callable[..., tuple[int, str, str]]
SOURCE_DIRS = ("assistant", "ui")
UNSAFE_MODULES = {
    "pickle", "cPickle", "_pickle", "cloudpickle", "dill", "joblib", "shelve", "marshal",
}  # fmt: skip
FORBIDDEN_TEXT = (
    "allow_pickle=True", "torch.load", "unsafe_allow_html=True", "import pickle",
    "yaml.unsafe_load", "yaml.full_load", "UnsafeLoader", "trust_remote_code=True",
)  # fmt: skip
UNSAFE_KEYWORDS = ("allow_pickle", "unsafe_allow_html", "trust_remote_code", "shell")


def _code_tokens(source: str) -> str:
    """The source without comments and strings (docstrings may say "no pickle")."""
    kept = [
        t.string
        for t in tokenize.generate_tokens(io.StringIO(source).readline)
        if t.type not in (tokenize.COMMENT, tokenize.STRING)
    ]
    return " ".join(kept).replace(" = ", "=").replace(" . ", ".").replace(" ( ", "(")


def unsafe_calls(source: str, name: str = "<source>") -> list[str]:
    """Every construct that could run code from data, found by grep and by the AST."""
    found = [f"{name}: {text}" for text in FORBIDDEN_TEXT if text in source]
    code = _code_tokens(source)
    found += [f"{name}: mentions {m}" for m in UNSAFE_MODULES if f" {m} " in f" {code} "]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            found += [f"{name}: imports {m}" for m in modules if m.split(".")[0] in UNSAFE_MODULES]
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        line = f"{name}:{node.lineno}"
        if isinstance(func, ast.Name) and func.id in ("eval", "exec", "__import__"):
            found.append(f"{line}: {func.id}()")
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            owner, attr = func.value.id, func.attr
            if owner == "torch" and attr == "load":
                found.append(f"{line}: torch.load()")
            if (
                owner == "yaml"
                and attr in ("load", "load_all")
                and not any("Safe" in ast.unparse(k.value) for k in node.keywords)
            ):
                found.append(f"{line}: yaml.{attr}() without SafeLoader")
            if owner in ("np", "numpy") and attr == "load":
                safe = [k for k in node.keywords if k.arg == "allow_pickle"]
                if not safe or not _is_false(safe[0].value):
                    found.append(f"{line}: np.load() without allow_pickle=False")
        for keyword in node.keywords:
            if keyword.arg in UNSAFE_KEYWORDS and not _is_false(keyword.value):
                found.append(f"{line}: {keyword.arg}={ast.unparse(keyword.value)}")
    return found


def _is_false(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def test_the_checker_catches_what_it_looks_for() -> None:
    bad = (
        "import pickle\nfrom dill import loads\nimport numpy as np\nimport torch, yaml\n"
        "np.load('x.npy')\nnp.load('x.npy', allow_pickle=True)\ntorch.load('m.pt')\n"
        "eval('1')\nexec('x=1')\nyaml.load(s)\nst.markdown(x, unsafe_allow_html=True)\n"
        "SentenceTransformer(p, trust_remote_code=True)\nsubprocess.run(c, shell=True)\n"
    )
    problems = " ".join(unsafe_calls(bad))
    for expected in ("imports pickle", "imports dill", "np.load() without", "allow_pickle=True",
                     "torch.load()", "eval()", "exec()", "yaml.load() without",
                     "unsafe_allow_html=True", "trust_remote_code=True", "shell=True"):  # fmt: skip
        assert expected in problems, expected
    ok = '"""Saved with allow_pickle=False: no pickle."""\nnp.load(p, allow_pickle=False)\n'
    assert unsafe_calls(ok + "model.eval()\ndef _eval(): pass\n") == []


def test_no_source_can_unpickle_eval_or_inject_html() -> None:
    sources = [p for d in SOURCE_DIRS for p in sorted((PROJECT_ROOT / d).rglob("*.py"))]
    assert len(sources) > 10
    problems = [
        problem
        for path in sources
        for problem in unsafe_calls(path.read_text(), str(path.relative_to(PROJECT_ROOT)))
    ]
    assert problems == []


def test_every_array_of_a_real_build_loads_without_pickle(prebuilt: Prebuilt) -> None:
    arrays = sorted(prebuilt.new_index.rglob("*.npy"))
    assert len(arrays) >= 5  # vectors, sentences and bm25's three
    for path in arrays:
        array = np.load(path, allow_pickle=False)
        assert array.dtype != object


class Payload:
    """Unpickling this creates a directory: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.marker),))


def plant(path: Path, marker: Path) -> None:
    """Replace ``path`` with a pickle-bearing .npy and re-sign the build's checksums."""
    np.save(path, np.array([Payload(marker)], dtype=object), allow_pickle=True)
    build = next(p for p in [path.parent, path.parent.parent] if (p / CHECKSUMS).exists())
    sums = json.loads((build / CHECKSUMS).read_text())
    sums["files"][path.relative_to(build).as_posix()] = {
        "size": path.stat().st_size,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    (build / CHECKSUMS).write_text(json.dumps(sums))


@pytest.mark.parametrize("name", [VECTORS, SENTENCE_VECTORS, f"{BM25_DIR}/data.csc.index.npy"])
def test_a_pickle_bearing_index_is_refused_and_never_executed(
    copy_old: Copy, cli: Run, memo: MemoEmbedder, tmp_path: Path, name: str
) -> None:
    # the payload is live: loading it the unsafe way would run it
    live, fired = tmp_path / "live.npy", tmp_path / "fired"
    np.save(live, np.array([Payload(fired)], dtype=object), allow_pickle=True)
    np.load(live, allow_pickle=True)
    assert fired.is_dir()

    marker = tmp_path / "pwned"
    plant(copy_old.build() / name, marker)
    with pytest.raises(IndexUnavailableError):
        open_current(copy_old.index, verify=True)
    with pytest.raises(IndexUnavailableError):
        Assistant(copy_old.settings, embedder=memo).ask("what does a TPM do?")
    code, _, err = cli("ask", "what does a TPM do?", *copy_old.argv)
    assert code == 3
    assert_one_line_error(err, "career-assistant index --full")
    assert not marker.exists()


def test_yaml_front_matter_cannot_construct_python_objects(
    copy_old: Copy, cli: Run, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    (copy_old.corpus / "paths" / "evil.md").write_text(
        f"---\ntitle: !!python/object/apply:os.mkdir ['{marker}']\n"
        f"aliases: !!python/object/new:os.system ['touch {marker}']\n---\n"
        "# Evil\n\nThis file tries to run code from its front matter.\n"
    )
    code, _, err = cli("index", *copy_old.argv)
    assert code == 0
    assert "paths/evil.md" in err and "not valid YAML" in err
    assert not marker.exists()
    assert open_current(copy_old.index).documents["paths/evil.md"].title == "Evil"
