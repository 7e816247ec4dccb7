"""PyTorch twin of scripts/gpu/resnet18_step.ts: the same ResNet-18 (CIFAR form: 3x3 stem, no max-pool,
BasicBlocks [2,2,2,2] of widths w*[1,2,4,8], stride 2 with a 1x1 convolution + BN shortcut, bias-free
convolutions, BN momentum 0.1 and eps 1e-5, global average pooling, one linear layer), the same step
(SGD momentum 0.9, weight decay 5e-4, lr 0.01, mean cross-entropy, loss.item() every step), timed the
same way (wall time to the loss on the CPU; first step apart; median after warm-up).

Prints one JSON object. On CUDA it times two settings: PyTorch's defaults ("default": cuDNN may use
TF32 for convolutions on Ampere and later) and strict float32 ("fp32": TF32 off), since tfjs's WebGPU
kernels compute in float32. Without CUDA it runs on the CPU (rehearsals).

    python3 scripts/gpu/torch_resnet18.py [--batch 128] [--width 64] [--warmup 5] [--steps 20]
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout, momentum=0.1, eps=1e-5)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout, momentum=0.1, eps=1e-5)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout, momentum=0.1, eps=1e-5))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (x if self.short is None else self.short(x)))


def resnet18(width=64, classes=10):
    layers = [nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width, momentum=0.1, eps=1e-5), nn.ReLU()]
    cin = width
    for stage, mult in enumerate([1, 2, 4, 8]):
        for block in range(2):
            cout = width * mult
            layers.append(Block(cin, cout, 2 if stage > 0 and block == 0 else 1))
            cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def time_steps(device, batch, width, warmup, steps):
    torch.manual_seed(1)
    model = resnet18(width).to(device).train()
    x = torch.rand(batch, 3, 32, 32, device=device)
    y = torch.randint(0, 10, (batch,), device=device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()
    times, losses = [], []
    for _ in range(warmup + steps):
        start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())  # waits for the step, as the kit's read of the loss does
        times.append((time.perf_counter() - start) * 1000)
    params = sum(p.numel() for p in model.parameters())
    return {"firstStepMs": times[0], "medianStepMs": statistics.median(times[warmup:]), "stepMs": times, "losses": losses,
            "trainableParams": params}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    cuda = torch.cuda.is_available()
    out = {"torch": torch.__version__, "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version() if cuda else None,
           "device": torch.cuda.get_device_name(0) if cuda else "cpu", "batch": args.batch, "width": args.width,
           "warmup": args.warmup, "steps": args.steps}
    if cuda:
        torch.backends.cudnn.benchmark = True
        out["default"] = time_steps("cuda", args.batch, args.width, args.warmup, args.steps)
        out["default"]["tf32"] = {"cudnn": torch.backends.cudnn.allow_tf32, "matmul": torch.backends.cuda.matmul.allow_tf32}
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        out["fp32"] = time_steps("cuda", args.batch, args.width, args.warmup, args.steps)
    else:
        out["threads"] = torch.get_num_threads()
        out["default"] = time_steps("cpu", args.batch, args.width, args.warmup, args.steps)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
