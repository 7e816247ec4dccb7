"""PyTorch reference for bench/train_step.ts: the kit's bench workloads (bench/workloads.ts) built the
same way in PyTorch, one plain-SGD training step (lr 0.01) timed: forward, backward, update, loss read.

  /usr/bin/python3 bench/torch_step.py --threads 1 --workload mlp [--warmup 3] [--steps 10]

Prints one JSON object: {"torch", "threads", "workload", "batch", "msPerStep": [...], "bestMs",
"medianMs", "peakRssMiB"}. Peak RSS is this process's ru_maxrss (the interpreter and torch included),
as the kit's figure is its whole Deno process's VmHWM.
"""
import argparse
import json
import resource
import statistics
import time

import torch
from torch import nn

WORKLOADS = {
    "mlp": {"shape": (1, 28, 28), "batch": 256},
    "cnn": {"shape": (1, 28, 28), "batch": 128},
    "resnet18": {"shape": (3, 32, 32), "batch": 32},
}


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


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (x if self.short is None else self.short(x)))


def resnet18(width=64, classes=10):
    """CIFAR ResNet-18 as lib/models/resnet18.ts: 3x3 stem, no max-pool, [2,2,2,2] BasicBlocks."""
    layers = [nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
    cin = width
    for stage, mult in enumerate([1, 2, 4, 8]):
        for block in range(2):
            stride = 2 if stage > 0 and block == 0 else 1
            layers.append(BasicBlock(cin, width * mult, stride))
            cin = width * mult
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def step_times(model, batch, shape, warmup, steps):
    x = torch.rand(batch, *shape)
    y = torch.randint(0, 10, (batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
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
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="mlp")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    w = WORKLOADS[args.workload]
    model = {"mlp": mlp, "cnn": cnn, "resnet18": resnet18}[args.workload]()
    times = step_times(model, w["batch"], w["shape"], args.warmup, args.steps)
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "workload": args.workload,
        "batch": w["batch"],
        "msPerStep": [round(t, 3) for t in times],
        "bestMs": min(times),
        "medianMs": statistics.median(times),
        # Linux reports ru_maxrss in KiB.
        "peakRssMiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }))


if __name__ == "__main__":
    main()
