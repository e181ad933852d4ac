"""This CPU's x86 extensions, and running a process as if it had fewer.

Embedding kernels are chosen from CPUID when a library loads, so the same question can
get different vectors on an AVX-512/VNNI CPU and on an AVX2 one. ``cpuid_mask.c`` (an
LD_PRELOAD library) lets one machine run both: it hides extensions from CPUID through
Linux's CPUID faulting. The reliability tests and ``python -m benchmarks cpu`` use it.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

SOURCE = Path(__file__).with_name("cpuid_mask.c")
#: Instruction-set levels a process can be run at: the CPU's own, or fewer extensions.
LEVELS = {"native": 0, "avx2": 1, "sse4": 2}
#: The exit status of a process whose kernel or CPU cannot fault on CPUID.
UNSUPPORTED = 97


@dataclass(frozen=True)
class CpuFeatures:
    """The x86 extensions that decide which matrix kernels run (read, not assumed)."""

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


def kernels_seen() -> dict[str, bool]:
    """The extensions this process's kernels were chosen for, as NumPy read them from
    CPUID (so a mask shows here, unlike in /proc/cpuinfo)."""
    features = importlib.import_module("numpy._core._multiarray_umath").__cpu_features__
    return {name: bool(features.get(name)) for name in ("AVX2", "AVX512F", "AVX512VNNI")}


def lower_levels(features: CpuFeatures) -> list[str]:
    """The levels that run other kernels than this CPU's own, nearest first."""
    levels = []
    if features.avx512f or features.vnni:
        levels.append("avx2")
    if features.avx2:
        levels.append("sse4")
    return levels


def build_mask(directory: Path) -> Path | None:
    """Compile the LD_PRELOAD library into ``directory``; None without an x86 C compiler."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None or os.uname().machine != "x86_64":
        return None
    library = directory / "cpuid_mask.so"
    subprocess.run(
        [compiler, "-O2", "-shared", "-fPIC", "-o", str(library), str(SOURCE)],
        check=True,
        capture_output=True,
    )
    return library


def masked_env(library: Path | None, level: str, env: dict[str, str]) -> dict[str, str]:
    """``env`` for a process that runs at ``level`` (unchanged for "native")."""
    if LEVELS[level] == 0:
        return dict(env)
    if library is None:
        raise RuntimeError("no CPUID mask library: a C compiler (cc) is needed")
    return dict(env) | {"LD_PRELOAD": str(library), "CPUID_MASK_LEVEL": str(LEVELS[level])}
