#!/usr/bin/env python3
"""Builds the demo's item master, suppliers, locations and opening ledger events from the real
Online Retail files next to this folder. Deterministic (seed 7). Run from this folder:
    python3 make_demo_inputs.py
What is real and what is assumed is listed in README.md; the outputs are committed, so `make demo`
never runs this script."""
import csv, random, statistics
from collections import defaultdict

random.seed(7)
summary = {r["unique_id"]: r for r in csv.DictReader(open("../online_retail_sku_summary.csv"))}
weekly = defaultdict(list)
for r in csv.DictReader(open("../online_retail_weekly_sku.csv")):
    weekly[r["unique_id"]].append(r)

# Suppliers: one per StockCode family (first two characters), lead times assumed by family size.
families = sorted({sku[:2] for sku in summary})
suppliers = {}
for i, fam in enumerate(families):
    lead = [7, 14, 21, 28, 42][i % 5]
    suppliers[fam] = dict(supplier=f"SUP-{fam}", lead_time_days=lead, lead_time_sd_days=round(lead * 0.2, 1),
                          min_order_value=[0, 250, 500, 1000][i % 4], review_period_days=7)
with open("suppliers.csv", "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=["supplier", "lead_time_days", "lead_time_sd_days", "min_order_value", "review_period_days"])
    w.writeheader()
    for fam in families:
        w.writerow(suppliers[fam])

with open("locations.csv", "w", newline="") as f:
    f.write("location,region\nUK-DC,UK\nUK-RETURNS,UK\n")

with open("items.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["sku", "description", "supplier", "category", "unit_price", "unit_cost", "moq", "case_pack", "order_cost", "holding_cost_rate", "allow_backorder", "location"])
    for sku, s in sorted(summary.items()):
        price = float(s["median_unit_price"])
        pack = 12 if price < 2 else 6 if price < 5 else 1
        category = "christmas" if "CHRISTMAS" in s["description"] else "everyday"
        w.writerow([sku, s["description"], suppliers[sku[:2]]["supplier"], category, f"{price:.2f}", f"{0.55 * price:.2f}",
                    pack, pack, "20", "0.25", "1", "UK-DC"])

# Opening events at 2011-12-09 (the data's last day).
at = "2011-12-09T18:00:00Z"
events = []
def add(**e):
    e.setdefault("source", "demo-opening")
    events.append(e)
for sku, rows in sorted(weekly.items()):
    recent = [float(r["y"]) for r in rows[-14:-1]]  # 13 full weeks before the partial last week
    mean13 = statistics.mean(recent) if recent else 0
    cover = random.uniform(0.5, 10)
    onhand = round(mean13 * cover)
    if onhand > 0:
        add(key=f"open-{sku}", kind="receive", sku=sku, location="UK-DC", qty=onhand, unit_cost=summary[sku]["median_unit_price"] and f"{0.55 * float(summary[sku]['median_unit_price']):.2f}")
    returns = sum(int(float(r["returns"])) for r in rows[-14:-1])
    if returns > 0:
        add(key=f"returns-{sku}", kind="receive", sku=sku, location="UK-RETURNS", qty=returns)
    last = int(float(rows[-1]["y"])) - int(float(rows[-1]["returns"]))  # cancelled the same week: not open
    if last > 0:  # the partial last week's orders are still open: reserved, not shipped
        add(key=f"order-{sku}", kind="reserve", sku=sku, location="UK-DC", qty=last, order=f"WK49-{sku}", line="1")
    if mean13 > 20 and random.random() < 0.25:
        add(key=f"po-{sku}", kind="po_open", sku=sku, location="UK-DC", qty=round(mean13 * 3), po=f"PO-OPEN-{sku[:2]}",
            unit_cost=f"{0.55 * float(summary[sku]['median_unit_price']):.2f}")
with open("opening_events.csv", "w", newline="") as f:
    cols = ["source", "key", "kind", "at", "sku", "location", "qty", "order", "line", "po", "unit_cost"]
    w = csv.DictWriter(f, fieldnames=cols)
    w.writeheader()
    for e in events:
        e["at"] = at
        w.writerow({c: e.get(c, "") for c in cols})
print(len(summary), "items,", len(families), "suppliers,", len(events), "events")
