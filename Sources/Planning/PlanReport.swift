import CSV
import Foundation
import Policy

import TimeSeries

/// The CSV tables behind the report (what a buyer opens in a spreadsheet).
public enum PlanTables {
  static func n(_ x: Double, _ digits: Int = 2) -> String { x.isFinite ? fixed(x, digits) : "" }

  /// `String(format: "%.<digits>f", x)` — the same text — without its cost (a few microseconds a call on
  /// Linux: 2 million of them were 4 s of a 30,490-SKU weekly plan's report writing). x·10^digits is
  /// rounded as an integer where that is exact: below 10⁹ and not within 10⁻⁶ of a tie, where the product's
  /// rounding error (under 2·10⁻⁷) cannot change the nearest integer; elsewhere `String(format:)` decides.
  static func fixed(_ x: Double, _ digits: Int) -> String {
    guard digits >= 0 && digits <= 8 else { return String(format: "%.\(digits)f", x) }
    var power = 1.0
    for _ in 0..<digits { power *= 10 }
    let scaled = abs(x) * power
    let fraction = scaled - scaled.rounded(.down)
    guard scaled < 1e9, abs(fraction - 0.5) > 1e-6 else { return String(format: "%.\(digits)f", x) }
    let units = Int(scaled.rounded())
    let whole = units / Int(power), part = units % Int(power)
    var text = x.sign == .minus ? "-" : ""
    text += String(whole)
    if digits > 0 {
      let decimals = String(part)
      text += "." + String(repeating: "0", count: digits - decimals.count) + decimals
    }
    return text
  }

  public static func classes(_ classes: [ClassifiedSKU], asOf: String) -> String {
    var out = "as_of,sku,abc,xyz,class,value,share,cumulative_share,rank,units,mean_demand,cv,service_level\n"
    for c in classes {
      out += [asOf, csvField(c.sku), c.abc.rawValue, c.xyz.rawValue, c.cell.description, n(c.value), n(c.share, 6), n(c.cumulativeShare, 6), "\(c.rank)",
              "\(c.units)", n(c.meanDemand, 4), c.cv.map { n($0, 4) } ?? "", "\(c.serviceLevel)"].joined(separator: ",") + "\n"
    }
    return out
  }

  public static func policies(_ policies: [PolicyResult], classes: [String: ClassifiedSKU]) -> String {
    var out = "sku,location,class,policy,demand_per_day,sigma_per_period,sigma_source,period_days,lead_time_days,lead_time_sd_days,"
      + "review_period_days,exposure_days,exposure_demand,sigma_exposure,service_level,service_level_source,safety_stock_method,"
      + "quantile_method,safety_factor,safety_stock,reorder_point,order_up_to,eoq,order_quantity,moq,case_pack,order_multiple,notes\n"
    for p in policies {
      out += [csvField(p.sku), csvField(p.location ?? ""), classes[p.sku]?.cell.description ?? "", p.policy.rawValue, n(p.demandPerDay, 4), n(p.sigmaPerPeriod, 4),
              csvField(p.sigmaSource), n(p.periodDays, 4), n(p.leadTimeDays), n(p.leadTimeSDDays), n(p.reviewPeriodDays), n(p.exposureDays),
              n(p.exposureDemand, 4), n(p.sigmaExposure, 4), "\(p.serviceLevel)", csvField(p.serviceLevelSource), p.safetyStockMethod.rawValue,
              csvField(p.quantileMethod), p.safetyFactor.map { n($0, 4) } ?? "", n(p.safetyStock, 4), n(p.reorderPoint, 4), n(p.orderUpTo, 4), p.economicOrderQuantity.map { n($0, 4) } ?? "",
              n(p.orderQuantity, 0), "\(p.moq)", "\(p.casePack)", "\(p.orderMultiple)", csvField(p.notes.joined(separator: "; "))].joined(separator: ",") + "\n"
    }
    return out
  }

  /// Time-phased reorder points: per SKU and location, the policy of every period until the next plan
  /// (`PlanResult.phasedPolicies`; the first row is `policies.csv`'s), from the period's first day.
  public static func reorderPoints(_ result: PlanResult) -> String {
    var out = "sku,location,class,period_start,demand_per_day,safety_stock,reorder_point,order_up_to\n"
    let frequency = result.panel.frequency
    for (i, first) in result.policies.enumerated() {
      let phased = i < result.phasedPolicies.count ? result.phasedPolicies[i] : []
      for (j, p) in ([first] + phased).enumerated() {
        let start = CivilDate(dayNumber: frequency.firstDay(ofPeriod: result.panel.endPeriod + j))
        out += [csvField(p.sku), csvField(p.location ?? ""), result.classMap[p.sku]?.cell.description ?? "", start.description, n(p.demandPerDay, 4),
                n(p.safetyStock, 4), n(p.reorderPoint, 4), n(p.orderUpTo, 4)].joined(separator: ",") + "\n"
      }
    }
    return out
  }

  static let lineHeader = "po_id,supplier,ship_to,sku,class,qty,unit_cost,unit_cost_source,line_value,expected_arrival,position,demand_per_day,"
    + "forecast_over_exposure,sigma_exposure,safety_stock,quantile_method,reorder_point,order_up_to,raw_need,covered_by_transfer,rounding,"
    + "expected_shortage_units,priority,status,notes\n"

  static func line(_ l: SuggestedLine, po: String) -> String {
    [csvField(po), csvField(l.supplier), csvField(l.location), csvField(l.sku), l.abc.rawValue, n(l.quantity, 0), l.unitCost.map { n($0, 4) } ?? "", l.unitCostSource,
     n(l.lineValue), CivilDate(dayNumber: l.expectedArrivalDay).description, n(l.position, 0), n(l.demandPerDay, 4), n(l.exposureDemand),
     n(l.sigmaExposure), n(l.safetyStock), csvField(l.quantileMethod), n(l.reorderPoint), n(l.orderUpTo), n(l.rawNeed), n(l.coveredByTransfer, 0), csvField(l.rounding),
     n(l.expectedShortageUnits, 3), n(l.priority, 4), l.status.rawValue, csvField(l.notes.joined(separator: "; "))].joined(separator: ",") + "\n"
  }

  public static func purchaseLines(_ plan: PurchasePlan) -> String {
    var out = lineHeader
    for po in plan.orders { for l in po.lines { out += line(l, po: po.id) } }
    return out
  }

  public static func deferred(_ plan: PurchasePlan) -> String {
    var out = lineHeader
    for l in plan.deferred { out += line(l, po: "") }
    return out
  }

  public static func transfers(_ plan: PurchasePlan) -> String {
    "sku,from,to,qty,reason\n" + plan.transfers.map { [csvField($0.sku), csvField($0.from), csvField($0.to), n($0.quantity, 0), csvField($0.reason)].joined(separator: ",") + "\n" }.joined()
  }

  public static func overstock(_ plan: PurchasePlan) -> String {
    "sku,location,position,order_up_to,excess_units,excess_value,days_since_last_sale,dead_stock\n"
      + plan.overstock.map {
        [csvField($0.sku), csvField($0.location), n($0.position, 0), n($0.orderUpTo), n($0.excessUnits), n($0.excessValue), $0.daysSinceLastSale.map(String.init) ?? "",
         $0.dead ? "yes" : "no"].joined(separator: ",") + "\n"
      }.joined()
  }

  public static func json(_ plan: PurchasePlan) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(plan), as: UTF8.self)
  }

  /// Forecast means (and 80/95 % bounds) for every series over the horizon.
  public static func forecasts(_ plan: PlanResult) -> String {
    var out = "sku,location,date,model,mean,lo-80,hi-80,lo-95,hi-95\n"
    var dates: [String] = []  // every series is forecast from the panel's end: one label per step
    for d in plan.demands {
      guard let f = d.forecast else { continue }
      while dates.count < f.mean.count { dates.append(plan.panel.frequency.label(ofPeriod: plan.panel.endPeriod + dates.count).description) }
      for h in f.mean.indices {
        let date = dates[h]
        func bound(_ side: [[Double]], _ k: Int) -> String { side.count > k && side[k].count > h ? n(side[k][h], 4) : "" }
        out += [csvField(d.key.sku), csvField(d.key.location ?? ""), date, csvField(d.model), n(f.mean[h], 4), bound(f.lower, 0), bound(f.upper, 0),
                bound(f.lower, 1), bound(f.upper, 1)].joined(separator: ",") + "\n"
      }
    }
    return out
  }

  public static func scenario(_ comparison: ScenarioComparison) -> String {
    var out = "class,run,skus,po_spend,avg_inventory_value,fill_rate,stockout_units\n"
    for cls in ABCClass.allCases.map(Optional.some) + [nil] {
      for (run, figures) in [("baseline", comparison.baselineFigures), (comparison.spec.name, comparison.scenarioFigures)] {
        guard let f = figures[cls] else { continue }
        out += [cls?.rawValue ?? "all", csvField(run), "\(f.skus)", n(f.spend), n(f.inventoryValue), n(f.fillRate, 4), n(f.stockOutUnits, 1)].joined(separator: ",") + "\n"
      }
    }
    return out
  }
}

/// The self-contained HTML report: inline CSS and SVG, no scripts, no network.
public struct PlanReport {
  public var plan: PlanResult
  public var scenario: ScenarioComparison?
  public var topSKUs = 6
  public var title = "Replenishment plan"
  public var sources: [String] = []
  /// The latest policy backtest's per-class figures (the "promised vs achieved" section).
  public var serviceAchieved: ServiceAchieved?

  public init(plan: PlanResult) { self.plan = plan }

  static let style = """
    body{font:14px/1.45 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1080px;color:#1d2733;padding:0 16px}
    h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #dde3ea;padding-bottom:4px}
    h3{font-size:14px;margin:16px 0 4px}.muted{color:#5b6776}.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
    .card{border:1px solid #dde3ea;border-radius:8px;padding:10px 14px;min-width:150px}.card b{display:block;font-size:20px}
    table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border-bottom:1px solid #e6ebf0;padding:4px 8px;text-align:right}
    th:first-child,td:first-child{text-align:left}th{background:#f4f6f9}.grid2{display:grid;grid-template-columns:1fr 1fr;gap:8px}
    \(PlanCharts.css)
    .matrix td{min-width:90px}.pill{display:inline-block;border-radius:10px;padding:0 8px;background:#eef2f7}
    """

  public func html() -> String {
    let p = plan
    let asOf = CivilDate(dayNumber: p.asOfDay).description
    let orders = p.purchase.orders
    let lines = orders.flatMap(\.lines)
    var h = "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>\(SVGChart.escape(title)) \(asOf)</title><style>\(Self.style)</style></head><body>"
    h += "<h1>\(SVGChart.escape(title))</h1><div class='muted'>as of \(asOf) · \(p.panel.seriesCount) series · \(p.panel.frequency.rawValue)ly history"
    if !sources.isEmpty { h += " · " + sources.map(SVGChart.escape).joined(separator: " · ") }
    h += "</div>"
    h += "<div class='cards'>"
    h += card("PO lines", "\(lines.count)", "\(orders.count) purchase orders")
    h += card("PO spend", money(p.purchase.spend), p.purchase.budget.map { "budget \(money($0))" } ?? "no budget limit")
    h += card("Deferred", "\(p.purchase.deferred.count)", money(p.purchase.deferred.reduce(0) { $0 + $1.lineValue }) + " not ordered")
    h += card("Transfers", "\(p.purchase.transfers.count)", "\(Int(p.purchase.transfers.reduce(0) { $0 + $1.quantity })) units before buying")
    h += card("Overstock", money(p.purchase.overstock.reduce(0) { $0 + $1.excessValue }), "\(p.purchase.overstock.filter(\.dead).count) dead-stock lines")
    h += "</div>"

    h += "<h2>Purchase orders by supplier</h2>" + supplierChart()
    h += "<table><tr><th>PO</th><th>supplier</th><th>ship to</th><th>lines</th><th>total</th><th>minimum</th><th>notes</th></tr>"
    for o in orders.sorted(by: { $0.total > $1.total }).prefix(15) {
      h += "<tr><td>\(SVGChart.escape(o.id))</td><td>\(SVGChart.escape(o.supplier))</td><td>\(SVGChart.escape(o.location))</td><td>\(o.lines.count)</td><td>\(money(o.total))</td><td>\(o.minimumOrderValue.map(money) ?? "")</td><td>\(SVGChart.escape(o.notes.joined(separator: "; ")))</td></tr>"
    }
    h += "</table><div class='muted'>All lines with their derivation: po_suggestions.csv / po_suggestions.json; deferred lines: deferred.csv.</div>"

    h += "<h3>Highest-priority lines (why each is ordered)</h3><table><tr><th>SKU</th><th>class</th><th>qty</th><th>value</th><th>position</th><th>forecast over L+R</th><th>σ</th><th>safety stock</th><th>reorder point</th><th>order-up-to</th><th>rounding</th><th>reorder point from</th></tr>"
    for l in lines.sorted(by: { $0.priority > $1.priority }).prefix(12) {
      h += "<tr><td>\(SVGChart.escape(l.sku))</td><td>\(l.abc.rawValue)</td><td>\(Int(l.quantity))</td><td>\(money(l.lineValue))</td><td>\(Int(l.position))</td><td>\(fmt(l.exposureDemand))</td><td>\(fmt(l.sigmaExposure))</td><td>\(fmt(l.safetyStock))</td><td>\(fmt(l.reorderPoint))</td><td>\(fmt(l.orderUpTo))</td><td>\(SVGChart.escape(l.rounding))</td><td>\(SVGChart.escape(l.quantileMethod))</td></tr>"
    }
    h += "</table>"

    h += "<h2>Forecast vs actual — top SKUs by value</h2><div class='grid2'>"
    let top = p.classes.prefix(topSKUs).compactMap { c in p.demands.first { $0.key.sku == c.sku } }
    for d in top { h += forecastChart(d) }
    h += "</div>"

    if let first = top.first, let i = p.demands.firstIndex(where: { $0.series == first.series }) {
      let phased = i < p.phasedPolicies.count ? p.phasedPolicies[i] : []
      h += "<h2>Projected inventory of \(SVGChart.escape(first.key.sku)) against its reorder point</h2>"
        + projectionChart(first, policy: p.policies[i], phased: phased, planned: p.planned[i])
    }

    if let achieved = serviceAchieved { h += "<h2>Promised vs achieved service</h2>" + serviceSection(achieved) }

    h += "<h2>ABC Pareto curve and class matrix</h2><div class='grid2'>" + paretoChart() + matrixTable() + "</div>"

    if let scenario {
      h += "<h2>Scenario “\(SVGChart.escape(scenario.spec.name))” vs baseline</h2>" + scenarioSection(scenario)
    }

    let overstock = p.purchase.overstock.prefix(10)
    if !overstock.isEmpty {
      h += "<h2>Overstock and dead stock</h2><p>Overstock: inventory position above the order-up-to level. Dead: no sale for \(p.settings.deadStockDays) days or more before the plan date (none in the history counts too); a SKU sold since is never dead.</p><table><tr><th>SKU</th><th>location</th><th>position</th><th>order-up-to</th><th>excess</th><th>value</th><th>days since sale</th><th>dead</th></tr>"
      for o in overstock {
        h += "<tr><td>\(SVGChart.escape(o.sku))</td><td>\(SVGChart.escape(o.location))</td><td>\(Int(o.position))</td><td>\(fmt(o.orderUpTo))</td><td>\(fmt(o.excessUnits))</td><td>\(money(o.excessValue))</td><td>\(o.daysSinceLastSale.map(String.init) ?? "")</td><td>\(o.dead ? "yes" : "")</td></tr>"
      }
      h += "</table>"
    }
    h += "<h2>Run</h2><table><tr><th>step</th><th>seconds</th></tr>" + p.timings.map { "<tr><td>\($0.step)</td><td>\(String(format: "%.2f", $0.seconds))</td></tr>" }.joined() + "</table>"
    h += "<p class='muted'>Generated by Replenish. Methods: forecasts per SKU (model chosen by backtest), safety stock by the method in policies.csv, PO lines from the ledger's inventory position. Every number here is in the CSV files next to this report.</p>"
    h += "</body></html>\n"
    return h
  }

  func card(_ title: String, _ value: String, _ sub: String) -> String {
    "<div class='card'><span class='muted'>\(SVGChart.escape(title))</span><b>\(SVGChart.escape(value))</b><span class='muted'>\(SVGChart.escape(sub))</span></div>"
  }

  func money(_ x: Double) -> String { HTMLText.grouped(x, 0) }

  func fmt(_ x: Double) -> String { x >= 100 ? String(format: "%.0f", x) : String(format: "%.1f", x) }

  func forecastChart(_ d: SeriesDemand) -> String {
    let fitted = plan.panel.history(of: d.series, censorStockOuts: true).prefix(d.historyLength)
    guard let f = d.forecast else { return "" }
    let end = plan.panel.startPeriods[d.series] + fitted.count
    let chart = PlanCharts.forecast(title: "forecast of \(d.key.sku)", frequency: plan.panel.frequency, end: end, history: Array(fitted), mean: f.mean,
                                    lower: f.lower, upper: f.upper)
    let cls = plan.classMap[d.key.sku]?.cell.description ?? ABCClass.new.rawValue
    return "<div><h3>\(SVGChart.escape(d.key.sku)) <span class='pill'>\(cls)</span> <span class='muted'>\(SVGChart.escape(d.model))</span></h3>\(chart)</div>"
  }

  /// Net stock period by period as the planner projects it (`ProjectedInventory`: net stock now, the
  /// pipeline and this run's PO line received after the lead time, minus the forecast mean), against the
  /// reorder point (each period's until the next plan, `phased`, drawn as steps) and safety stock.
  func projectionChart(_ d: SeriesDemand, policy: PolicyResult, phased: [PolicyResult], planned: PlannedItem) -> String {
    guard let f = d.forecast else { return "" }
    let line = plan.purchase.orders.flatMap(\.lines).first { $0.sku == planned.key.sku && $0.location == planned.key.location }
    let projection = ProjectedInventory(position: plan.position(of: planned), policy: policy, forecastMean: f.mean, ordered: line?.quantity ?? 0)
    let lead = projection.arrivalPeriod
    let points = projection.values.enumerated().map { (Double($0.offset), $0.element) }
    let ys = points.map(\.1) + [policy.reorderPoint, policy.orderUpTo, 0] + phased.map(\.reorderPoint)
    var c = SVGChart(width: 900, height: 250, x: 0...Double(f.mean.count), y: min(0, ys.min()!)...(ys.max()! * 1.08))
    c.axes(xLabels: stride(from: 0, through: f.mean.count, by: max(1, f.mean.count / 6)).map { (Double($0), "+\($0) \(plan.panel.frequency.rawValue)") }, yTitle: "units (ATP − backorders, projected with the forecast mean)")
    if phased.isEmpty {
      c.hline(policy.reorderPoint, cssClass: "rop", label: String(format: "reorder point %.0f", policy.reorderPoint))
    } else {
      // Steps: period j's reorder point from j to j + 1, until the next plan.
      let steps = ([policy] + phased).enumerated().flatMap { j, p in [(Double(j), p.reorderPoint), (Double(j + 1), p.reorderPoint)] }
      c.line(steps, cssClass: "rop")
      c.note(at: steps[0], String(format: "reorder point %.0f, then each period's until the next plan (reorder_points.csv)", policy.reorderPoint))
    }
    c.hline(policy.safetyStock, cssClass: "ss", label: String(format: "safety stock %.0f", policy.safetyStock))
    c.line(points, cssClass: "onhand")
    if let line { c.vline(Double(lead), cssClass: "now", label: "suggested PO \(Int(line.quantity)) arrives") }
    return c.svg(title: "projected inventory")
  }

  func supplierChart() -> String {
    var totals: [String: Double] = [:]
    for o in plan.purchase.orders { totals[o.supplier, default: 0] += o.total }
    let top = totals.sorted { $0.value > $1.value }.prefix(12)
    guard !top.isEmpty else { return "<p class='muted'>No purchase orders suggested.</p>" }
    var c = SVGChart(width: 900, height: 240, x: 0...Double(top.count), y: 0...(top.first!.value * 1.15))
    c.axes(xLabels: top.enumerated().map { (Double($0.offset) + 0.5, $0.element.key) }, yTitle: "PO value")
    for (i, (_, v)) in top.enumerated() { c.bar(x0: Double(i) + 0.15, x1: Double(i) + 0.85, y: v, cssClass: "barA", label: money(v)) }
    return c.svg(title: "PO totals by supplier")
  }

  /// Per class: the target, the cycle service the backtest achieved, fill rate and in-stock rate, with a
  /// chart of target against achieved.
  func serviceSection(_ s: ServiceAchieved) -> String {
    let rows = s.rows.filter { $0.cycles > 0 }
    guard !rows.isEmpty else { return "<p class='muted'>The backtest replayed no replenishment cycle.</p>" }
    let low = max(0, (rows.flatMap { [$0.target, $0.cycleServiceLevel, $0.fillRate] }.min() ?? 0) - 0.05)
    var c = SVGChart(width: 520, height: 240, x: 0...Double(rows.count), y: (low * 20).rounded(.down) / 20...1)
    c.axes(xLabels: rows.enumerated().map { (Double($0.offset) + 0.5, $0.element.abc.rawValue) }, yTitle: "cycle service", percentY: true)
    c.legend([("base", "promised (target)"), ("barA", "achieved")])
    for (i, r) in rows.enumerated() {
      c.bar(x0: Double(i) + 0.1, x1: Double(i) + 0.48, y: r.target, cssClass: "base", label: String(format: "%.1f%%", 100 * r.target))
      c.bar(x0: Double(i) + 0.52, x1: Double(i) + 0.9, y: r.cycleServiceLevel, cssClass: "barA", label: String(format: "%.1f%%", 100 * r.cycleServiceLevel))
    }
    var h = "<div class='grid2'>" + c.svg(title: "Promised vs achieved cycle service by class")
    h += "<table><tr><th>class</th><th>SKUs</th><th>promised</th><th>achieved</th><th>Δ</th><th>at whole-unit reorder points</th><th>fill rate</th><th>in-stock</th><th>cycles</th><th>pooled errors</th><th>failed on a ramp ≥2×</th><th>failed on a new peak</th></tr>"
    for r in rows {
      h += "<tr><td>\(r.abc.rawValue)</td><td>\(r.skus)</td><td>\(String(format: "%.1f%%", 100 * r.target))</td><td>\(String(format: "%.1f%%", 100 * r.cycleServiceLevel))</td>"
      h += "<td>\(String(format: "%+.1f", 100 * (r.cycleServiceLevel - r.target)))</td><td>\(r.promisedCycleService.map { String(format: "%.1f%% (Δ %+.1f)", 100 * $0, 100 * (r.cycleServiceLevel - $0)) } ?? "–")</td><td>\(String(format: "%.1f%%", 100 * r.fillRate))</td><td>\(String(format: "%.1f%%", 100 * r.inStockRate))</td>"
      h += "<td>\(r.cycles)</td><td>\(r.pooledErrorSKUs)</td><td>\(r.failedOnRamp) of \(r.cyclesWithStockOut)</td><td>\(r.failedOnNewPeak) of \(r.cyclesWithStockOut)</td></tr>"
    }
    h += "</table></div><p class='muted'>From the policy backtest \(SVGChart.escape(s.source)): policies computed only from the history before each re-plan, real demand replayed. Cycle service: share of replenishment cycles (one order's arrival to the next) without unserved demand. In-stock: share of periods without. At whole-unit reorder points: the cycle service the policies' reorder points give under their own demand model — at or above the target, since no whole-unit reorder point of a slow mover gives the target exactly — and the achieved figure against it. Pooled errors: SKUs with too little history for their own forecast errors, whose spread comes from similar SKUs. What limits the figure: failed cycles on SKUs whose demand after the cut at least doubled against the 26 periods before it (a ramp the history never showed), or reached a period above every one before it (bulk orders, peaks).</p>"
    return h
  }

  func paretoChart() -> String {
    let cls = plan.classes
    guard !cls.isEmpty else { return "" }
    let n = Double(cls.count)
    var c = SVGChart(width: 520, height: 260, x: 0...1, y: 0...1)
    c.axes(xLabels: [(0, "0%"), (0.25, "25%"), (0.5, "50%"), (0.75, "75%"), (1, "100% of SKUs")], yTitle: "cumulative share of value", percentY: true)
    let step = max(1, cls.count / 400)
    var pts: [(Double, Double)] = [(0, 0)]
    for i in stride(from: 0, to: cls.count, by: step) { pts.append((Double(i + 1) / n, cls[i].cumulativeShare)) }
    pts.append((1, cls.last!.cumulativeShare))
    c.line(pts, cssClass: "pareto")
    let a = Double(cls.filter { $0.abc == .A }.count) / n, b = Double(cls.filter { $0.abc != .C }.count) / n
    c.vline(a, cssClass: "rop", label: String(format: "A: %.0f%% of SKUs", 100 * a))
    c.vline(b, cssClass: "ss", label: String(format: "A+B: %.0f%%", 100 * b))
    return c.svg(title: "ABC Pareto curve")
  }

  func matrixTable() -> String {
    var h = "<table class='matrix'><tr><th>ABC \\ XYZ</th><th>X (steady)</th><th>Y</th><th>Z (erratic)</th></tr>"
    for abc in ABCClass.ranked {
      h += "<tr><th>\(abc.rawValue)</th>"
      for xyz in XYZClass.allCases {
        let members = plan.classes.filter { $0.abc == abc && $0.xyz == xyz }
        let value = members.reduce(0) { $0 + $1.value }
        // The configured level of the cell (what a SKU classified there would get).
        let level = plan.settings.classifier.serviceLevel(ClassCell(abc, xyz))
        h += "<td>\(members.count) SKUs<br><span class='muted'>\(money(value)) · SL \(String(format: "%.0f%%", 100 * level))</span></td>"
      }
      h += "</tr>"
    }
    return h + "</table>"
  }

  func scenarioSection(_ comparison: ScenarioComparison) -> String {
    let s = (name: comparison.spec.name, baseline: comparison.baselineFigures, scenario: comparison.scenarioFigures)
    let classes = ABCClass.allCases.filter { s.baseline[$0] != nil }
    var h = "<div class='grid2'>"
    for (title, metric, percent) in [("fill rate", { (f: ScenarioProjection.ClassFigures) in f.fillRate }, true), ("PO spend", { $0.spend }, false)] {
      let values = classes.flatMap { [metric(s.baseline[$0]!), metric(s.scenario[$0] ?? s.baseline[$0]!)] }
      var c = SVGChart(width: 520, height: 240, x: 0...Double(classes.count), y: 0...max(percent ? 1 : 1, (values.max() ?? 1) * 1.15))
      c.axes(xLabels: classes.enumerated().map { (Double($0.offset) + 0.5, "class \($0.element.rawValue)") }, yTitle: title, percentY: percent)
      for (i, cls) in classes.enumerated() {
        let b = metric(s.baseline[cls]!), x = metric(s.scenario[cls] ?? s.baseline[cls]!)
        c.bar(x0: Double(i) + 0.12, x1: Double(i) + 0.48, y: b, cssClass: "base", label: percent ? String(format: "%.1f%%", 100 * b) : money(b))
        c.bar(x0: Double(i) + 0.52, x1: Double(i) + 0.88, y: x, cssClass: "scen", label: percent ? String(format: "%.1f%%", 100 * x) : money(x))
      }
      c.legend([("base", "baseline"), ("scen", s.name)])
      h += "<div><h3>\(title)</h3>\(c.svg(title: title))</div>"
    }
    h += "</div><table><tr><th>class</th><th>run</th><th>PO spend</th><th>avg inventory value</th><th>fill rate</th><th>stock-out units</th></tr>"
    for cls in classes.map(Optional.some) + [nil] {
      for (run, figures) in [("baseline", s.baseline), (s.name, s.scenario)] {
        guard let f = figures[cls] else { continue }
        h += "<tr><td>\(cls?.rawValue ?? "all")</td><td>\(SVGChart.escape(run))</td><td>\(money(f.spend))</td><td>\(money(f.inventoryValue))</td><td>\(String(format: "%.1f%%", 100 * f.fillRate))</td><td>\(String(format: "%.0f", f.stockOutUnits))</td></tr>"
      }
    }
    return h + "</table>"
  }
}
