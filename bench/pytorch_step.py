#!/usr/bin/env python3
"""PyTorch peer of `npm run bench -- step`, run by `npm run bench -- peers` (bench/peers.ts).

Reads one JSON request on stdin: the resolved network spec (our layer list, the same one our
networks are built from), batch size, optimizer settings, the input pipeline's per-channel u8 -> f32
affine map, dataset size, thread counts, warm-up and timed steps. Builds the same network in
torch.nn with the same parameter names and shapes, then for each thread count
(torch.set_num_threads) times whole dense training steps on synthetic u8 images: batch gather and
normalization, forward, cross-entropy, backward, optimizer step, loss.item(). Prints JSON lines on
stdout: {"type": "model", ...parameter names and shapes...}, then {"type": "step", "threads": T,
"ms": median} per thread count (the median as bench/timing.ts takes it: the upper
middle of an even count). Not a test: nothing in `npm test` runs it.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

# Default layer names, as src/models/spec.ts names them: type prefix and 1-based count per prefix.
PREFIX = {"linear": "fc", "conv": "conv", "maxpool": "pool", "avgpool": "avgpool", "batchnorm": "bn",
          "relu": "relu", "dropout": "dropout", "residual": "block", "flatten": "flatten"}
BN_EPS, BN_MOMENTUM = 1e-5, 0.1  # src/nn/batchnorm.ts


def conv(cin, cout, k, stride=1, bias=True):
    return nn.Conv2d(cin, cout, k, stride=stride, padding=(k - 1) // 2, bias=bias)


def bn(c):
    return nn.BatchNorm2d(c, eps=BN_EPS, momentum=BN_MOMENTUM)


class Residual(nn.Module):
    """src/nn/residual.ts: relu(bn2(conv2(relu(bn1(conv1(x))))) + s(x)), s = 1x1 strided conv + bn when the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv(cin, cout, 3, stride, bias=False)
        self.bn1 = bn(cout)
        self.conv2 = conv(cout, cout, 3, 1, bias=False)
        self.bn2 = bn(cout)
        self.has_shortcut = stride != 1 or cin != cout
        if self.has_shortcut:
            self.shortcut = conv(cin, cout, 1, stride, bias=False)
            self.shortcut_bn = bn(cout)

    def forward(self, x):
        a = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        s = self.shortcut_bn(self.shortcut(x)) if self.has_shortcut else x
        return F.relu(a + s)


def attach(root, dotted, module):
    """Registers `module` under a dotted name (e.g. stage1.block1), creating empty containers on the way."""
    parent = root
    *path, last = dotted.split(".")
    for part in path:
        child = parent._modules.get(part)
        if child is None:
            child = nn.Module()
            parent.add_module(part, child)
        parent = child
    parent.add_module(last, module)


class Net(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.ops = []
        counts = {}
        shape = tuple(spec["input"])
        for layer in spec["layers"]:
            t = layer["type"]
            prefix = PREFIX[t]
            counts[prefix] = counts.get(prefix, 0) + 1
            name = layer.get("name") or f"{prefix}{counts[prefix]}"
            if t == "linear":
                fin = 1
                for d in shape:
                    fin *= d
                units = spec["classes"] if layer["units"] == "classes" else layer["units"]
                m = nn.Linear(fin, units)
                attach(self, name, m)
                self.ops.append(("linear", m, layer.get("relu", False)))
                shape = (units,)
            elif t == "conv":
                c, h, w = shape
                k, s = layer.get("kernel", 3), layer.get("stride", 1)
                m = conv(c, layer["channels"], k, s, bias=layer.get("bias", True))
                attach(self, name, m)
                self.ops.append(("conv", m, layer.get("relu", False)))
                p = (k - 1) // 2
                shape = (layer["channels"], (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1)
            elif t == "maxpool":
                c, h, w = shape
                self.ops.append(("maxpool", None, False))
                shape = (c, h // 2, w // 2)
            elif t == "avgpool":
                self.ops.append(("avgpool", None, False))
                shape = (shape[0],)
            elif t == "batchnorm":
                m = bn(shape[0])
                attach(self, name, m)
                self.ops.append(("bn", m, layer.get("relu", False)))
            elif t == "relu":
                self.ops.append(("relu", None, True))
            elif t == "dropout":
                m = nn.Dropout(layer["p"])
                attach(self, name, m)
                self.ops.append(("dropout", m, False))
            elif t == "residual":
                c, h, w = shape
                s = layer.get("stride", 1)
                m = Residual(c, layer["channels"], s)
                attach(self, name, m)
                self.ops.append(("residual", m, False))
                shape = (layer["channels"], (h + 2 - 3) // s + 1, (w + 2 - 3) // s + 1)
            elif t == "flatten":
                self.ops.append(("flatten", None, False))
                n = 1
                for d in shape:
                    n *= d
                shape = (n,)
            else:
                raise ValueError(f"unknown layer type {t}")

    def forward(self, x):
        for kind, m, relu in self.ops:
            if kind == "linear":
                x = m(x.flatten(1) if x.dim() > 2 else x)
            elif kind == "maxpool":
                x = F.max_pool2d(x, 2)
            elif kind == "avgpool":
                x = x.mean(dim=(2, 3))
            elif kind == "flatten":
                x = x.flatten(1)
            elif kind == "relu":
                pass
            else:
                x = m(x)
            if relu:
                x = F.relu(x)
        return x


def main():
    req = json.load(sys.stdin)
    spec, N = req["spec"], req["batch"]
    torch.manual_seed(1)
    net = Net(spec)
    params = [{"name": n, "shape": list(p.shape)} for n, p in net.named_parameters()]
    buffers = [{"name": n, "shape": list(b.shape)} for n, b in net.named_buffers() if not n.endswith("num_batches_tracked")]
    print(json.dumps({"type": "model", "torch": torch.__version__, "mkldnn": torch.backends.mkldnn.is_available(),
                      "params": params, "buffers": buffers}), flush=True)

    C, H, W = spec["input"]
    count = req["count"]
    g = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (count, C, H, W), dtype=torch.uint8, generator=g)
    labels = torch.randint(0, spec["classes"], (count,), generator=g)
    scale = torch.tensor(req["scale"], dtype=torch.float32).view(1, C, 1, 1)
    shift = torch.tensor(req["shift"], dtype=torch.float32).view(1, C, 1, 1)
    o = req["optimizer"]
    if o["optimizer"] == "adam":
        opt = torch.optim.Adam(net.parameters(), lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"])
    else:
        opt = torch.optim.SGD(net.parameters(), lr=o["lr"], momentum=o["momentum"], nesterov=o["nesterov"], weight_decay=o["weightDecay"])
    net.train()
    perm = torch.randperm(count, generator=g)

    def step(i):
        j = (i * N) % (count - N + 1)
        idx = perm[j:j + N]
        x = images.index_select(0, idx).float().mul_(scale).add_(shift)
        y = labels.index_select(0, idx)
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for threads in req["threads"]:
        torch.set_num_threads(threads)
        for i in range(req["warmup"]):
            step(i)
        times = []
        for i in range(req["steps"]):
            t0 = time.perf_counter()
            step(req["warmup"] + i)
            times.append((time.perf_counter() - t0) * 1e3)
        print(json.dumps({"type": "step", "threads": threads, "threads_used": torch.get_num_threads(),
                          "ms": sorted(times)[len(times) // 2], "times": times}), flush=True)


if __name__ == "__main__":
    main()
