#!/usr/bin/env python3
"""Lead-time-demand quantiles against statsforecast's conformal intervals, on the same split as
`replenish-bench calibration`: per series (at least L + 12 observed periods), the last L periods are the
future and their sum is the lead-time demand. statsforecast gives per-step conformal intervals
(ConformalIntervals, h = L); a user wanting a lead-time quantile adds the per-step bounds up (hi-80 per step
for τ = 0.9, hi-90 for τ = 0.95, the mean for τ = 0.5), which is what is scored here. Prints coverage and
mean pinball loss per τ, in the same layout as replenish-bench.

    python3 Benchmarks/compare_calibration.py notebooks-data/carparts.csv --freq month --lead-time 3
"""
import argparse, time
import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import CrostonSBA, AutoETS, Naive
from statsforecast.utils import ConformalIntervals

parser = argparse.ArgumentParser()
parser.add_argument("file")
parser.add_argument("--freq", default="month", choices=["day", "week", "month"])
parser.add_argument("--season", type=int, default=12)
parser.add_argument("--lead-time", type=int, default=3)
parser.add_argument("--windows", type=int, default=2)
args = parser.parse_args()
L = args.lead_time
df = pd.read_csv(args.file)
df = df.rename(columns={"sku": "unique_id", "date": "ds", "qty": "y"})[["unique_id", "ds", "y"]]
df["unique_id"] = df["unique_id"].astype(str)
df["ds"] = pd.to_datetime(df["ds"])
df = df.sort_values(["unique_id", "ds"])
size = df.groupby("unique_id")["y"].transform("size")
df = df[size >= L + 12]
rank = df.groupby("unique_id").cumcount(ascending=False)
train, test = df[rank >= L], df[rank < L]
future = test.groupby("unique_id")["y"].sum()
freq = {"day": "D", "week": "W-MON", "month": "MS"}[args.freq]
taus = [0.5, 0.9, 0.95]
for name, model in [("sba", CrostonSBA()), ("ets", AutoETS(season_length=args.season))]:
    t = time.time()
    sf = StatsForecast(models=[model], freq=freq, n_jobs=2, fallback_model=Naive())
    fc = sf.forecast(df=train, h=L, level=[80, 90], prediction_intervals=ConformalIntervals(h=L, n_windows=args.windows))
    seconds = time.time() - t
    col = [c for c in fc.columns if c not in ("unique_id", "ds") and "-lo-" not in c and "-hi-" not in c][0]
    sums = fc.groupby("unique_id")[[col, f"{col}-hi-80", f"{col}-hi-90"]].sum().clip(lower=0)
    joined = sums.join(future, how="inner")
    y = joined["y"].to_numpy()
    cov, loss = [], []
    for tau, c in zip(taus, [col, f"{col}-hi-80", f"{col}-hi-90"]):
        q = joined[c].to_numpy()
        cov.append(np.mean(y <= q))
        loss.append(np.mean(np.maximum(tau * (y - q), (tau - 1) * (y - q))))
    print(f"statsforecast {name:4} series {len(joined)}  coverage q0.5 {cov[0]:.3f}  q0.9 {cov[1]:.3f}  q0.95 {cov[2]:.3f}   "
          f"pinball {loss[0]:.3f} {loss[1]:.3f} {loss[2]:.3f}  ({seconds:.1f} s) conformal per step, summed over L = {L}")
