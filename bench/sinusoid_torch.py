"""PyTorch CPU reference of the sinusoid meta-learning loop, run by bench/sinusoid.ts.

A straightforward implementation of the protocol of Finn et al. 2017 (MAML, section 5.1) and Li et al. 2017
(Meta-SGD, section 4.1): tasks y = A sin(x - phase), A ~ U[0.1, 5], phase ~ U[0, pi], x ~ U[-5, 5]; MLP
1-40-40-1 ReLU (PyTorch's nn.Linear default init, as src/model/architecture.ts);
one inner SGD step (rate 0.01, or learned per-element rates for Meta-SGD, initialised to 0.01) on K support
points, differentiated through (second order, create_graph=True); the meta-loss is the mean over a meta-batch of
25 tasks of the MSE on K query points; Adam 1e-3. One thread (torch.set_num_threads(1)).

Modes (one JSON object on stdout):
  speed: {"tasks_per_s": ...} for --steps meta-steps (after 5 warm-up steps);
  train: meta-train for --steps, then {"mse": [...]} the post-adaptation query MSE (one step, --query-points
         query points) of each of --test-tasks fresh tasks.
"""
import argparse
import json
import math
import time

import torch

torch.set_num_threads(1)


def init_params(gen):
    """Weights and biases U(+-1/sqrt(fan_in)): PyTorch's nn.Linear default, as src/model/architecture.ts."""
    def uniform(shape, fan_in):
        limit = 1 / math.sqrt(fan_in)
        return ((torch.rand(shape, generator=gen) * 2 - 1) * limit).requires_grad_()

    return [
        uniform((1, 40), 1), uniform(40, 1),
        uniform((40, 40), 40), uniform(40, 40),
        uniform((40, 1), 40), uniform(1, 40),
    ]


def forward(params, x):
    w1, b1, w2, b2, w3, b3 = params
    h = torch.relu(x @ w1 + b1)
    h = torch.relu(h @ w2 + b2)
    return h @ w3 + b3


def sample_task(gen, k):
    amplitude = 0.1 + 4.9 * torch.rand(1, generator=gen).item()
    phase = math.pi * torch.rand(1, generator=gen).item()
    def draw(n):
        x = torch.rand((n, 1), generator=gen) * 10 - 5
        return x, amplitude * torch.sin(x - phase)
    return draw


def adapt(params, lrs, x, y, create_graph):
    loss = torch.mean((forward(params, x) - y) ** 2)
    grads = torch.autograd.grad(loss, params, create_graph=create_graph)
    return [p - lr * g for p, lr, g in zip(params, lrs, grads)]


def meta_step(params, lrs, optimizer, gen, shots, batch):
    optimizer.zero_grad()
    total = 0.0
    for _ in range(batch):
        draw = sample_task(gen, shots)
        xs, ys = draw(shots)
        xq, yq = draw(shots)
        fast = adapt(params, lrs, xs, ys, create_graph=True)
        total = total + torch.mean((forward(fast, xq) - yq) ** 2)
    (total / batch).backward()
    optimizer.step()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["speed", "train"], required=True)
    parser.add_argument("--algorithm", choices=["maml", "metasgd"], default="maml")
    parser.add_argument("--shots", type=int, default=5)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--meta-batch", type=int, default=25)
    parser.add_argument("--test-tasks", type=int, default=600)
    parser.add_argument("--query-points", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    gen = torch.Generator().manual_seed(args.seed)
    params = init_params(gen)
    learned = args.algorithm == "metasgd"
    lrs = [torch.full_like(p, 0.01, requires_grad=learned) for p in params]
    optimizer = torch.optim.Adam(params + (lrs if learned else []), lr=1e-3)

    if args.mode == "speed":
        for _ in range(5):
            meta_step(params, lrs, optimizer, gen, args.shots, args.meta_batch)
        start = time.perf_counter()
        for _ in range(args.steps):
            meta_step(params, lrs, optimizer, gen, args.shots, args.meta_batch)
        elapsed = time.perf_counter() - start
        print(json.dumps({"tasks_per_s": args.steps * args.meta_batch / elapsed}))
        return

    for _ in range(args.steps):
        meta_step(params, lrs, optimizer, gen, args.shots, args.meta_batch)
    test_gen = torch.Generator().manual_seed(args.seed + 1)
    mse = []
    for _ in range(args.test_tasks):
        draw = sample_task(test_gen, args.shots)
        xs, ys = draw(args.shots)
        xq, yq = draw(args.query_points)
        fast = adapt(params, [lr.detach() for lr in lrs], xs, ys, create_graph=False)
        with torch.no_grad():
            mse.append(torch.mean((forward(fast, xq) - yq) ** 2).item())
    print(json.dumps({"mse": mse}))


if __name__ == "__main__":
    main()
