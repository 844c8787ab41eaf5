"""Report metrics from a training job to lathe.

Copy this file next to your script (or put its directory on sys.path), then::

    import lathe
    lathe.params({"lr": 0.01, "epochs": 20})
    lr = float(lathe.params().get("lr", 0.01))   # the params lathe gave the run
    lathe.total(20)                            # steps the job expects
    for epoch in range(1, 21):
        lathe.log({"loss": loss, "acc": acc}, step=epoch)
    lathe.eval("class=3", {"acc": 0.81})
    lathe.artifact("model", "model.pt")
    lathe.dataset("digits-train", "data/train.csv", role="train")

When the job is started by ``lathe run -- ...`` the environment variable
LATHE_METRICS_FILE names a JSON-lines file; every call appends exactly one
complete line to it with a single unbuffered write, so lines survive the
process being killed and never interleave between threads or forked children.
Outside lathe every call validates its input and otherwise does nothing.
NaN and +/-Inf are written as the strings "NaN", "Infinity" and "-Infinity".

Standard library only; Python >= 3.9.
"""

import json
import math
import operator
import os
import threading
import time as _time

__all__ = [
    "log", "params", "tags", "eval", "artifact", "dataset", "total", "experiment", "active", "run_id",
    "init", "finish", "config", "summary",
]

_ENV_FILE = "LATHE_METRICS_FILE"
_ENV_RUN_ID = "LATHE_RUN_ID"
_ENV_PARAMS = "LATHE_PARAMS"

_lock = threading.Lock()
_fd = None  # file descriptor of the metrics file, opened lazily
_fd_path = None  # path _fd was opened for
_fd_pid = None  # pid that opened _fd


def _after_fork_in_child():
    # The parent's lock may have been held by another thread at fork time,
    # and the child should use its own descriptor.
    global _lock, _fd, _fd_path, _fd_pid
    _lock = threading.Lock()
    if _fd is not None:
        try:
            os.close(_fd)
        except OSError:
            pass
    _fd = _fd_path = _fd_pid = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


# ---------------------------------------------------------------- public API


def active():
    """True when running under lathe (LATHE_METRICS_FILE is set)."""
    return bool(os.environ.get(_ENV_FILE))


def run_id():
    """The lathe run id, or None outside lathe."""
    return os.environ.get(_ENV_RUN_ID) or None


def log(metrics, step=None):
    """Record scalar metrics, e.g. ``log({"loss": 0.31}, step=12)``.

    Values may be ints, floats, numpy or torch scalars (anything float() or
    .item() accepts). ``step`` is an optional int.
    """
    record = {}
    if step is not None:
        record["step"] = _int("step", step)
    converted = _metrics(metrics, "metrics")
    record["time"] = _time.time()
    record["metrics"] = converted
    _write(record)


def params(d=None):
    """Record hyperparameters; values are converted with str().

    Without an argument, return the params lathe gave the run (a sweep's
    trial gets its sampled values this way), as a dict of strings: from
    LATHE_PARAMS, {} outside lathe.
    """
    if d is None:
        raw = os.environ.get(_ENV_PARAMS)
        if not raw:
            return {}
        given = json.loads(raw)
        if not isinstance(given, dict):
            raise ValueError(_ENV_PARAMS + " is not a JSON object")
        return {str(k): str(v) for k, v in given.items()}
    _write({"params": _strings(d, "params")})


def tags(d):
    """Record tags such as the data set or device; values are converted with str()."""
    _write({"tags": _strings(d, "tags")})


def eval(slice, metrics):  # noqa: A001 - name fixed by the lathe contract
    """Record evaluation metrics for one slice, e.g. ``eval("class=3", {"acc": 0.81})``."""
    _name("slice", slice)
    _write({"eval": {"slice": slice, "metrics": _metrics(metrics, "eval metrics")}})


def artifact(name, path):
    """Record a produced file; a relative path is made absolute against the cwd."""
    _name("artifact name", name)
    _write({"artifact": {"name": name, "path": _path("artifact path", path)}})


def dataset(name, path, role=None):
    """Record data the job reads, e.g. ``dataset("digits-train", "data/train.csv", role="train")``.

    ``path`` is a file or a folder; a relative path is made absolute against
    the cwd. lathe records its size and sha256 with the run. ``role`` is
    optional: "train", "validation", "test" or any other text. Naming the
    same data set again replaces the earlier entry.
    """
    _name("dataset name", name)
    record = {"name": name, "path": _path("dataset path", path)}
    if role is not None:
        if not isinstance(role, str):
            raise TypeError("dataset role must be a str, got %s" % type(role).__name__)
        if not role:
            raise ValueError("dataset role must be a non-empty string")
        record["role"] = role
    _write({"dataset": record})


def total(n):
    """Record the number of steps the job expects to run."""
    n = _int("total", n)
    if n < 1:
        raise ValueError("total must be >= 1, got %d" % n)
    _write({"total": n})


def experiment(name):
    """Move the run to an experiment, unless it was started with ``--exp``
    (then the name is kept as its tag ``project``)."""
    _name("experiment", name)
    if len(name.encode("utf-8")) > 200:
        raise ValueError("experiment %r is longer than 200 bytes" % name[:40])
    _write({"experiment": name})


# ------------------------------------------------- W&B-style session calls
#
# init/config/summary/finish as Weights & Biases names them, so that a
# script written for W&B logs into lathe (see the wandb module lathe ships
# with `lathe run --wandb`): config becomes params, project the experiment,
# summary and tags tags.


class _Config(object):
    """The run's config: attributes, items and update() set params."""

    def __init__(self):
        object.__setattr__(self, "_values", {})

    def update(self, d=None, **kw):
        d = dict(d or {}, **kw)
        if d:
            self._values.update(d)
            params(_flat(d))

    def __setattr__(self, k, v):
        self.update({k: v})

    def __setitem__(self, k, v):
        self.update({k: v})

    def __getattr__(self, k):
        try:
            return self._values[k]
        except KeyError:
            raise AttributeError(k) from None

    def __getitem__(self, k):
        return self._values[k]

    def __contains__(self, k):
        return k in self._values

    def get(self, k, default=None):
        return self._values.get(k, default)

    def keys(self):
        return self._values.keys()

    def items(self):
        return self._values.items()

    def as_dict(self):
        return dict(self._values)


class _Summary(dict):
    """The run's summary: each value set becomes a tag."""

    def __setitem__(self, k, v):
        dict.__setitem__(self, k, v)
        tags({k: v})

    def update(self, d=None, **kw):
        d = dict(d or {}, **kw)
        for k, v in d.items():
            dict.__setitem__(self, k, v)
        if d:
            tags(d)


config = _Config()
summary = _Summary()


class Run(object):
    """What init returns: the run's id, name and project, and its calls."""

    def __init__(self, project, name):
        self.id = run_id()
        self.name = name
        self.project = project
        self.config = config
        self.summary = summary

    def log(self, data, step=None, commit=True, **ignored):
        log_session(data, step=step, commit=commit)

    def finish(self, *args, **kwargs):
        finish()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        finish()
        return False


_session = {"step": 0, "pending": {}, "run": None}


def init(project=None, config=None, name=None, tags=None, **ignored):  # noqa: A002 - W&B's names
    """Begin a W&B-style session: project is the experiment, config the
    params, tags become tags "<tag>" = "true"."""
    if project:
        experiment(str(project))
    if config:
        globals()["config"].update(config if isinstance(config, dict) else vars(config))
    extra = {}
    if name:
        extra["wandb.name"] = str(name)
    for t in tags or ():
        extra[str(t)] = "true"
    if extra:
        globals()["tags"](extra)
    _session["run"] = Run(project, name)
    return _session["run"]


def log_session(data, step=None, commit=True):
    """W&B's log: numbers (nested dicts flattened as "a/b") at the session's
    step, which advances after each committed call; commit=False adds to
    the next one. Returns the names it left out (not numbers)."""
    flat = _flat(data)
    skipped = []
    for k, v in flat.items():
        try:
            _float("metrics", k, v)
        except TypeError:
            skipped.append(k)
            continue
        _session["pending"][k] = v
    if step is not None:
        _session["step"] = _int("step", step)
    if commit and _session["pending"]:
        log(_session["pending"], step=_session["step"])
        _session["pending"] = {}
        _session["step"] += 1
    return skipped


def finish(*args, **kwargs):
    """End the session: what commit=False left is logged."""
    if _session["pending"]:
        log(_session["pending"], step=_session["step"])
        _session["pending"] = {}
    _session["run"] = None


def _flat(d, prefix=""):
    out = {}
    for k, v in dict(d).items():
        key = "%s/%s" % (prefix, k) if prefix else str(k)
        if isinstance(v, dict):
            out.update(_flat(v, key))
        else:
            out[key] = v
    return out


# ---------------------------------------------------------------- validation


def _name(what, s):
    if not isinstance(s, str):
        raise TypeError("%s must be a str, got %s" % (what, type(s).__name__))
    if not s:
        raise ValueError("%s must be a non-empty string" % what)
    # The engine refuses a whole line over a bad name: refuse it here, where
    # the caller sees why.
    if len(s.encode("utf-8", "surrogatepass")) > 250:
        raise ValueError("%s %r is longer than 250 bytes" % (what, s[:40] + "..."))
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in s):
        raise ValueError("%s %r contains control characters" % (what, s))


def _path(what, path):
    try:
        p = os.fspath(path)
    except TypeError:
        raise TypeError(
            "%s must be a str or os.PathLike, got %s" % (what, type(path).__name__)
        ) from None
    if isinstance(p, bytes):
        p = os.fsdecode(p)
    if not p:
        raise ValueError("%s must not be empty" % what)
    return os.path.abspath(p)


def _int(what, v):
    if isinstance(v, bool):
        raise TypeError("%s must be an int, got bool" % what)
    try:
        return operator.index(v)  # int, numpy integer, ...
    except TypeError:
        pass
    item = getattr(v, "item", None)  # e.g. a 0-d integer torch tensor
    if callable(item):
        try:
            r = item()
        except Exception:
            r = None
        if isinstance(r, int) and not isinstance(r, bool):
            return r
    raise TypeError("%s must be an int, got %s" % (what, type(v).__name__))


def _float(what, key, v):
    if v is None or isinstance(v, (str, bytes, bytearray)):
        raise TypeError(
            "%s[%r] must be a number, got %s" % (what, key, type(v).__name__)
        )
    try:
        f = float(v)
    except Exception:
        f = None
        item = getattr(v, "item", None)
        if callable(item):
            try:
                f = float(item())
            except Exception:
                f = None
        if f is None:
            raise TypeError(
                "%s[%r] must be a number (int, float or numeric scalar), got %s"
                % (what, key, type(v).__name__)
            ) from None
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    return f


def _metrics(m, what):
    if not isinstance(m, dict):
        raise TypeError("%s must be a dict, got %s" % (what, type(m).__name__))
    if not m:
        raise ValueError("%s must not be empty" % what)
    out = {}
    for k, v in m.items():
        _name("%s name" % what, k)
        out[k] = _float(what, k, v)
    return out


def _strings(d, what):
    if not isinstance(d, dict):
        raise TypeError("%s must be a dict, got %s" % (what, type(d).__name__))
    out = {}
    for k, v in d.items():
        _name("%s name" % what, k)
        out[k] = str(v)
    return out


# ---------------------------------------------------------------- writing


def _write(record):
    """Append one JSON line; no-op outside lathe. Input is already validated."""
    path = os.environ.get(_ENV_FILE)
    if not path:
        return None
    line = (json.dumps(record, allow_nan=False) + "\n").encode("utf-8")
    global _fd, _fd_path, _fd_pid
    with _lock:
        pid = os.getpid()
        if _fd is None or _fd_pid != pid or _fd_path != path:
            if _fd is not None and _fd_pid == pid:
                try:
                    os.close(_fd)
                except OSError:
                    pass
            # A descriptor inherited from another pid is left alone: it is
            # that process's to close.
            _fd = None
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
            _fd = os.open(path, flags, 0o644)
            _fd_path, _fd_pid = path, pid
        view = memoryview(line)
        while view:  # one write in practice; loop only on a short write
            n = os.write(_fd, view)
            view = view[n:]
    return None
