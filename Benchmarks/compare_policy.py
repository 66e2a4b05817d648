#!/usr/bin/env python3
"""Peers for `replenish-bench policy`: ABC classification of N SKUs with pandas (sort, cumsum, cut) and
(r, Q) by EOQ + safety stock with stockpyl 1.0.2 (per item, as its API works) on M items.
Prints `PEER name=… items=… seconds=…` lines that replenish-bench reads. Same generated inputs (seeded)."""
import sys, time
import numpy as np

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
m = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
rng = np.random.default_rng(1)
values = rng.lognormal(5, 2, n)
try:
    import pandas as pd
    mean = np.maximum(0.1, values / 50)
    demand = rng.poisson(mean[:, None], size=(n, 26)).astype(float)  # 26 periods, as the Swift side
    df = pd.DataFrame({"sku": np.arange(n), "value": values})
    t = time.perf_counter()
    mu = demand.mean(axis=1)
    cv = np.divide(demand.std(axis=1), mu, out=np.full(n, np.inf), where=mu > 0)
    df["xyz"] = np.where(cv <= 0.5, "X", np.where(cv <= 1.0, "Y", "Z"))
    df = df.sort_values("value", ascending=False)
    share = df["value"].cumsum() / df["value"].sum()
    df["abc"] = np.where(share <= 0.8, "A", np.where(share <= 0.95, "B", "C"))
    seconds = time.perf_counter() - t
    print(f"PEER name=pandas-abc-xyz items={n} seconds={seconds:.4f} A={int((df['abc'] == 'A').sum())}")
except ImportError:
    print("PEER name=pandas-abc-xyz unavailable")
try:
    from stockpyl.rq import r_q_eoqss_approximation
    demand = rng.uniform(1, 500, m)
    t = time.perf_counter()
    for d in demand:
        r_q_eoqss_approximation(0.25, 5.0, 20.0, d * 52, d * 0.5 * 52 ** 0.5, 3 / 52)
    seconds = time.perf_counter() - t
    print(f"PEER name=stockpyl-rq-eoqss items={m} seconds={seconds:.4f}")
except ImportError:
    print("PEER name=stockpyl-rq-eoqss unavailable")
