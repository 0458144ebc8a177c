"""The model and the data: binary logistic regression in NumPy on scikit-learn's bundled
breast-cancer data (Wisconsin Diagnostic, 569 × 30; shipped inside scikit-learn, no download).

Each SuperNode gets `partition-id` and `num-partitions` in its node config from fedplane and
keeps only its own share: the rows are shuffled with a fixed seed and cut into `num-partitions`
contiguous parts. When the participant declared `data.path` in the spec, fedplane passes it as
`data-path` (a CSV file, 30 feature columns, label 0/1 in the last) and that file is used instead.
Features are standardized with constants every site shares (the bundled set's means and standard
deviations), as a federation would agree on them, so no site's statistics leave it.
"""

import numpy as np
from sklearn.datasets import load_breast_cancer

FEATURES = 30


def _scaling():
    x = load_breast_cancer().data
    return x.mean(axis=0), x.std(axis=0) + 1e-12


def load_partition(partition_id: int, num_partitions: int, data_path: str = ""):
    if data_path:
        table = np.loadtxt(data_path, delimiter=",", ndmin=2)
        x, y = table[:, :-1], table[:, -1]
    else:
        data = load_breast_cancer()
        order = np.random.default_rng(42).permutation(len(data.target))
        part = np.array_split(order, num_partitions)[partition_id]
        x, y = data.data[part], data.target[part].astype(np.float64)
    mean, std = _scaling()
    x = (x - mean) / std
    split = int(0.8 * len(x))
    return (x[:split], y[:split]), (x[split:], y[split:])


def initial_weights(features: int = FEATURES):
    return [np.zeros(features, dtype=np.float64), np.zeros(1, dtype=np.float64)]


def predict(weights, x):
    w, b = weights
    return 1.0 / (1.0 + np.exp(-(x @ w + b[0])))


def train(weights, x, y, epochs: int, lr: float):
    """Full-batch gradient descent on the log loss."""
    w, b = weights[0].copy(), weights[1].copy()
    for _ in range(epochs):
        p = predict([w, b], x)
        w -= lr * (x.T @ (p - y)) / len(x)
        b -= lr * np.array([np.mean(p - y)])
    return [w, b]


def evaluate(weights, x, y):
    """Loss, accuracy and the positive class's (benign = 1) precision, recall and F1."""
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
