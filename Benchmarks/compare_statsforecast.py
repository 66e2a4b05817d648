#!/usr/bin/env python3
"""Side-by-side speed and accuracy: Replenish vs statsforecast on the same data and split.

    python3 Benchmarks/compare_statsforecast.py --series 1000 [--models ets,theta] [--threads 2]
    python3 Benchmarks/compare_statsforecast.py --file notebooks-data/online_retail_weekly_sku.csv \
        --freq week --season 52 --horizon 8 --models ets,snaive

Without --file, generates (or reuses) Benchmarks/.data/m5-N.csv with the seeded generator. Holds out the
last `horizon` periods of every series (series shorter than horizon + 3 are left out on both sides), and
runs both tools in one invocation: wall time, peak RSS, mean RMSSE (M5 scale: in-sample one-step naive
MSE from the first sale) and the time ratio. Needs a release build
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
PEERS = {"ets": "AutoETS", "theta": "Theta", "autotheta": "AutoTheta", "snaive": "SeasonalNaive", "naive": "Naive",
         "croston": "CrostonClassic", "crostonopt": "CrostonOptimized", "sba": "CrostonSBA", "adida": "ADIDA", "imapa": "IMAPA",
         "tsb": "TSB"}
# Constructor arguments: seasonal models take the season length; TSB needs its two smoothing constants
# (Replenish optimises them; 0.1/0.1 is statsforecast's documentation example).
ARGS = {"ets": "season_length={season}", "theta": "season_length={season}", "autotheta": "season_length={season}",
        "snaive": "season_length={season}", "tsb": "alpha_d=0.1, alpha_p=0.1"}


def ours(path, models, horizon, threads, freq, season):
    out = subprocess.run([BENCH, "speed", path, "--models", models, "--horizon", str(horizon), "--threads", str(threads),
                          "--freq", freq, "--season", str(season)],
                         check=True, capture_output=True, text=True).stdout
    results = {}
    for line in out.splitlines():
        if line.startswith("RESULT"):
            fields = dict(kv.split("=") for kv in line.split()[1:])
            results[fields["model"]] = fields
    return results


def peer(path, model, horizon, threads, freq, season):
    """Runs in a child process so its peak memory is its own."""
    pandas_freq = {"day": "D", "week": "W-MON", "month": "MS"}[freq]
    code = f"""
import time, resource, numpy as np, pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import {PEERS[model]}, Naive
df = pd.read_csv({path!r})
if "sku" in df.columns:
    df["unique_id"] = df["sku"].astype(str) + ("_" + df["location"].astype(str) if "location" in df.columns else "")
    df = df.rename(columns={{"date": "ds", "qty": "y"}})
df = df[["unique_id", "ds", "y"]].copy()
df["unique_id"] = df["unique_id"].astype(str)
df["ds"] = pd.to_datetime(df["ds"])
df = df.sort_values(["unique_id", "ds"])
rank = df.groupby("unique_id").cumcount(ascending=False)
size = df.groupby("unique_id")["y"].transform("size")
df = df[size >= {horizon} + 3]
rank = rank[df.index]
train = df[rank >= {horizon}]
test = df[rank < {horizon}]
t0 = time.time()
# fallback_model: statsforecast otherwise aborts the whole run on one series it cannot fit
# ("tiny datasets"); Replenish falls back per series too.
sf = StatsForecast(models=[{PEERS[model]}({ARGS.get(model, "").format(season=season)})], freq={pandas_freq!r}, n_jobs={threads},
                   fallback_model=Naive())
fc = sf.forecast(df=train, h={horizon})
seconds = time.time() - t0
col = [c for c in fc.columns if c not in ("unique_id", "ds")][0]
merged = test.merge(fc, on=["unique_id", "ds"])
# RMSSE per series, vectorised (a per-series filter is quadratic on 30,490 series): the scale is the mean
# squared one-step difference of the training data from the first sale.
first = train[train["y"] != 0].groupby("unique_id")["ds"].min().rename("first")
t2 = train.join(first, on="unique_id")
t2 = t2[t2["ds"] >= t2["first"]]
t2["d2"] = t2.groupby("unique_id")["y"].diff() ** 2
scale = t2.groupby("unique_id")["d2"].mean().rename("scale")
merged["e2"] = (merged["y"] - merged[col]) ** 2
mse = merged.groupby("unique_id")["e2"].mean().rename("mse")
both = pd.concat([mse, scale], axis=1).dropna()
both = both[both["scale"] > 0]
scores = np.sqrt(both["mse"] / both["scale"]).to_numpy()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"RESULT seconds={{seconds:.2f}} peak_mib={{max(peak, children):.0f}} rmsse={{np.mean(scores):.4f}} scored={{len(scores)}}")
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"statsforecast {PEERS[model]} failed:\n{run.stderr[-2000:]}")
    line = [l for l in run.stdout.splitlines() if l.startswith("RESULT")][-1]
    return dict(kv.split("=") for kv in line.split()[1:])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--models", default="ets")
    parser.add_argument("--horizon", type=int, default=28)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--file", help="a sales history (sku/date/qty or unique_id/ds/y) instead of generated data")
    parser.add_argument("--freq", default="day", choices=["day", "week", "month"])
    parser.add_argument("--season", type=int, default=7)
    args = parser.parse_args()
    import statsforecast
    if args.file:
        path = args.file
        print(f"{path}, { {'day': 'daily', 'week': 'weekly', 'month': 'monthly'}[args.freq] }, season {args.season}, h = {args.horizon}, {args.threads} threads; "
              f"statsforecast {statsforecast.__version__}")
    else:
        os.makedirs(os.path.join(HERE, ".data"), exist_ok=True)
        path = os.path.join(HERE, ".data", f"m5-{args.series}.csv")
        if not os.path.exists(path):
            subprocess.run([BENCH, "generate", path, "--series", str(args.series), "--days", "1941"], check=True)
        print(f"{args.series} generated M5-shaped daily series x 1941 days, h = {args.horizon}, {args.threads} threads; "
              f"statsforecast {statsforecast.__version__}")
    mine = ours(path, args.models, args.horizon, args.threads, args.freq, args.season)
    print(f"{'model':8} {'tool':14} {'seconds':>9} {'peak MiB':>9} {'RMSSE':>8}")
    for model in args.models.split(","):
        m = mine[model]
        print(f"{model:8} {'replenish':14} {float(m['seconds']):9.2f} {float(m['peak_mib']):9.0f} {float(m['rmsse']):8.4f}")
        if model not in PEERS:
            continue
        p = peer(path, model, args.horizon, args.threads, args.freq, args.season)
        print(f"{'':8} {'statsforecast':14} {float(p['seconds']):9.2f} {float(p['peak_mib']):9.0f} {float(p['rmsse']):8.4f}")
        print(f"{'':8} ratio: replenish is {float(p['seconds']) / max(float(m['seconds']), 0.01):.1f}x faster "
              f"(timings under 0.01 s count as 0.01), "
              f"RMSSE {float(m['rmsse']) - float(p['rmsse']):+.4f}")


if __name__ == "__main__":
    main()
