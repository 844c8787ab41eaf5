"""A wandb module that logs into lathe (shipped by ``lathe run --wandb``).

A script written for Weights & Biases runs unchanged::

    import wandb
    wandb.init(project="digits", config={"lr": 0.01}, tags=["baseline"])
    for step in range(10):
        wandb.log({"loss": loss, "val": {"acc": acc}}, step=step)   # val/acc
    wandb.summary["best_acc"] = 0.97
    wandb.finish()

config becomes the run's params, project its experiment (unless the run
was started with --exp; then the tag "project"), log its metrics (nested
dicts as "a/b"; without step, W&B's own counting), summary and tags its
tags ("<tag>" = "true"; name= as "wandb.name"). What lathe does not keep
(artifacts, tables, images, media, watch, alerts, sweeps...) is accepted and
ignored, with one warning on stderr for each kind, never an exception.
Standard library only; lathe.py, beside this package, does the writing.
"""

import sys as _sys

import lathe as _lathe

config = _lathe.config
summary = _lathe.summary
run = None

_warned = set()


def _warn(what):
    if what not in _warned:
        _warned.add(what)
        _sys.stderr.write("lathe's wandb: %s is not kept by lathe and is ignored\n" % what)


def init(project=None, config=None, name=None, tags=None, **kwargs):  # noqa: A002
    global run
    for k in sorted(kwargs):
        if kwargs[k] is not None and k not in ("entity", "reinit", "dir", "mode", "job_type", "group", "notes", "settings", "resume", "id"):
            _warn("wandb.init(%s=...)" % k)
    run = _lathe.init(project=project, config=config, name=name, tags=tags)
    return run


def log(data, step=None, commit=True, **kwargs):
    try:
        skipped = _lathe.log_session(data, step=step, commit=True if commit is None else commit)
    except (TypeError, ValueError) as e:
        _warn("wandb.log of this data (%s)" % e)
        return
    for k in skipped:
        _warn("a non-number in wandb.log (%r)" % k)


def finish(*args, **kwargs):
    global run
    _lathe.finish()
    run = None


class _Ignored(object):
    """Stands for what lathe does not keep: any call, any attribute."""

    def __init__(self, name):
        self._name = name

    def __call__(self, *args, **kwargs):
        _warn(self._name)
        return _Ignored(self._name)

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _Ignored(self._name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# W&B's calls and classes that lathe accepts and ignores.
_IGNORED = frozenset(
    "Image Table Artifact Audio Video Html Histogram Object3D Molecule Plotly Graph Settings Api Error "
    "watch unwatch save restore log_artifact use_artifact log_model use_model link_model define_metric "
    "alert login agent sweep controller mark_preempting plot plots termlog termwarn termerror setup "
    "teardown require visualize".split()
)


def __getattr__(name):  # PEP 562: wandb.Image, wandb.Table, wandb.watch...
    if name not in _IGNORED:
        raise AttributeError("module 'wandb' (lathe's) has no attribute %r" % name)
    return _Ignored("wandb." + name)
