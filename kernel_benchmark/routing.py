"""How many tokens each local expert of one GPU gets (pure Python): balanced, uniform or power-law routing.

The grouped GEMM tables are keyed by tokens per GPU; what a GPU computes for
them depends on how the router spreads those tokens over the experts:
- balanced (default; the simulator's assumption): tokens x top-k pairs spread
  evenly over the GPU's local experts.
- uniform: each of the deployment's tokens picks top-k distinct experts
  uniformly at random (seeded); the GPU measured is the busiest one.
- power_law: expert popularity falls as rank^-alpha (AIConfigurator measures
  alpha 1.01 and 1.2), the popular experts placed on GPUs at random (seeded);
  expected loads, capped at one pair per token and expert; the busiest GPU.
The busiest GPU is the one the whole step waits for under expert parallelism.
"""
from __future__ import annotations

import random
from typing import List, Sequence

ROUTINGS = ("balanced", "uniform", "power_law")


def expert_loads(pairs: int, local_experts: int) -> List[int]:
    """Token count of each active local expert under balanced routing."""
    if pairs <= 0:
        return []
    if pairs < local_experts:
        return [1] * pairs
    base, extra = divmod(pairs, local_experts)
    return [base + (1 if i < extra else 0) for i in range(local_experts)]


def busiest_gpu(loads: Sequence[int], local_experts: int) -> List[int]:
    """The local loads of the GPU with the most pairs (experts placed in order, local_experts per GPU)."""
    groups = [list(loads[i:i + local_experts]) for i in range(0, len(loads), local_experts)]
    return max(groups, key=sum)


def uniform_loads(tokens: int, topk: int, experts: int, seed: int) -> List[int]:
    rng = random.Random(seed)
    loads = [0] * experts
    k = min(topk, experts)
    for _ in range(tokens):
        for e in rng.sample(range(experts), k):
            loads[e] += 1
    return loads


def power_law_shares(experts: int, topk: int, alpha: float, seed: int) -> List[float]:
    """Expected pairs per token of each expert: proportional to rank^-alpha, at most 1, summing to top-k."""
    order = list(range(experts))
    random.Random(seed).shuffle(order)
    weight = [0.0] * experts
    for rank, e in enumerate(order, 1):
        weight[e] = rank ** -alpha
    k = min(topk, experts)
    share = [0.0] * experts
    capped: set = set()
    while True:  # water-filling: experts at the cap of one pair per token hand their excess to the others
        free = [e for e in range(experts) if e not in capped]
        room = k - len(capped)
        total = sum(weight[e] for e in free)
        for e in free:
            share[e] = room * weight[e] / total
        over = [e for e in free if share[e] > 1.0]
        if not over:
            break
        for e in over:
            share[e] = 1.0
            capped.add(e)
    return share


def round_keeping_sum(values: Sequence[float]) -> List[int]:
    """Rounds to whole numbers whose sum is the rounded sum (largest remainders first)."""
    floors = [int(v) for v in values]
    missing = int(round(sum(values))) - sum(floors)
    by_remainder = sorted(range(len(values)), key=lambda i: values[i] - floors[i], reverse=True)
    for i in by_remainder[:max(0, missing)]:
        floors[i] += 1
    return floors


def gpu_expert_loads(routing: str, tokens_per_gpu: int, topk: int, experts: int, local_experts: int,
                     alpha: float = 1.2, seed: int = 0) -> List[int]:
    """Pairs per local expert of the GPU measured (only experts with work), for one routing."""
    if routing == "balanced":
        return expert_loads(tokens_per_gpu * topk, local_experts)
    groups = max(1, experts // max(1, local_experts))
    tokens = tokens_per_gpu * groups  # every GPU holds tokens_per_gpu tokens
    if routing == "uniform":
        loads = uniform_loads(tokens, topk, experts, seed)
    elif routing == "power_law":
        loads = round_keeping_sum([tokens * s for s in power_law_shares(experts, topk, alpha, seed)])
    else:
        raise ValueError(f"unknown routing {routing}; choose from {', '.join(ROUTINGS)}")
    return [n for n in busiest_gpu(loads, local_experts) if n > 0]


def describe(routing: str, alpha: float, seed: int) -> str:
    if routing == "power_law":
        return f"power_law(alpha {alpha}, seed {seed}, busiest GPU)"
    if routing == "uniform":
        return f"uniform(seed {seed}, busiest GPU)"
    return "balanced"
