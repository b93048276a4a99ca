#!/usr/bin/env python3
"""Writes a realistic comparison log (docs/records.md) for benchmarking `shadowproxy report`.

Each request yields one record per shadow. Predictions are one of --classes integer classes,
shadows agree with production most of the time; latencies are log-normal; a few exchanges fail.
Optional outputs: a labels CSV (request_id,label) and a training CSV for `shadowproxy baseline`
with the same five features (the live ones drift a little on feature 'income').

Usage: generate_log.py --records 1000000 --out log.jsonl[.gz] [--labels labels.csv]
                       [--train train.csv] [--no-features] [--seed 1]
"""
import argparse
import gzip
import json
import random
import uuid

FEATURES = ["age", "income", "tenure", "score", "visits"]


def feature_vector(rng, drift):
    return [
        round(rng.gauss(40, 12), 1),
        round(rng.lognormvariate(10 + drift, 0.5), 2),
        rng.randint(0, 120),
        round(rng.random(), 4),
        rng.randint(0, 30),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--shadows", type=int, default=2)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--out", required=True)
    parser.add_argument("--labels")
    parser.add_argument("--train")
    parser.add_argument("--train-rows", type=int, default=100_000)
    parser.add_argument("--no-features", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    shadows = [f"model-v{2 + i}" for i in range(args.shadows)]
    opener = gzip.open if args.out.endswith(".gz") else open
    labels = open(args.labels, "w") if args.labels else None
    if labels:
        labels.write("request_id,label\n")
    written = 0
    with opener(args.out, "wt") as out:
        while written < args.records:
            request_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            truth = min(int(rng.expovariate(0.4)), args.classes - 1)
            prod_pred = truth if rng.random() < 0.85 else rng.randrange(args.classes)
            features = None
            if not args.no_features:
                features = feature_vector(rng, 0.1)
                if rng.random() < 0.01:
                    features[rng.randrange(5)] = None
            if labels and rng.random() < 0.9:
                labels.write(f"{request_id},{truth}\n")
            prod_latency = round(rng.lognormvariate(1.2, 0.4), 3)
            for shadow in shadows:
                if written >= args.records:
                    break
                record = {
                    "ts": "2026-11-21T23:59:59.123456Z",
                    "request_id": request_id,
                    "method": "POST",
                    "path": "/predict",
                }
                shadow_error = "timeout" if rng.random() < 0.005 else None
                shadow_pred = None
                if shadow_error is None:
                    shadow_pred = prod_pred if rng.random() < 0.95 else rng.randrange(args.classes)
                outcome = ("shadow_error" if shadow_error else
                           "match" if shadow_pred == prod_pred else "prediction_mismatch")
                record["production"] = {"name": "model-v1", "status": 200,
                                        "latency_ms": prod_latency, "bytes": 57, "error": None,
                                        "prediction": prod_pred}
                record["shadow"] = {"name": shadow, "status": 200 if not shadow_error else None,
                                    "latency_ms": round(rng.lognormvariate(1.4, 0.5), 3),
                                    "queue_ms": 0.05, "bytes": 57, "error": shadow_error,
                                    "prediction": shadow_pred}
                record["outcome"] = outcome
                record["prediction_match"] = shadow_pred == prod_pred
                record["status_match"] = shadow_error is None
                record["body_match"] = outcome == "match"
                record["diffs"] = ([] if outcome == "match" else
                                   [{"pointer": "/prediction", "production": prod_pred,
                                     "shadow": shadow_pred}])
                if not args.no_features:
                    record["features"] = features
                out.write(json.dumps(record, separators=(",", ":")) + "\n")
                written += 1
    if labels:
        labels.close()
    if args.train:
        with open(args.train, "w") as train:
            train.write(",".join(FEATURES) + ",label\n")
            for _ in range(args.train_rows):
                row = feature_vector(rng, 0.0)
                train.write(",".join(str(v) for v in row) + f",{rng.randrange(args.classes)}\n")


if __name__ == "__main__":
    main()
