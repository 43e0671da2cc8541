"""Connecting to Ray: a local cluster on this machine's cores, or an existing cluster by its address.

Ray (https://docs.ray.io) is an optional extra (``pip install -e ".[ray]"``), imported only here and
only when the ``ray`` engine is used. :func:`ray_session` is the one way the library starts or joins
Ray:

- ``address=None`` and ``CORPUS_COMPASS_RAY_ADDRESS`` unset: a local Ray with ``os.cpu_count()`` CPUs
  and a small object store (:data:`DEFAULT_OBJECT_STORE_BYTES`, or ``CORPUS_COMPASS_RAY_OBJECT_STORE``
  in bytes), shut down when the session ends;
- an address (``"ray://host:10001"``, ``"host:6379"`` or ``"auto"``): that cluster is joined and only
  this driver disconnects at the end;
- Ray already initialised in this process (a notebook, a test fixture): it is used as it is and left
  running.

Errors raised inside a Ray worker arrive wrapped in Ray's own exception types with remote
tracebacks; :func:`unwrap_worker_error` turns them into one Corpus Compass error whose message says
what failed on the worker (:class:`ClusterError` when the cause is not a Corpus Compass error).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from core.exceptions import ClusterError, CorpusCompassError, ParameterError

__all__ = ["ADDRESS_ENV", "DEFAULT_OBJECT_STORE_BYTES", "ClusterInfo", "ray_session"]

#: Environment variable naming the Ray cluster to join when no address is given.
ADDRESS_ENV = "CORPUS_COMPASS_RAY_ADDRESS"
#: Environment variable overriding the object store size (bytes) of a local Ray started here.
OBJECT_STORE_ENV = "CORPUS_COMPASS_RAY_OBJECT_STORE"
#: Object store of a local Ray started here: 1 GiB. Batches of embeddings are small and the large
#: outputs go to Parquet files, so a small store is enough; Ray spills to disk beyond it.
DEFAULT_OBJECT_STORE_BYTES = 1 << 30
#: Times a failed task is run again (and an embedding actor restarted) before the run fails.
MAX_RETRIES = 3

_INSTALL_HINT = ('the Ray engine needs the optional package ray: install it with '
                 'pip install "corpus-compass[ray]" (or pip install -e ".[ray]" in a checkout)')


@dataclass(frozen=True)
class ClusterInfo:
    """What the manifest records about the Ray cluster a run used.

    Attributes
    ----------
    address : str
        ``"local"`` for a Ray started by this process, else the address joined.
    nodes : int
        Alive nodes.
    cpus : int
        CPUs of all alive nodes together.
    ray_version : str
    started_here : bool
        True when this process started (and will stop) the cluster.
    """

    address: str
    nodes: int
    cpus: int
    ray_version: str
    started_here: bool

    def to_dict(self) -> dict[str, Any]:
        return {"address": self.address, "nodes": self.nodes, "cpus": self.cpus,
                "ray_version": self.ray_version, "started_here": self.started_here}


def import_ray() -> Any:
    """``import ray`` (and Ray Data), or a :class:`ClusterError` saying how to install it."""
    try:
        import ray
        import ray.data  # Ray Data comes with the "data" extra of ray
    except ImportError as exc:
        raise ClusterError(_INSTALL_HINT) from exc
    return ray


def resolve_address(address: str | None) -> str | None:
    """The cluster address to join: ``address``, else ``CORPUS_COMPASS_RAY_ADDRESS``, else None (local)."""
    if address is not None and (not isinstance(address, str) or not address.strip()):
        raise ParameterError(f"ray_address must be a Ray cluster address such as 'ray://host:10001' "
                             f"or None for a local Ray, got {address!r}")
    if address is None:
        address = os.environ.get(ADDRESS_ENV, "").strip() or None
    return address.strip() if address else None


def _object_store_bytes() -> int:
    raw = os.environ.get(OBJECT_STORE_ENV, "").strip()
    if not raw:
        return DEFAULT_OBJECT_STORE_BYTES
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 80 * (1 << 20):
        raise ParameterError(f"{OBJECT_STORE_ENV} must be a number of bytes of at least 83886080 (80 MiB), "
                             f"got {raw!r}")
    return value


def _quiet_ray_data(ray: Any) -> None:
    """No progress bars or execution logs from Ray Data on the terminal: the pipeline reports progress."""
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    with contextlib.suppress(AttributeError):
        ctx.print_on_execution_start = False
    with contextlib.suppress(AttributeError):
        ctx.enable_operator_progress_bars = False
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.WARNING)


@contextlib.contextmanager
def quiet_deprecations() -> Iterator[None]:
    """Silence Ray's deprecation warnings for the ``map_batches`` calls inside the block.

    The bounded retries are set with ``ray_remote_args_fn``, which Ray 2.60 marks as deprecated
    without a replacement for restarts and retries yet; the extra pins Ray below 2.64, where it goes.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, message=r".*(deprecated|Deprecat).*")
        yield


def _info(ray: Any, address: str, started_here: bool) -> ClusterInfo:
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    cpus = int(sum(n.get("Resources", {}).get("CPU", 0) for n in nodes))
    return ClusterInfo(address=address, nodes=len(nodes), cpus=cpus, ray_version=str(ray.__version__),
                       started_here=started_here)


@contextlib.contextmanager
def ray_session(address: str | None = None) -> Iterator[ClusterInfo]:
    """Start or join Ray for the duration of a ``with`` block (see the module docstring).

    Parameters
    ----------
    address : str, optional
        A Ray cluster address; default ``CORPUS_COMPASS_RAY_ADDRESS``, else a local Ray.

    Yields
    ------
    ClusterInfo

    Raises
    ------
    ClusterError
        Ray is not installed, or the cluster cannot be started or joined.
    """
    ray = import_ray()
    address = resolve_address(address)
    if ray.is_initialized():
        _quiet_ray_data(ray)
        yield _info(ray, "already running in this process", False)
        return
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                              "logging_level": logging.WARNING, "configure_logging": True}
    if address is None:
        kwargs.update(num_cpus=os.cpu_count() or 1, object_store_memory=_object_store_bytes())
    try:
        ray.init(address=address, **kwargs)
    except Exception as exc:  # ConnectionError, RuntimeError, ValueError: Ray's own messages
        where = f"the Ray cluster at {address!r}" if address else "a local Ray"
        hint = (" (is it running? start one with: ray start --head)" if address else "")
        raise ClusterError(f"could not start or join {where}: {' '.join(str(exc).split())}{hint}") from exc
    try:
        _quiet_ray_data(ray)
        yield _info(ray, address or "local", True)
    finally:
        ray.shutdown()


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and what caused it: Ray's ``cause`` attribute, then ``__cause__``/``__context__``."""
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not e for e in out):
        out.append(current)
        nxt = getattr(current, "cause", None)
        current = nxt if isinstance(nxt, BaseException) else (current.__cause__ or current.__context__)
    return out


# the last line of a remote traceback: "core.exceptions.ModelError: the message"
_REMOTE_ERROR = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit)): (.+)$", re.MULTILINE)


def unwrap_worker_error(exc: BaseException, what: str) -> CorpusCompassError:
    """One clear error for an exception raised by Ray while doing ``what`` on the workers.

    Ray delivers a worker's exception as the ``cause`` of a ``RayTaskError`` when it can; Ray Data
    and actor deaths deliver only the remote traceback's text, whose last ``module.Type: message``
    line names the worker's own error. Either way the user gets that error, once.

    Parameters
    ----------
    exc : BaseException
        What Ray raised on the driver (``RayTaskError``, a Ray Data error, ``ActorDiedError`` ...).
    what : str
        The work, for the message (``"embedding 'news'"``).

    Returns
    -------
    CorpusCompassError
        The worker's own Corpus Compass error (same type, message prefixed with where it happened),
        or a :class:`ClusterError` naming the worker's exception type and message.
    """
    from core import exceptions

    prefix = f"a Ray worker failed while {what}: "
    chain = _chain(exc)
    for item in chain:
        if isinstance(item, CorpusCompassError) and not type(item).__module__.startswith("ray"):
            text = str(item.args[0]) if item.args else str(item)
            return _rebuild(type(item), prefix + text)
    found: tuple[str, str] | None = None
    for item in chain:
        # Ray's own wrappers (ray.exceptions.UserCodeException ...) are not the worker's error
        matches = [m for m in _REMOTE_ERROR.findall(str(item)) if not m[0].startswith("ray.")]
        if matches:
            found = matches[-1]
    if found is None:
        last = chain[-1]
        first = (str(last).strip().splitlines() or [""])[0].strip()
        return ClusterError(f"{prefix}{type(last).__name__}{': ' + first if first else ''}")
    qualified, message = found
    module, _, name = qualified.rpartition(".")
    cls = getattr(exceptions, name, None) if module in ("core.exceptions", "") else None
    if isinstance(cls, type) and issubclass(cls, CorpusCompassError):
        return _rebuild(cls, prefix + message.strip())
    return ClusterError(f"{prefix}{name}: {message.strip()}")


def _rebuild(cls: type, message: str) -> CorpusCompassError:
    try:
        return cls(message)
    except TypeError:  # an error class with required extra arguments
        return ClusterError(message)
