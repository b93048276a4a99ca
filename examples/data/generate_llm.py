#!/usr/bin/env python3
"""Writes examples/data/llm_requests.jsonl: the chat and completion requests scripts/demo.sh
--llm replays through the proxy. Deterministic (a fixed seed), standard library only.

Each line is {"path": "/v1/chat/completions" | "/v1/completions", "body": {...}}: a mix of
streamed and whole answers, greedy (temperature 0) and sampled (temperature 0.8) requests, and
requests offering the get_weather tool.

  examples/data/generate_llm.py [--rows 300] [--out examples/data/llm_requests.jsonl]
"""

import argparse
import json
import random
from pathlib import Path

TOPICS = ["the proxy", "a shadow", "latency", "the model", "live traffic", "tokens",
          "the candidate", "each answer"]
CITIES = ["Paris", "Oslo", "Lima", "Kyoto", "Cairo", "Quito"]


def request(rng, i):
    streamed = rng.random() < 0.6
    temperature = 0.0 if rng.random() < 0.5 else 0.8
    max_tokens = rng.choice([12, 16, 24])
    if rng.random() < 0.15:
        city = rng.choice(CITIES)
        body = {"model": "example", "stream": streamed, "temperature": temperature,
                "messages": [{"role": "user", "content": f"what is the weather in {city}?"}],
                "tools": [{"type": "function", "function": {
                    "name": "get_weather",
                    "parameters": {"type": "object",
                                   "properties": {"city": {"type": "string"}}}}}]}
        return {"path": "/v1/chat/completions", "body": body}
    topic = rng.choice(TOPICS)
    if rng.random() < 0.2:
        body = {"model": "example", "prompt": f"Say something about {topic} ({i})",
                "stream": streamed, "temperature": temperature, "max_tokens": max_tokens}
        return {"path": "/v1/completions", "body": body}
    body = {"model": "example", "stream": streamed, "temperature": temperature,
            "max_tokens": max_tokens,
            "messages": [{"role": "system", "content": "You are terse."},
                         {"role": "user", "content": f"Tell me about {topic} ({i})"}]}
    if streamed and rng.random() < 0.5:
        body["stream_options"] = {"include_usage": True}
    return {"path": "/v1/chat/completions", "body": body}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "llm_requests.jsonl"))
    args = parser.parse_args()
    rng = random.Random(20261129)
    with open(args.out, "w") as out:
        for i in range(args.rows):
            out.write(json.dumps(request(rng, i), separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
