"""Tests of the wandb module lathe ships (run: python3 -m unittest)."""

import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lathe  # noqa: E402
import wandb  # noqa: E402


class WandBTest(unittest.TestCase):
    def setUp(self):
        fd, self.path = tempfile.mkstemp()
        os.close(fd)
        os.environ["LATHE_METRICS_FILE"] = self.path
        lathe._session.update(step=0, pending={}, run=None)
        self.addCleanup(os.unlink, self.path)
        self.addCleanup(os.environ.pop, "LATHE_METRICS_FILE", None)

    def lines(self):
        with open(self.path) as f:
            return [json.loads(line) for line in f]

    def test_a_session(self):
        run = wandb.init(project="p", config={"lr": 0.1, "opt": {"name": "sgd"}}, tags=["a"], name="first")
        wandb.config.update({"epochs": 2})
        wandb.config["batch"] = 32
        self.assertEqual(wandb.config.lr, 0.1)
        wandb.log({"loss": 1.0})
        wandb.log({"loss": 0.5}, commit=False)
        wandb.log({"acc": 0.9})
        wandb.log({"x": 1}, step=7)
        run.summary["best"] = 0.9
        wandb.finish()
        lines = self.lines()
        self.assertEqual(lines[0], {"experiment": "p"})
        self.assertEqual(lines[1], {"params": {"lr": "0.1", "opt/name": "sgd"}})
        self.assertEqual(lines[2], {"tags": {"wandb.name": "first", "a": "true"}})
        metrics = [(line["step"], line["metrics"]) for line in lines if "metrics" in line]
        self.assertEqual(metrics, [(0, {"loss": 1.0}), (1, {"loss": 0.5, "acc": 0.9}), (7, {"x": 1.0})])
        self.assertIn({"tags": {"best": "0.9"}}, lines)

    def test_unsupported_calls_warn_once_and_never_raise(self):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            wandb.init()
            wandb.log({"img": wandb.Image("a.png"), "loss": 2})
            wandb.log({"img": wandb.Image("b.png")})
            table = wandb.Table(columns=["a"])
            table.add_data(1)
            wandb.log_artifact(wandb.Artifact("m", type="model"))
            wandb.watch(object(), log="all")
            with wandb.init() as run:
                run.log({"loss": 1})
        self.assertEqual(err.getvalue().count("wandb.Image is not kept"), 1)
        self.assertEqual(err.getvalue().count("wandb.Table is not kept"), 1)
        self.assertIn("wandb.watch is not kept", err.getvalue())
        losses = [line["metrics"]["loss"] for line in self.lines() if "metrics" in line]
        self.assertEqual(losses, [2.0, 1.0])

    def test_outside_lathe_nothing_is_written(self):
        os.environ.pop("LATHE_METRICS_FILE")
        wandb.init(project="p")
        wandb.log({"loss": 1})
        wandb.finish()
        self.assertEqual(os.path.getsize(self.path), 0)


if __name__ == "__main__":
    unittest.main()
