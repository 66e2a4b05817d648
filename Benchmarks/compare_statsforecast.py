#!/usr/bin/env python3
"""Side-by-side speed and accuracy: `replenish forecast` vs statsforecast on the same data and split.

    python3 Benchmarks/compare_statsforecast.py --series 1000,5000 --models auto,ets
    python3 Benchmarks/compare_statsforecast.py --series 1000 --models croston,sba,tsb
    python3 Benchmarks/compare_statsforecast.py --file notebooks-data/online_retail_weekly_sku.csv \
        --freq week --season 52 --horizon 8 --models ets,snaive

Without --file, generates (or reuses) Benchmarks/.data/m5-N.csv with the seeded generator. Holds out the
last `horizon` periods of every series (series shorter than horizon + 3 are left out on both sides) and
writes the rest as a training file. Replenish runs as users run it: `replenish forecast --history
train.csv --models M --horizon h --out …` with its defaults (80 and 95 % intervals included); its wall time
covers reading the file and writing the forecasts. statsforecast runs in a child process that reads the
same training file; its wall time is that of `StatsForecast.forecast` alone. Both forecast files are
scored by the same code: mean RMSSE (M5 scale: in-sample one-step naive MSE from the first sale). CPU time
and peak memory are each child's own (os.wait4). `auto` and `ets` are both compared with AutoETS, the
model `auto` must beat. Needs a release build (`swift build -c release --product replenish` and
`--product replenish-bench` for the generator) and statsforecast + pandas from PyPI; neither is needed by
the test suite.
"""
import argparse
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BENCH = os.path.join(ROOT, ".build", "release", "replenish-bench")
REPLENISH = os.path.join(ROOT, ".build", "release", "replenish")
PEERS = {"auto": "AutoETS", "ets": "AutoETS", "theta": "Theta", "autotheta": "AutoTheta", "snaive": "SeasonalNaive",
         "naive": "Naive", "croston": "CrostonClassic", "crostonopt": "CrostonOptimized", "sba": "CrostonSBA",
         "adida": "ADIDA", "imapa": "IMAPA", "tsb": "TSB"}
# Constructor arguments: seasonal models take the season length; TSB needs its two smoothing constants
# (Replenish optimises them; 0.1/0.1 is statsforecast's documentation example).
ARGS = {"AutoETS": "season_length={season}", "Theta": "season_length={season}", "AutoTheta": "season_length={season}",
        "SeasonalNaive": "season_length={season}", "TSB": "alpha_d=0.1, alpha_p=0.1"}
PANDAS_FREQ = {"day": "D", "week": "W-MON", "month": "MS"}


# A small process that starts the measured one and reports its resource usage. Started from this (large)
# process directly, a child's peak RSS would include the pages it shares with us between fork and exec.
LAUNCHER = """
import os, subprocess, sys, time
t0 = time.time()
child = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(child.pid, 0)
print(f"MEASURED {os.waitstatus_to_exitcode(status)} {time.time() - t0:.3f} {usage.ru_utime + usage.ru_stime:.3f} {usage.ru_maxrss}",
      file=sys.stderr)
"""


def run_measured(command):
    """Runs a child; returns (stdout, wall seconds, CPU seconds, peak MiB) of that child alone."""
    run = subprocess.run([sys.executable, "-c", LAUNCHER] + command, capture_output=True, text=True)
    line = [l for l in run.stderr.splitlines() if l.startswith("MEASURED")]
    if run.returncode != 0 or not line or line[-1].split()[1] != "0":
        raise SystemExit(f"{' '.join(command[:3])} … failed:\n{run.stderr[-2000:]}")
    _, _, wall, cpu, kib = line[-1].split()
    return run.stdout, float(wall), float(cpu), float(kib) / 1024


def split(path, horizon, folder):
    """Training file (sku,location,date,qty) and the held-out rows, keyed by unique_id = sku_location."""
    df = pd.read_csv(path)
    if "unique_id" in df.columns:
        df = df.rename(columns={"unique_id": "sku", "ds": "date", "y": "qty"})
    if "location" not in df.columns:
        df["location"] = ""
    df = df[["sku", "location", "date", "qty"]].copy()
    df["sku"] = df["sku"].astype(str)
    df["location"] = df["location"].fillna("").astype(str)
    df["date"] = pd.to_datetime(df["date"])
    df = df.sort_values(["sku", "location", "date"])
    rank = df.groupby(["sku", "location"]).cumcount(ascending=False)
    size = df.groupby(["sku", "location"])["qty"].transform("size")
    keep = size >= horizon + 3
    df, rank = df[keep], rank[keep]
    train, test = df[rank >= horizon].copy(), df[rank < horizon].copy()
    os.makedirs(folder, exist_ok=True)
    train_path = os.path.join(folder, "train.csv")
    out = train.copy()
    out["date"] = out["date"].dt.strftime("%Y-%m-%d")
    if (out["location"] == "").all():
        out = out.drop(columns=["location"])
    out.to_csv(train_path, index=False)
    for frame in (train, test):
        frame["unique_id"] = frame["sku"] + "_" + frame["location"]
    return train_path, train, test


def rmsse(train, test, forecasts):
    """Mean RMSSE over series; `forecasts` has unique_id, date, mean."""
    merged = test.merge(forecasts, on=["unique_id", "date"], how="left")
    missing = int(merged["mean"].isna().sum())
    first = train[train["qty"] != 0].groupby("unique_id")["date"].min().rename("first")
    t2 = train.join(first, on="unique_id")
    t2 = t2[t2["date"] >= t2["first"]].copy()
    t2["d2"] = t2.groupby("unique_id")["qty"].diff() ** 2
    scale = t2.groupby("unique_id")["d2"].mean().rename("scale")
    merged["e2"] = (merged["qty"] - merged["mean"]) ** 2
    mse = merged.groupby("unique_id")["e2"].mean().rename("mse")
    both = pd.concat([mse, scale], axis=1).dropna()
    both = both[both["scale"] > 0]
    return float(np.mean(np.sqrt(both["mse"] / both["scale"]))), len(both), missing


def ours(train_path, model, horizon, threads, freq, season, folder):
    out_path = os.path.join(folder, f"replenish-{model}.csv")
    _, wall, cpu, peak = run_measured([REPLENISH, "forecast", "--history", train_path, "--freq", freq, "--season-length", str(season),
                                   "--horizon", str(horizon), "--models", model, "--threads", str(threads), "--out", out_path])
    fc = pd.read_csv(out_path, dtype={"sku": str, "location": str}, keep_default_na=False)
    if "location" not in fc.columns:
        fc["location"] = ""
    fc["unique_id"] = fc["sku"] + "_" + fc["location"]
    fc["date"] = pd.to_datetime(fc["date"])
    fc["mean"] = pd.to_numeric(fc["mean"])
    return fc[["unique_id", "date", "mean"]], wall, cpu, peak


def peer(train_path, name, horizon, threads, freq, season, folder):
    """statsforecast in a child process, so that its CPU time and peak memory are its own."""
    out_path = os.path.join(folder, f"statsforecast-{name}.csv")
    code = f"""
import time, pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import {name}, Naive
df = pd.read_csv({train_path!r}, dtype={{"sku": str, "location": str}}, keep_default_na=False)
if "location" not in df.columns:
    df["location"] = ""
df["unique_id"] = df["sku"] + "_" + df["location"]
df = df.rename(columns={{"date": "ds", "qty": "y"}})[["unique_id", "ds", "y"]]
df["ds"] = pd.to_datetime(df["ds"])
t0 = time.time()
# fallback_model: statsforecast otherwise aborts the whole run on one series it cannot fit
# ("tiny datasets"); Replenish falls back per series too.
sf = StatsForecast(models=[{name}({ARGS.get(name, "").format(season=season)})], freq={PANDAS_FREQ[freq]!r}, n_jobs={threads},
                   fallback_model=Naive())
fc = sf.forecast(df=df, h={horizon})
print(f"SECONDS {{time.time() - t0:.3f}}")
col = [c for c in fc.columns if c not in ("unique_id", "ds")][0]
fc = fc.reset_index() if "unique_id" not in fc.columns else fc
fc.rename(columns={{"ds": "date", col: "mean"}})[["unique_id", "date", "mean"]].to_csv({out_path!r}, index=False)
"""
    out, _, cpu, peak = run_measured([sys.executable, "-c", code])
    seconds = float([l for l in out.splitlines() if l.startswith("SECONDS")][-1].split()[1])
    fc = pd.read_csv(out_path, keep_default_na=False, dtype={"unique_id": str})
    fc["date"] = pd.to_datetime(fc["date"])
    return fc, seconds, cpu, peak


def instructions(train_path, model, args):
    """Instructions per series counted by valgrind's callgrind (stable where wall time is not)."""
    # valgrind 3.19 cannot read the Swift toolchain's debug information: count a stripped copy.
    stripped = os.path.join(os.path.dirname(train_path), "replenish-stripped")
    subprocess.run(["strip", "-o", stripped, REPLENISH], check=True)
    run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", stripped, "forecast",
                          "--history", train_path, "--freq", args.freq, "--season-length", str(args.season),
                          "--horizon", str(args.horizon), "--models", model, "--threads", "1",
                          "--out", os.path.join(os.path.dirname(train_path), f"callgrind-{model}.csv")],
                         capture_output=True, text=True)
    collected = [l for l in run.stderr.splitlines() if "Collected :" in l]
    if run.returncode != 0 or not collected:
        raise SystemExit(f"callgrind failed:\n{run.stderr[-2000:]}")
    return int(collected[-1].split(":")[-1]) / args.callgrind


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", default="1000", help="comma-separated sizes of generated panels")
    parser.add_argument("--models", default="auto,ets")
    parser.add_argument("--horizon", type=int, default=28)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--file", help="a sales history (sku/date/qty or unique_id/ds/y) instead of generated data")
    parser.add_argument("--freq", default="day", choices=["day", "week", "month"])
    parser.add_argument("--season", type=int, default=7)
    parser.add_argument("--no-peer", action="store_true", help="replenish only (the peer's figures from an earlier run)")
    parser.add_argument("--callgrind", type=int, default=0, metavar="N",
                        help="also count instructions per series under valgrind's callgrind on the first N series (1 thread)")
    args = parser.parse_args()
    import statsforecast
    inputs = []
    if args.file:
        inputs.append((args.file, os.path.join(HERE, ".data", "compare-" + os.path.basename(args.file).rsplit(".", 1)[0])))
    else:
        os.makedirs(os.path.join(HERE, ".data"), exist_ok=True)
        for n in [int(s) for s in args.series.split(",")]:
            path = os.path.join(HERE, ".data", f"m5-{n}.csv")
            if not os.path.exists(path):
                subprocess.run([BENCH, "generate", path, "--series", str(n), "--days", "1941"], check=True)
            inputs.append((path, os.path.join(HERE, ".data", f"compare-m5-{n}")))
    print(f"replenish forecast (its defaults: 80/95 % intervals, reading and writing included) vs statsforecast "
          f"{statsforecast.__version__} (fit + forecast only), h = {args.horizon}, {args.threads} threads, season {args.season}")
    for path, folder in inputs:
        train_path, train, test = split(path, args.horizon, folder)
        print(f"\n{path}: {train['unique_id'].nunique()} series, {len(train):,} training rows")
        print(f"{'model':10} {'tool':22} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9} {'RMSSE':>8}")
        peers = {}
        subset = None
        if args.callgrind:
            subset = os.path.join(folder, f"train-{args.callgrind}.csv")
            keys = train[["sku", "location"]].drop_duplicates().head(args.callgrind)
            part = train.merge(keys, on=["sku", "location"])[["sku", "location", "date", "qty"]].copy()
            part["date"] = part["date"].dt.strftime("%Y-%m-%d")
            if (part["location"] == "").all():
                part = part.drop(columns=["location"])
            part.to_csv(subset, index=False)
        for model in args.models.split(","):
            fc, wall, cpu, peak = ours(train_path, model, args.horizon, args.threads, args.freq, args.season, folder)
            score, scored, missing = rmsse(train, test, fc)
            print(f"{model:10} {'replenish':22} {wall:8.2f} {cpu:8.2f} {peak:9.0f} {score:8.4f}"
                  + (f"  ({missing} held-out rows without a forecast)" if missing else ""))
            if subset:
                print(f"{'':10} callgrind: {instructions(subset, model, args):,.0f} instructions per series "
                      f"(first {args.callgrind} series, 1 thread, reading and writing included)")
            name = PEERS.get(model)
            if name is None or args.no_peer:
                continue
            if name not in peers:
                pfc, seconds, pcpu, ppeak = peer(train_path, name, args.horizon, args.threads, args.freq, args.season, folder)
                pscore, _, pmissing = rmsse(train, test, pfc)
                peers[name] = (seconds, pcpu, pscore)
                print(f"{'':10} {'statsforecast ' + name:22} {seconds:8.2f} {pcpu:8.2f} {ppeak:9.0f} {pscore:8.4f}" + (f"  ({pmissing} rows missing)" if pmissing else ""))
            seconds, pcpu, pscore = peers[name]
            print(f"{'':10} ratio: {model} is {seconds / max(wall, 0.01):.1f}x faster than {name} (wall), "
                  f"{pcpu / max(cpu, 0.01):.1f}x (CPU); RMSSE {score - pscore:+.4f}")


if __name__ == "__main__":
    main()
