"""Peak memory and time of one benchmark stage, each in a fresh Python process.

How peak memory is measured, and why this way: the stage runs in a child process started for it
alone (``python -m bench.memory <module>:<function> <json kwargs>``), and the parent collects the
child with ``os.wait4``, whose ``rusage`` is that child's own; its ``ru_maxrss`` is the child's peak
resident set size (the figure ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` gives when the child
is the only one collected so far; ``wait4`` gives it per child, so one parent can run many stages).
The resident set size counts every allocation, whichever library made it: numpy, faiss's C++ index,
numba's arrays, torch and SQLite alike, so it is the honest number for "fits in 6 GiB".
``tracemalloc`` would miss faiss's and torch's allocations, so it is not used. The figure includes
the interpreter, the imported libraries and the stage's input data; the child also reports its peak
just before the stage starts (``rss_before_mb``), so the stage's own growth is visible.

Time: the stage function measures itself around the work only (not the imports or the data
generation): wall seconds (``time.perf_counter``) and CPU seconds of all the process's threads
(``time.process_time``). On a shared machine the wall time depends on what else runs; the CPU time
mostly does not, which is why both are kept.

A stage function is any module-level function that takes keyword arguments of JSON types and
returns a JSON-serialisable dict; by convention it includes ``seconds`` (wall) and ``cpu_seconds``.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_MARKER = "@@bench-memory-result@@"


@dataclass(frozen=True)
class Measurement:
    """What one child process reported, plus its peak resident set size.

    Attributes
    ----------
    result : dict
        The stage function's return value (empty if the child failed).
    peak_rss_mb : float
        Peak resident set size of the child, MiB (from ``os.wait4``'s rusage).
    returncode : int
        The child's exit status (0 = success; negative = killed by that signal).
    error : str
        The end of the child's stderr when it failed, else "".
    """

    result: dict = field(default_factory=dict)
    peak_rss_mb: float = float("nan")
    returncode: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and bool(self.result)


def _maxrss_mb(ru_maxrss: int) -> float:
    # Linux reports kilobytes, macOS bytes
    return ru_maxrss / (1024.0 * 1024.0) if sys.platform == "darwin" else ru_maxrss / 1024.0


def self_peak_mb() -> float:
    """Peak resident set size of the calling process so far, MiB."""
    return _maxrss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def run_isolated(target: str, *, timeout: float | None = None, env: dict[str, str] | None = None,
                 **kwargs: Any) -> Measurement:
    """Run ``target`` (``"module:function"``) with ``kwargs`` in a fresh Python; measure its peak RSS.

    Parameters
    ----------
    target : str
        ``"package.module:function"``, importable from the repository root.
    timeout : float, optional
        Seconds before the child is killed (the measurement then reports the failure).
    env : dict, optional
        Extra environment variables for the child.
    **kwargs
        JSON-serialisable keyword arguments of the function.

    Returns
    -------
    Measurement
    """
    child_env = dict(os.environ)
    child_env["PYTHONPATH"] = str(ROOT) + (os.pathsep + child_env["PYTHONPATH"]
                                           if child_env.get("PYTHONPATH") else "")
    child_env.update(env or {})
    cmd = [sys.executable, "-m", "bench.memory", target, json.dumps(kwargs)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=child_env, stdout=out, stderr=err)
        status, usage = _wait(proc, timeout)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    code = os.waitstatus_to_exitcode(status)
    result: dict = {}
    for line in stdout.splitlines():
        if line.startswith(_MARKER):
            result = json.loads(line[len(_MARKER):])
    peak = _maxrss_mb(usage.ru_maxrss)
    error = "" if code == 0 and result else (stderr.strip().splitlines() or ["no output"])[-1][:300]
    return Measurement(result=result, peak_rss_mb=peak, returncode=code, error=error)


def _wait(proc: subprocess.Popen, timeout: float | None) -> tuple[int, Any]:
    """Collect ``proc`` with ``os.wait4`` (its own rusage); kill it after ``timeout`` seconds."""
    import time

    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG if deadline is not None else 0)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)  # tell Popen it is collected
            return status, usage
        if deadline is not None and time.monotonic() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            return status, usage
        time.sleep(0.05)


def _child(target: str, kwargs_json: str) -> int:
    module_name, _, func_name = target.partition(":")
    func = getattr(importlib.import_module(module_name), func_name)
    result = func(**json.loads(kwargs_json))
    result = dict(result)
    result.setdefault("rss_end_mb", self_peak_mb())
    sys.stdout.write(_MARKER + json.dumps(result, default=float) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1], sys.argv[2]))
