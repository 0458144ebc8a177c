"""The model and the data: binary logistic regression in NumPy, no downloads.

Each SuperNode gets `partition-id` and `num-partitions` in its node config from fedplane. When
the participant declared `data.path` in the spec, fedplane passes it as `data-path` (a CSV file,
label in the last column, 0/1); otherwise the node generates its own partition of a seeded
synthetic problem.
"""

import numpy as np

FEATURES = 8


def load_partition(partition_id: int, num_partitions: int, data_path: str = ""):
    if data_path:
        table = np.loadtxt(data_path, delimiter=",", ndmin=2)
        x, y = table[:, :-1], table[:, -1]
    else:
        truth = np.random.default_rng(7).normal(size=FEATURES + 1)
        rng = np.random.default_rng(100 + partition_id)
        x = rng.normal(size=(200, FEATURES))
        logits = x @ truth[:-1] + truth[-1]
        y = (logits + rng.normal(scale=0.5, size=len(x)) > 0).astype(np.float64)
    split = int(0.8 * len(x))
    return (x[:split], y[:split]), (x[split:], y[split:])


def initial_weights(features: int = FEATURES):
    return [np.zeros(features, dtype=np.float64), np.zeros(1, dtype=np.float64)]


def predict(weights, x):
    w, b = weights
    return 1.0 / (1.0 + np.exp(-(x @ w + b[0])))


def train(weights, x, y, epochs: int, lr: float):
    w, b = weights[0].copy(), weights[1].copy()
    for _ in range(epochs):
        p = predict([w, b], x)
        w -= lr * (x.T @ (p - y)) / len(x)
        b -= lr * np.array([np.mean(p - y)])
    return [w, b]


def evaluate(weights, x, y):
    p = np.clip(predict(weights, x), 1e-9, 1 - 1e-9)
    loss = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    guess = (p >= 0.5).astype(np.float64)
    tp = float(np.sum((guess == 1) & (y == 1)))
    fp = float(np.sum((guess == 1) & (y == 0)))
    fn = float(np.sum((guess == 0) & (y == 1)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"loss": loss, "accuracy": float(np.mean(guess == y)), "precision": precision, "recall": recall, "f1": f1}
