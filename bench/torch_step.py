"""PyTorch reference for bench/train_step.ts: the same MLP and CNN, SGD, one training step timed.

Prints one JSON object: {"torch": version, "threads": n, "mlp": ms, "cnn": ms} (median ms per step).
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn


def mlp():
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 256), nn.ReLU(),
        nn.Linear(256, 256), nn.ReLU(),
        nn.Linear(256, 10),
    )


def cnn():
    # padding=1 is tfjs's "same" for a 3x3 kernel at stride 1.
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )


def median_step_ms(model, batch, warmup, steps):
    x = torch.rand(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for i in range(warmup + steps):
        start = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--mlp-batch", type=int, default=256)
    parser.add_argument("--cnn-batch", type=int, default=128)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "mlp": median_step_ms(mlp(), args.mlp_batch, args.warmup, args.steps),
        "cnn": median_step_ms(cnn(), args.cnn_batch, args.warmup, args.steps),
    }))


if __name__ == "__main__":
    main()
