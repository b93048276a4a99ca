#!/usr/bin/env python3
"""Builds the demo data set and the two example models, deterministically.

A 3-class customer problem (0 = stay, 1 = downgrade, 2 = churn) with five numeric features.
Labels come from a hidden softmax model with an interaction term and noise, so no linear model
is perfect. Two multinomial logistic regressions are trained by plain batch gradient descent:
model-v1 sees three features only, model-v2 all five. Their weights are written with the
feature standardisation folded in, so the server computes softmax(W·x + b) on raw features.

Outputs (relative to the repository root):
  examples/data/train.csv        features + label, for training and `shadowproxy baseline`
  examples/data/requests.jsonl   replay rows: {"request_id": ..., "features": [...]}
  examples/data/labels.csv       request_id,label  (ground truth for `shadowproxy report`)
  examples/models/model-v1.json  examples/models/model-v2.json

Standard library only; the fixed seed makes every run byte-identical.
"""

import csv
import json
import math
import random
from pathlib import Path

SEED = 20240611
FEATURES = ["age", "income", "tenure", "usage", "score"]
CLASSES = 3
TRAIN_ROWS = 2000
REPLAY_ROWS = 2000
V1_FEATURES = ["age", "income", "tenure"]  # v1 was built before usage/score were logged

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "examples" / "data"
MODEL_DIR = ROOT / "examples" / "models"


def draw_row(rng):
    age = min(85.0, max(18.0, rng.gauss(42.0, 13.0)))
    income = max(8.0, rng.lognormvariate(math.log(52.0), 0.45))  # thousands per year
    tenure = min(30.0, rng.expovariate(1.0 / 5.0))  # years as a customer
    usage = max(0.0, rng.gauss(20.0 + 0.4 * tenure, 8.0))  # hours per month
    score = min(1.0, max(0.0, rng.betavariate(5.0, 2.5)))  # satisfaction survey, 0..1
    return [round(age, 1), round(income, 2), round(tenure, 2), round(usage, 2), round(score, 3)]


def true_label(rng, x):
    age, income, tenure, usage, score = x
    # Centred features keep the hidden scores readable.
    a, i, t = (age - 42.0) / 13.0, (income - 55.0) / 25.0, (tenure - 5.0) / 5.0
    u, s = (usage - 22.0) / 8.0, (score - 0.67) / 0.17
    # usage and score matter less than the other three, so a model without them is only a
    # few points worse: the scale sets how separable the classes are.
    scale = 4.5
    logits = [
        0.0,
        scale * (0.2 - 0.9 * i + 0.7 * a - 0.25 * u - 0.15 * s),
        scale * (-0.3 - 1.2 * t - 0.6 * i - 0.25 * u - 0.35 * s + 0.3 * u * s),
    ]
    # Gumbel noise turns the softmax into a sample: the data set has irreducible error.
    noisy = [z - math.log(-math.log(rng.random() or 1e-12)) for z in logits]
    return max(range(CLASSES), key=lambda k: noisy[k])


def standardise(rows, columns):
    means, stds = [], []
    for c in columns:
        values = [r[c] for r in rows]
        m = sum(values) / len(values)
        v = sum((x - m) ** 2 for x in values) / len(values)
        means.append(m)
        stds.append(math.sqrt(v) or 1.0)
    return means, stds


def softmax(z):
    top = max(z)
    e = [math.exp(v - top) for v in z]
    total = sum(e)
    return [v / total for v in e]


def train(rows, labels, columns, epochs, rate, l2):
    """Batch gradient descent on standardised columns; returns raw-feature weights and bias."""
    means, stds = standardise(rows, columns)
    xs = [[(r[c] - m) / s for c, m, s in zip(columns, means, stds)] for r in rows]
    d, n = len(columns), len(rows)
    w = [[0.0] * d for _ in range(CLASSES)]
    b = [0.0] * CLASSES
    for _ in range(epochs):
        gw = [[0.0] * d for _ in range(CLASSES)]
        gb = [0.0] * CLASSES
        for x, y in zip(xs, labels):
            p = softmax([sum(wk[j] * x[j] for j in range(d)) + bk for wk, bk in zip(w, b)])
            for k in range(CLASSES):
                err = p[k] - (1.0 if k == y else 0.0)
                gb[k] += err
                for j in range(d):
                    gw[k][j] += err * x[j]
        for k in range(CLASSES):
            b[k] -= rate * gb[k] / n
            for j in range(d):
                w[k][j] -= rate * (gw[k][j] / n + l2 * w[k][j])
    # Fold the standardisation in: w·(x-m)/s + b = (w/s)·x + (b - Σ w·m/s).
    weights = [[0.0] * len(FEATURES) for _ in range(CLASSES)]
    bias = list(b)
    for k in range(CLASSES):
        for j, c in enumerate(columns):
            weights[k][c] = w[k][j] / stds[j]
            bias[k] -= w[k][j] * means[j] / stds[j]
    return weights, bias


def predict(weights, bias, x):
    z = [sum(wk[j] * x[j] for j in range(len(x))) + bk for wk, bk in zip(weights, bias)]
    return max(range(CLASSES), key=lambda k: z[k])


def write_model(path, version, weights, bias, description):
    weights = [[round(v, 8) for v in row] for row in weights]
    bias = [round(v, 8) for v in bias]
    # One weight row per line keeps the file readable and its diffs small.
    rows = ",\n    ".join(json.dumps(row) for row in weights)
    path.write_text(
        "{\n"
        f'  "model_version": {json.dumps(version)},\n'
        f'  "description": {json.dumps(description)},\n'
        f'  "features": {json.dumps(FEATURES)},\n'
        f'  "classes": {json.dumps(["stay", "downgrade", "churn"])},\n'
        f'  "weights": [\n    {rows}\n  ],\n'
        f'  "bias": {json.dumps(bias)}\n'
        "}\n")
    return weights, bias


def summary(name, p1, p2, labels):
    n = len(labels)
    agreement = sum(a == b for a, b in zip(p1, p2)) / n
    acc1 = sum(a == y for a, y in zip(p1, labels)) / n
    acc2 = sum(a == y for a, y in zip(p2, labels)) / n
    print(f"{name:>16} rows {n:5d}: agreement v1/v2 {agreement:.4f}, "
          f"accuracy v1 {acc1:.4f}, v2 {acc2:.4f}")


def main():
    rng = random.Random(SEED)
    train_x = [draw_row(rng) for _ in range(TRAIN_ROWS)]
    train_y = [true_label(rng, x) for x in train_x]
    replay_x = [draw_row(rng) for _ in range(REPLAY_ROWS)]
    replay_y = [true_label(rng, x) for x in replay_x]
    ids = [f"req-{i:06d}" for i in range(1, REPLAY_ROWS + 1)]

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    with open(DATA_DIR / "train.csv", "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(FEATURES + ["label"])
        out.writerows(x + [y] for x, y in zip(train_x, train_y))
    with open(DATA_DIR / "requests.jsonl", "w") as f:
        for rid, x in zip(ids, replay_x):
            f.write(json.dumps({"request_id": rid, "features": x}) + "\n")
    with open(DATA_DIR / "labels.csv", "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["request_id", "label"])
        out.writerows(zip(ids, replay_y))

    v1_columns = [FEATURES.index(c) for c in V1_FEATURES]
    all_columns = list(range(len(FEATURES)))
    w1, b1 = train(train_x, train_y, v1_columns, epochs=150, rate=0.5, l2=0.001)
    w2, b2 = train(train_x, train_y, all_columns, epochs=400, rate=0.5, l2=0.001)
    w1, b1 = write_model(MODEL_DIR / "model-v1.json", "v1", w1, b1,
                         "softmax regression on age, income, tenure")
    w2, b2 = write_model(MODEL_DIR / "model-v2.json", "v2", w2, b2,
                         "softmax regression on all five features")

    p1 = [predict(w1, b1, x) for x in replay_x]
    p2 = [predict(w2, b2, x) for x in replay_x]
    n = len(replay_x)
    shares = [replay_y.count(k) / n for k in range(CLASSES)]
    print("label shares in replay: " + ", ".join(f"{s:.3f}" for s in shares))
    summary("replay", p1, p2, replay_y)
    # scripts/demo.sh --short replays the first 300 rows and checks them against these numbers.
    summary("replay[:300]", p1[:300], p2[:300], replay_y[:300])

if __name__ == "__main__":
    main()
