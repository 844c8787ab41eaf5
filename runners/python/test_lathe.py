"""Tests for lathe.py. Run from the repository root with:

    python3 -m unittest discover -s runners/python -v
"""

import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from fractions import Fraction
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lathe  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def _reject_constant(name):
    raise ValueError("bare JSON constant %r is not strict JSON" % name)


def strict_loads(line):
    return json.loads(line, parse_constant=_reject_constant)


class FakeScalar:
    """Stands in for a numpy/torch scalar that only offers .item()."""

    def __init__(self, v):
        self.v = v

    def item(self):
        return self.v


class FloatLike:
    def __float__(self):
        return 2.5


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.path = os.path.join(self.tmp.name, "metrics.jsonl")
        env = {
            "LATHE_METRICS_FILE": self.path,
            "LATHE_RUN_ID": "run-123",
            "LATHE_RUN_DIR": self.tmp.name,
            "LATHE_SOCKET": os.path.join(self.tmp.name, "sock"),
        }
        patcher = mock.patch.dict(os.environ, env)
        patcher.start()
        self.addCleanup(patcher.stop)

    def raw(self):
        if not os.path.exists(self.path):
            return b""
        with open(self.path, "rb") as f:
            return f.read()

    def lines(self):
        data = self.raw().decode("utf-8")
        if data:
            self.assertTrue(data.endswith("\n"), "file must end with a newline")
        return [strict_loads(l) for l in data.splitlines()]

    def one(self):
        lines = self.lines()
        self.assertEqual(len(lines), 1, lines)
        return lines[0]


class OutsideLathe(unittest.TestCase):
    def test_noop_without_env(self):
        with tempfile.TemporaryDirectory() as d:
            env = {k: v for k, v in os.environ.items() if not k.startswith("LATHE_")}
            with mock.patch.dict(os.environ, env, clear=True):
                old = os.getcwd()
                os.chdir(d)
                try:
                    self.assertFalse(lathe.active())
                    self.assertIsNone(lathe.run_id())
                    self.assertIsNone(lathe.log({"loss": 1.0}, step=1))
                    self.assertIsNone(lathe.log({"loss": float("nan")}))
                    self.assertIsNone(lathe.params({"lr": 0.1}))
                    self.assertIsNone(lathe.tags({"dataset": "x"}))
                    self.assertIsNone(lathe.eval("class=1", {"acc": 0.5}))
                    self.assertIsNone(lathe.artifact("model", "model.pt"))
                    self.assertIsNone(lathe.dataset("train", "data/train.csv", role="train"))
                    self.assertIsNone(lathe.total(10))
                finally:
                    os.chdir(old)
                self.assertEqual(os.listdir(d), [])

    def test_empty_env_is_inactive(self):
        with mock.patch.dict(os.environ, {"LATHE_METRICS_FILE": "", "LATHE_RUN_ID": ""}):
            self.assertFalse(lathe.active())
            self.assertIsNone(lathe.run_id())
            lathe.log({"loss": 1.0})


class Format(Base):
    def test_active_and_run_id(self):
        self.assertTrue(lathe.active())
        self.assertEqual(lathe.run_id(), "run-123")

    def test_log_with_step(self):
        before = time.time()
        self.assertIsNone(lathe.log({"loss": 0.31, "acc": 0.9}, step=12))
        after = time.time()
        rec = self.one()
        self.assertEqual(list(rec), ["step", "time", "metrics"])
        self.assertEqual(rec["step"], 12)
        self.assertIsInstance(rec["step"], int)
        self.assertIsInstance(rec["time"], float)
        self.assertTrue(before <= rec["time"] <= after)
        self.assertEqual(rec["metrics"], {"loss": 0.31, "acc": 0.9})

    def test_log_without_step(self):
        lathe.log({"loss": 1})
        rec = self.one()
        self.assertEqual(sorted(rec), ["metrics", "time"])
        self.assertEqual(rec["metrics"], {"loss": 1.0})
        self.assertIsInstance(rec["metrics"]["loss"], float)

    def test_log_converts_scalars(self):
        lathe.log(
            {"i": 3, "b": True, "frac": Fraction(1, 4), "flt": FloatLike(), "item": FakeScalar(7)},
            step=FakeScalar(5),
        )
        rec = self.one()
        self.assertEqual(rec["step"], 5)
        self.assertEqual(
            rec["metrics"], {"i": 3.0, "b": 1.0, "frac": 0.25, "flt": 2.5, "item": 7.0}
        )

    def test_each_line_is_one_object(self):
        lathe.log({"a": 1.0}, step=1)
        lathe.log({"a": 2.0}, step=2)
        lathe.total(2)
        data = self.raw()
        self.assertEqual(data.count(b"\n"), 3)
        self.assertEqual([r.get("step") for r in self.lines()], [1, 2, None])

    def test_params(self):
        lathe.params({"lr": 0.01, "layers": 3, "opt": "adam", "none": None})
        self.assertEqual(
            self.one(), {"params": {"lr": "0.01", "layers": "3", "opt": "adam", "none": "None"}}
        )

    def test_params_given(self):
        # A sweep's trial reads the params it was given; nothing is written.
        os.environ["LATHE_PARAMS"] = '{"lr": "0.01", "hidden": "128"}'
        try:
            self.assertEqual(lathe.params(), {"lr": "0.01", "hidden": "128"})
        finally:
            del os.environ["LATHE_PARAMS"]
        self.assertEqual(lathe.params(), {})
        self.assertEqual(self.lines(), [])

    def test_tags(self):
        lathe.tags({"dataset": "digits"})
        self.assertEqual(self.one(), {"tags": {"dataset": "digits"}})

    def test_eval(self):
        lathe.eval("class=3", {"acc": 0.81})
        self.assertEqual(self.one(), {"eval": {"slice": "class=3", "metrics": {"acc": 0.81}}})

    def test_total(self):
        lathe.total(5000)
        self.assertEqual(self.one(), {"total": 5000})

    def test_artifact_absolute_path(self):
        old = os.getcwd()
        os.chdir(self.tmp.name)
        self.addCleanup(os.chdir, old)
        lathe.artifact("model", "model.pt")
        lathe.artifact("ckpt", "/abs/dir/ckpt.pt")
        from pathlib import Path
        lathe.artifact("p", Path("sub") / "x.bin")
        recs = self.lines()
        cwd = os.getcwd()
        self.assertEqual(recs[0], {"artifact": {"name": "model", "path": os.path.join(cwd, "model.pt")}})
        self.assertEqual(recs[1], {"artifact": {"name": "ckpt", "path": "/abs/dir/ckpt.pt"}})
        self.assertEqual(recs[2]["artifact"]["path"], os.path.join(cwd, "sub", "x.bin"))
        for r in recs:
            self.assertTrue(os.path.isabs(r["artifact"]["path"]))

    def test_dataset(self):
        old = os.getcwd()
        os.chdir(self.tmp.name)
        self.addCleanup(os.chdir, old)
        lathe.dataset("digits-train", "data/train.csv", role="train")
        lathe.dataset("images", "/abs/images")
        from pathlib import Path
        lathe.dataset("val", Path("data") / "val.csv", role="held-out 2024")
        recs = self.lines()
        cwd = os.getcwd()
        self.assertEqual(recs[0], {"dataset": {"name": "digits-train", "path": os.path.join(cwd, "data", "train.csv"), "role": "train"}})
        self.assertEqual(recs[1], {"dataset": {"name": "images", "path": "/abs/images"}})
        self.assertEqual(recs[2]["dataset"]["role"], "held-out 2024")
        self.assertEqual(recs[2]["dataset"]["path"], os.path.join(cwd, "data", "val.csv"))

    def test_unicode_names(self):
        lathe.log({"verlust/λ": 1.5})
        self.assertEqual(self.one()["metrics"], {"verlust/λ": 1.5})


class NonFinite(Base):
    def test_nan_inf_as_strings(self):
        lathe.log({"n": float("nan"), "p": float("inf"), "m": float("-inf"), "ok": 1.0}, step=1)
        raw = self.raw().decode()
        for bare in (": NaN", ": Infinity", ": -Infinity"):
            self.assertNotIn(bare, raw)
        rec = self.one()  # strict parse: would raise on bare NaN/Infinity
        self.assertEqual(rec["metrics"], {"n": "NaN", "p": "Infinity", "m": "-Infinity", "ok": 1.0})

    def test_nan_in_eval_and_item(self):
        lathe.eval("all", {"acc": FakeScalar(math.nan)})
        self.assertEqual(self.one()["eval"]["metrics"], {"acc": "NaN"})

    def test_strict_parser_rejects_bare_nan(self):
        with self.assertRaises(ValueError):
            strict_loads('{"a": NaN}')


class BadInput(Base):
    def assertRejects(self, exc, fn, *args, **kw):
        with self.assertRaises(exc) as cm:
            fn(*args, **kw)
        self.assertTrue(str(cm.exception))
        self.assertEqual(self.raw(), b"", "nothing may be written on bad input")
        self.assertFalse(os.path.exists(self.path))

    def test_bad_metric_values(self):
        for v in ("0.5", None, b"1", [1.0], {"x": 1}, object(), 1j, FakeScalar("x")):
            with self.subTest(value=v):
                self.assertRejects(TypeError, lathe.log, {"good": 1.0, "bad": v})

    def test_bad_metric_names(self):
        self.assertRejects(ValueError, lathe.log, {"": 1.0})
        self.assertRejects(TypeError, lathe.log, {1: 1.0})
        self.assertRejects(ValueError, lathe.eval, "s", {"": 1.0})

    def test_bad_metrics_container(self):
        self.assertRejects(TypeError, lathe.log, [("loss", 1.0)])
        self.assertRejects(ValueError, lathe.log, {})

    def test_bad_step(self):
        self.assertRejects(TypeError, lathe.log, {"a": 1.0}, step=1.5)
        self.assertRejects(TypeError, lathe.log, {"a": 1.0}, step="3")
        self.assertRejects(TypeError, lathe.log, {"a": 1.0}, step=True)

    def test_bad_params_tags(self):
        self.assertRejects(TypeError, lathe.params, [("lr", 1)])
        self.assertRejects(ValueError, lathe.params, {"": 1})
        self.assertRejects(TypeError, lathe.tags, {None: "x"})

    def test_bad_eval(self):
        self.assertRejects(ValueError, lathe.eval, "", {"acc": 1.0})
        self.assertRejects(TypeError, lathe.eval, 3, {"acc": 1.0})
        self.assertRejects(TypeError, lathe.eval, "s", {"acc": "high"})

    def test_bad_artifact(self):
        self.assertRejects(ValueError, lathe.artifact, "", "x")
        self.assertRejects(TypeError, lathe.artifact, "m", None)
        self.assertRejects(ValueError, lathe.artifact, "m", "")

    def test_bad_dataset(self):
        self.assertRejects(ValueError, lathe.dataset, "", "x")
        self.assertRejects(TypeError, lathe.dataset, None, "x")
        self.assertRejects(TypeError, lathe.dataset, "d", None)
        self.assertRejects(ValueError, lathe.dataset, "d", "")
        self.assertRejects(ValueError, lathe.dataset, "d", "x", role="")
        self.assertRejects(TypeError, lathe.dataset, "d", "x", role=1)

    def test_bad_total(self):
        self.assertRejects(TypeError, lathe.total, 1.5)
        self.assertRejects(ValueError, lathe.total, -1)
        self.assertRejects(ValueError, lathe.total, 0)

    def test_names_the_engine_would_refuse(self):
        self.assertRejects(ValueError, lathe.log, {"x" * 251: 1.0})
        self.assertRejects(ValueError, lathe.log, {"a\nb": 1.0})
        self.assertRejects(ValueError, lathe.params, {"tab\there": 1})

    def test_bad_input_raises_outside_lathe_too(self):
        with mock.patch.dict(os.environ, {"LATHE_METRICS_FILE": ""}):
            with self.assertRaises(TypeError):
                lathe.log({"loss": "x"})


class Concurrency(Base):
    N_THREADS = 8
    N_LINES = 250

    def payload(self, who, i):
        # ~2.5 KB per line so that torn writes would be visible.
        return {"w%d_%03d" % (who, k): float(i * 1000 + k) for k in range(100)}

    def check(self, expected_per_writer):
        data = self.raw()
        self.assertTrue(data.endswith(b"\n"))
        seen = {}
        for line in data.decode().splitlines():
            rec = strict_loads(line)  # raises on a torn or interleaved line
            name = next(iter(rec["metrics"]))
            who = name.split("_")[0]
            self.assertEqual(len(rec["metrics"]), 100)
            self.assertTrue(all(k.startswith(who + "_") for k in rec["metrics"]))
            seen.setdefault(who, []).append(rec["step"])
        self.assertEqual({w: len(s) for w, s in seen.items()}, expected_per_writer)
        for steps in seen.values():
            self.assertEqual(sorted(steps), list(range(len(steps))))

    def test_threads(self):
        start = threading.Barrier(self.N_THREADS)

        def work(who):
            start.wait()
            for i in range(self.N_LINES):
                lathe.log(self.payload(who, i), step=i)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(self.N_THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.check({"w%d" % t: self.N_LINES for t in range(self.N_THREADS)})

    @unittest.skipUnless(hasattr(os, "fork"), "needs os.fork")
    def test_fork(self):
        # The parent opens the file first so the child inherits a descriptor.
        lathe.log(self.payload(0, 0), step=0)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: never return into unittest
            code = 1
            try:
                os.close(r)
                os.write(w, b"x")
                for i in range(self.N_LINES):
                    lathe.log(self.payload(1, i), step=i)
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        os.read(r, 1)  # child is running; write concurrently
        os.close(r)
        for i in range(1, self.N_LINES):
            lathe.log(self.payload(0, i), step=i)
        _, status = os.waitpid(pid, 0)
        self.assertTrue(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status)
        self.check({"w0": self.N_LINES, "w1": self.N_LINES})

    def test_reopens_when_pid_changes(self):
        lathe.log({"a": 1.0})
        fd_before = lathe._fd
        real = os.getpid()
        with mock.patch.object(lathe.os, "getpid", return_value=real + 100000):
            lathe.log({"a": 2.0})
            self.assertEqual(lathe._fd_pid, real + 100000)
            fd_fake = lathe._fd
            self.assertNotEqual(fd_fake, fd_before)
        self.assertEqual(len(self.lines()), 2)
        # Leave the module in a sane state and close the extra descriptor.
        lathe.log({"a": 3.0})
        self.assertEqual(lathe._fd_pid, real)
        os.close(fd_before)
        os.close(fd_fake)
        self.assertEqual(len(self.lines()), 3)

    def test_follows_env_change(self):
        lathe.log({"a": 1.0})
        other = os.path.join(self.tmp.name, "other.jsonl")
        with mock.patch.dict(os.environ, {"LATHE_METRICS_FILE": other}):
            lathe.log({"b": 1.0})
        with open(other) as f:
            self.assertEqual(len(f.read().splitlines()), 1)
        self.assertEqual(len(self.lines()), 1)


class Durability(Base):
    def test_nothing_lost_when_killed(self):
        code = (
            "import os, signal, sys\n"
            "sys.path.insert(0, %r)\n"
            "import lathe\n"
            "lathe.log({'loss': 0.5}, step=1)\n"
            "lathe.artifact('model', 'm.pt')\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n"
        ) % HERE
        proc = subprocess.run([sys.executable, "-c", code], env=os.environ.copy(), cwd=self.tmp.name)
        self.assertEqual(proc.returncode, -signal.SIGKILL)
        recs = self.lines()
        self.assertEqual(len(recs), 2)
        self.assertEqual(recs[0]["metrics"], {"loss": 0.5})
        self.assertEqual(recs[1]["artifact"]["path"], os.path.join(os.path.realpath(self.tmp.name), "m.pt"))


if __name__ == "__main__":
    unittest.main()
