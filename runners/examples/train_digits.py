#!/usr/bin/env python3
"""Train a small MLP on scikit-learn's 8x8 digits and report to lathe.

    lathe run -- python3 runners/examples/train_digits.py --epochs 20

Needs PyTorch and scikit-learn (Debian: python3-torch python3-sklearn). The
digits data ships with scikit-learn, so nothing is downloaded. Outside lathe
the script runs the same and the lathe calls do nothing.
"""

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import lathe  # noqa: E402

try:
    import numpy as np
    import torch
    from torch import nn
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
except ImportError as e:
    sys.exit(f"train_digits.py: {e}; this example needs PyTorch and scikit-learn "
             f"(Debian: apt install python3-torch python3-sklearn, then run it with /usr/bin/python3)")

NUM_CLASSES = 10


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                   help="auto = cuda when available, else cpu (default: auto)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--epochs", type=int, default=20, help="training epochs (default: 20)")
    p.add_argument("--lr", type=float, default=0.01, help="Adam learning rate (default: 0.01)")
    p.add_argument("--batch-size", type=int, default=64, help="mini-batch size (default: 64)")
    p.add_argument("--hidden", type=int, default=64, help="hidden layer width (default: 64)")
    p.add_argument("--val-fraction", type=float, default=0.2,
                   help="fraction of the data held out for validation (default: 0.2)")
    p.add_argument("--out", default=None,
                   help="where to save the state_dict (default: $LATHE_RUN_DIR/model.pt, else ./model.pt)")
    args = p.parse_args()
    if args.epochs < 1:
        p.error("--epochs must be >= 1")
    if args.batch_size < 1:
        p.error("--batch-size must be >= 1")
    if args.hidden < 1:
        p.error("--hidden must be >= 1")
    if not 0.0 < args.val_fraction < 1.0:
        p.error("--val-fraction must be between 0 and 1")
    if args.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda requested but CUDA is not available")
    if args.out is None:
        run_dir = os.environ.get("LATHE_RUN_DIR")
        args.out = os.path.join(run_dir, "model.pt") if run_dir else "model.pt"
    return args


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    # Deterministic cuBLAS needs this set before the first CUDA call.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True, warn_only=True)


def load_data(seed, val_fraction, device):
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)  # pixel values are 0..16
    y = digits.target.astype(np.int64)
    x_tr, x_va, y_tr, y_va = train_test_split(
        x, y, test_size=val_fraction, random_state=seed, stratify=y)
    t = lambda a: torch.from_numpy(a).to(device)  # noqa: E731
    return t(x_tr), t(y_tr), t(x_va), t(y_va)


@torch.no_grad()
def evaluate(model, x, y, loss_fn):
    model.eval()
    logits = model(x)
    loss = loss_fn(logits, y).item()
    pred = logits.argmax(dim=1)
    return loss, (pred == y).float().mean().item(), pred


def main():
    args = parse_args()
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    device = torch.device("cuda" if args.device == "cuda" or (
        args.device == "auto" and torch.cuda.is_available()) else "cpu")
    seed_everything(args.seed)

    x_tr, y_tr, x_va, y_va = load_data(args.seed, args.val_fraction, device)

    lathe.params({
        "epochs": args.epochs, "lr": args.lr, "batch_size": args.batch_size,
        "hidden": args.hidden, "seed": args.seed, "val_fraction": args.val_fraction,
        "optimizer": "adam", "device": args.device,
    })
    lathe.tags({"dataset": "sklearn-digits", "device": device.type})
    lathe.total(args.epochs)
    print(f"run {lathe.run_id() or '-'}: {len(x_tr)} train / {len(x_va)} val samples "
          f"on {device.type}, seed {args.seed}", flush=True)

    model = nn.Sequential(
        nn.Linear(x_tr.shape[1], args.hidden),
        nn.ReLU(),
        nn.Linear(args.hidden, NUM_CLASSES),
    ).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(args.seed)  # CPU generator for shuffling

    start = time.time()
    val_acc = 0.0
    pred = None
    n = len(x_tr)
    for epoch in range(1, args.epochs + 1):
        model.train()
        perm = torch.randperm(n, generator=gen).to(device)
        total_loss = 0.0
        for i in range(0, n, args.batch_size):
            idx = perm[i:i + args.batch_size]
            opt.zero_grad()
            loss = loss_fn(model(x_tr[idx]), y_tr[idx])
            loss.backward()
            opt.step()
            total_loss += loss.item() * len(idx)
        train_loss = total_loss / n
        val_loss, val_acc, pred = evaluate(model, x_va, y_va, loss_fn)
        lathe.log({"train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc}, step=epoch)
        print(f"epoch {epoch}/{args.epochs} train_loss={train_loss:.3f} "
              f"val_loss={val_loss:.3f} val_acc={val_acc:.3f}", flush=True)

    # Per-class accuracy on the validation split.
    per_class = []
    for c in range(NUM_CLASSES):
        mask = y_va == c
        count = int(mask.sum().item())
        acc = (pred[mask] == c).float().mean().item() if count else float("nan")
        lathe.eval(f"class={c}", {"acc": acc})
        per_class.append(f"{c}:{acc:.2f}")
    print("per-class val_acc " + " ".join(per_class), flush=True)

    out = os.path.abspath(args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    # The training features, with the model's predictions on them and the
    # labels: lathe keeps their summary as the version's drift reference,
    # so production batches can be scored against what the model learned.
    with torch.no_grad():
        model.eval()
        train_pred = model(x_tr).argmax(dim=1).cpu().numpy()
    features = os.path.join(os.path.dirname(out), "features-train.csv")
    columns = [f"p{i}" for i in range(x_tr.shape[1])] + ["prediction", "label"]
    table = np.column_stack([x_tr.cpu().numpy(), train_pred, y_tr.cpu().numpy()])
    np.savetxt(features, table, delimiter=",", header=",".join(columns), comments="",
               fmt=["%.4g"] * x_tr.shape[1] + ["%d", "%d"])
    lathe.dataset("digits-train", features, role="train")
    torch.save(model.state_dict(), out)
    lathe.artifact("model", out)
    print(f"saved {out}; final val_acc={val_acc:.3f} in {time.time() - start:.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
