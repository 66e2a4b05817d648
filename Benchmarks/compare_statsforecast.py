#!/usr/bin/env python3
"""Side-by-side speed and accuracy: Replenish vs statsforecast on the same generated M5-shaped panel.

    python3 Benchmarks/compare_statsforecast.py --series 1000 [--models ets,theta] [--threads 2]

Generates (or reuses) Benchmarks/.data/m5-N.csv with the seeded generator, holds out the last 28 days of
every series, and runs both tools on the same split in one invocation: wall time, peak RSS, mean RMSSE
(M5 scale: in-sample one-step naive MSE from the first sale) and the time ratio. Needs a release build
(`swift build -c release --product replenish-bench`) and statsforecast + pandas from PyPI; neither is
needed by the test suite.
"""
import argparse
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BENCH = os.path.join(ROOT, ".build", "release", "replenish-bench")
PEERS = {"ets": "AutoETS", "theta": "Theta", "autotheta": "AutoTheta", "snaive": "SeasonalNaive", "naive": "Naive"}


def ours(path, models, horizon, threads):
    out = subprocess.run([BENCH, "speed", path, "--models", models, "--horizon", str(horizon), "--threads", str(threads)],
                         check=True, capture_output=True, text=True).stdout
    results = {}
    for line in out.splitlines():
        if line.startswith("RESULT"):
            fields = dict(kv.split("=") for kv in line.split()[1:])
            results[fields["model"]] = fields
    return results


def peer(path, model, horizon, threads):
    """Runs in a child process so its peak memory is its own."""
    code = f"""
import time, resource, numpy as np, pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import {PEERS[model]}
df = pd.read_csv({path!r}, usecols=["sku", "location", "date", "qty"])
df["unique_id"] = df["sku"] + "_" + df["location"]
df = df.rename(columns={{"date": "ds", "qty": "y"}})[["unique_id", "ds", "y"]]
df["ds"] = pd.to_datetime(df["ds"])
last = df.groupby("unique_id")["ds"].transform("max")
train = df[df["ds"] <= last - pd.Timedelta(days={horizon})]
test = df[df["ds"] > last - pd.Timedelta(days={horizon})]
t0 = time.time()
sf = StatsForecast(models=[{PEERS[model]}(season_length=7)], freq="D", n_jobs={threads})
fc = sf.forecast(df=train, h={horizon})
seconds = time.time() - t0
col = [c for c in fc.columns if c not in ("unique_id", "ds")][0]
merged = test.merge(fc, on=["unique_id", "ds"])
scores = []
for uid, g in train.groupby("unique_id"):
    y = g["y"].to_numpy()
    nz = np.nonzero(y)[0]
    y = y[nz[0]:] if len(nz) else y
    scale = np.mean(np.diff(y) ** 2) if len(y) > 1 else np.nan
    t = merged[merged["unique_id"] == uid]
    if len(t) and scale > 0:
        scores.append(np.sqrt(np.mean((t["y"].to_numpy() - t[col].to_numpy()) ** 2) / scale))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"RESULT seconds={{seconds:.2f}} peak_mib={{max(peak, children):.0f}} rmsse={{np.mean(scores):.4f}} scored={{len(scores)}}")
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    line = [l for l in out.splitlines() if l.startswith("RESULT")][-1]
    return dict(kv.split("=") for kv in line.split()[1:])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--models", default="ets")
    parser.add_argument("--horizon", type=int, default=28)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    os.makedirs(os.path.join(HERE, ".data"), exist_ok=True)
    path = os.path.join(HERE, ".data", f"m5-{args.series}.csv")
    if not os.path.exists(path):
        subprocess.run([BENCH, "generate", path, "--series", str(args.series), "--days", "1941"], check=True)
    import statsforecast
    print(f"{args.series} generated M5-shaped daily series x 1941 days, h = {args.horizon}, {args.threads} threads; "
          f"statsforecast {statsforecast.__version__}")
    mine = ours(path, args.models, args.horizon, args.threads)
    print(f"{'model':8} {'tool':14} {'seconds':>9} {'peak MiB':>9} {'RMSSE':>8}")
    for model in args.models.split(","):
        m = mine[model]
        p = peer(path, model, args.horizon, args.threads)
        print(f"{model:8} {'replenish':14} {float(m['seconds']):9.2f} {float(m['peak_mib']):9.0f} {float(m['rmsse']):8.4f}")
        print(f"{'':8} {'statsforecast':14} {float(p['seconds']):9.2f} {float(p['peak_mib']):9.0f} {float(p['rmsse']):8.4f}")
        print(f"{'':8} ratio: replenish is {float(p['seconds']) / float(m['seconds']):.1f}x faster, "
              f"RMSSE {float(m['rmsse']) - float(p['rmsse']):+.4f}")


if __name__ == "__main__":
    main()
