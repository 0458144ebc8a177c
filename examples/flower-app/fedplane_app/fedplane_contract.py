"""fedplane's contract for Flower apps, in one small file an app can copy.

fedplane passes two paths in the run config (`fedplane-metrics-path`, `fedplane-model-path`);
the ServerApp appends one JSON object per round to the first and writes the final global model
to the second as safetensors (what fedplane's model registry stores). Both are no-ops when the
paths are empty (the app running outside fedplane).

A round line: {"round": 1, "loss": 0.52, "accuracy": 0.81, "precision": …, "recall": …,
"f1": …, "participants": 3, "samples": 480}; every key but "round" is optional. Optionally one
line {"final": true, ...} with the final model's own metrics (recorded with it in the registry).
"""

import json
import os
import struct

import numpy as np


def write_round(run_config, round_number: int, metrics: dict) -> None:
    path = str(run_config.get("fedplane-metrics-path", ""))
    if not path:
        return
    line = {"round": int(round_number)}
    for key, value in metrics.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            line[key] = float(value) if key not in ("participants", "samples") else int(value)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(line, sort_keys=True) + "\n")


def write_final(run_config, metrics: dict) -> None:
    """The final model's own metrics: a line {"final": true, ...} fedplane records with the model."""
    path = str(run_config.get("fedplane-metrics-path", ""))
    if not path:
        return
    line = {"final": True}
    for key, value in metrics.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            line[key] = float(value) if key not in ("participants", "samples") else int(value)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(line, sort_keys=True) + "\n")


def write_model(run_config, arrays: dict) -> None:
    """`arrays`: name → NumPy array, written as little-endian F32 tensors (fedplane's form)."""
    path = str(run_config.get("fedplane-model-path", ""))
    if not path:
        return
    header, blobs, offset = {}, [], 0
    for name in sorted(arrays):
        data = np.ascontiguousarray(arrays[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(np.shape(arrays[name])), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    os.replace(tmp, path)
