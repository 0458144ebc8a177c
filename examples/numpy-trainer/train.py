#!/usr/bin/env python3
"""A fedplane external trainer: multinomial logistic regression in NumPy.

fedplane runs this once per round and participant (see README.md beside it for the contract):
it reads the global model from FEDPLANE_WEIGHTS_IN, evaluates it on the participant's validation
split, trains it with minibatch SGD on the training split, and writes the update to
FEDPLANE_WEIGHTS_OUT and the evaluation to FEDPLANE_METRICS_OUT.

With `persistent: true` in the spec, fedplane starts it once per run on each VM with
FEDPLANE_TRAINER_MODE=persistent and sends each round as one JSON line on stdin (the same
FEDPLANE_* variables, plus an "id"); it answers each with one JSON line on stdout
({"id": ..., "ok": true} or {"id": ..., "ok": false, "error": "..."}). Imports happen once.

The model is the same as fedplane's built-in `logistic` trainer (tensors `linear.weight`
[classes, features] and `linear.bias` [classes], float32, softmax + cross-entropy, the step uses
the batch's mean gradient), so the two can be swapped mid-run. Needs: numpy, safetensors.
"""
import json
import os
import sys

import numpy as np
from safetensors.numpy import load_file, save_file


class TrainerError(Exception):
    """A round that cannot be done: exit status 2 in the one-shot mode, an error reply in the persistent one."""


def fail(message):
    raise TrainerError(message)


# The round's variables: the environment (one-shot mode) or the round's request (persistent mode).
variables = os.environ


def env(name, default=None):
    value = variables.get(name, default)
    if value is None:
        fail(f"{name} is not set (this program is meant to be run by fedplane)")
    return value


def load_split(path):
    """label,f1..fN CSV -> (X float32 [n, N], y int64 [n])."""
    with open(path) as f:
        header = f.readline().strip().split(",")
    if not header or header[0] != "label":
        fail(f"{path}: the header must start with 'label'")
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    if data.shape[0] == 0:
        return np.zeros((0, len(header) - 1), np.float32), np.zeros(0, np.int64)
    if data.shape[1] != len(header):
        fail(f"{path}: {data.shape[1]} columns, the header names {len(header)}")
    return data[:, 1:].astype(np.float32), data[:, 0].astype(np.int64)


def logits(W, b, X):
    return X @ W.T + b


def evaluate(W, b, X, y):
    """Mean cross-entropy and the confusion matrix [true][predicted] (arg-max, ties to the lower class)."""
    k = W.shape[0]
    confusion = np.zeros((k, k), dtype=np.int64)
    if len(y) == 0:
        return 0.0, confusion
    z = logits(W, b, X).astype(np.float64)
    m = z.max(axis=1, keepdims=True)
    log_sum_exp = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
    loss = float(np.mean(log_sum_exp - z[np.arange(len(y)), y]))
    np.add.at(confusion, (y, z.argmax(axis=1)), 1)
    return loss, confusion


def train(W, b, X, y, epochs, batch_size, learning_rate, seed):
    """Minibatch SGD; each epoch visits the samples in an order shuffled by `seed`."""
    rng = np.random.default_rng(seed)
    W, b = W.copy(), b.copy()
    lr = np.float32(learning_rate)
    n = len(y)
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            z = logits(W, b, X[batch])
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(batch)), y[batch]] -= 1  # d loss / d logits = softmax - one-hot
            p /= np.float32(len(batch))
            W -= lr * (p.T @ X[batch])
            b -= lr * p.sum(axis=0)
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            fail(f"training diverged; lower the learning rate ({learning_rate})")
    return W.astype(np.float32), b.astype(np.float32)


def run_round():
    weights_in = env("FEDPLANE_WEIGHTS_IN")
    weights_out = env("FEDPLANE_WEIGHTS_OUT")
    metrics_out = env("FEDPLANE_METRICS_OUT")
    data_dir = env("FEDPLANE_DATA_DIR", ".")
    epochs = int(env("FEDPLANE_EPOCHS"))
    batch_size = int(env("FEDPLANE_BATCH_SIZE"))
    learning_rate = float(env("FEDPLANE_LEARNING_RATE"))
    seed = int(env("FEDPLANE_SEED"))

    tensors = load_file(weights_in)
    if set(tensors) != {"linear.weight", "linear.bias"}:
        fail(f"expected the tensors linear.weight and linear.bias, got {sorted(tensors)}")
    W = tensors["linear.weight"].astype(np.float32)
    b = tensors["linear.bias"].astype(np.float32)
    if W.ndim != 2 or b.shape != (W.shape[0],):
        fail(f"linear.weight {W.shape} and linear.bias {b.shape} do not fit together")

    X_train, y_train = load_split(os.path.join(data_dir, "train.csv"))
    X_val, y_val = load_split(os.path.join(data_dir, "validation.csv"))
    for name, X, y in (("train.csv", X_train, y_train), ("validation.csv", X_val, y_val)):
        if X.shape[1] != W.shape[1]:
            fail(f"{name} has {X.shape[1]} features, the model takes {W.shape[1]}")
        if len(y) and (y.min() < 0 or y.max() >= W.shape[0]):
            fail(f"{name} has labels outside 0..{W.shape[0] - 1}")
    if len(y_train) == 0:
        fail("train.csv has no samples")

    # The global model's evaluation is what the aggregator combines into the round's metrics.
    loss, confusion = evaluate(W, b, X_val, y_val)
    W_new, b_new = train(W, b, X_train, y_train, epochs, batch_size, learning_rate, seed)

    metadata = {"trainer": "examples/numpy-trainer", "round": env("FEDPLANE_ROUND", ""),
                "participant": env("FEDPLANE_PARTICIPANT", "")}
    save_file({"linear.weight": W_new, "linear.bias": b_new}, weights_out, metadata=metadata)
    with open(metrics_out, "w") as f:
        json.dump({"samples": int(len(y_val)), "loss": loss, "confusion": confusion.tolist(),
                   "train_samples": int(len(y_train))}, f)
    print(f"round {metadata['round']} {metadata['participant']}: global model on {len(y_val)} validation samples: "
          f"loss {loss:.4f}, accuracy {np.trace(confusion) / max(1, len(y_val)):.4f}; trained on {len(y_train)} samples")


def serve():
    """Persistent mode: one request line in, one reply line out, per round, until stdin ends.
    stdout is the reply channel only: everything else this program prints goes to stderr."""
    global variables
    replies = sys.stdout
    sys.stdout = sys.stderr
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        variables = request
        try:
            run_round()
            reply = {"id": request.get("id"), "ok": True}
        except TrainerError as e:
            reply = {"id": request.get("id"), "ok": False, "error": str(e)}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def main():
    if os.environ.get("FEDPLANE_TRAINER_MODE") == "persistent":
        serve()
        return
    try:
        run_round()
    except TrainerError as e:
        print(f"numpy-trainer: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
