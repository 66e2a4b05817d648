import Forecasting
import Foundation
import Planning
import Policy
import Statistics
import SyntheticData
import TimeSeries

/// Promised vs achieved service on the known-truth panel (`KnownDemandPanel`): the policy backtest as
/// `replenish simulate` runs it (policies from the history before each re-plan, real demand replayed),
/// pooled cycle service per target and per process × target, fill rate and in-stock rate, and average
/// on hand next to the oracle's — the (s, S) policy computed each week from the true distributions with
/// the same order quantity, replayed on the same demand.
/// `launchedPerCell` adds SKUs launched 30 weeks before the cut (`KnownDemandPanel.Process.launched`),
/// whose season only their category shows; `borrowSeasonality` off plans them without it.
func serviceBenchmark(perCell: Int, models: String, trainWeeks: Int, replanEvery: Int, leadDays: Double, safetyStock: SafetyStockMethod?, threads: Int, feedback: Double,
                      launchedPerCell: Int, borrowSeasonality: Bool, timePhased: Bool, write: String?) {
  let truth = KnownDemandPanel(perCell: perCell, launchedPerCell: launchedPerCell, launchWeek: max(0, trainWeeks - 30))
  let panel = truth.panel()
  if let write {
    // The panel as a sales-history file (sku,date,qty), e.g. for statsforecast.
    var out = "sku,date,qty\n"
    for (i, sku) in truth.skus.enumerated() {
      for (t, q) in truth.demand(of: i).enumerated() where t >= sku.firstWeek {
        out += "\(sku.name),\(CivilDate(dayNumber: panel.frequency.firstDay(ofPeriod: panel.startPeriod + t))),\(Int(q))\n"
      }
    }
    do { try out.write(toFile: write, atomically: true, encoding: .utf8) } catch { fail("cannot write \(write): \(error)") }
  }
  guard let method = ModelCatalog.method(models, horizon: 4) else { fail("unknown model \(models)") }
  var settings = PlanSettings(method: method, seasonLength: 52, threads: threads, horizon: 1)
  settings.windowDays = 364
  settings.borrowSeasonality = borrowSeasonality
  let items = truth.skus.map { sku -> Item in
    var item = Item(sku: sku.name)
    item.category = sku.category
    item.serviceLevel = sku.target
    item.leadTimeDays = leadDays
    item.leadTimeSource = "item"
    return item
  }
  let trainUntil = panel.frequency.firstDay(ofPeriod: panel.startPeriod + trainWeeks) - 1
  var backtest = PolicyBacktest(settings: settings, trainUntilDay: trainUntil)
  backtest.replanEvery = replanEvery
  backtest.safetyStockMethod = safetyStock
  backtest.serviceFeedback = feedback
  backtest.timePhased = timePhased
  let t0 = now()
  let report: PolicyBacktest.Report
  do { report = try backtest.run(panel: panel, items: ItemMaster(items: items)) } catch { fail("backtest: \(error)") }
  let seconds = now() - t0
  print("known-truth panel: \(truth.skus.count) SKUs (\(perCell) per process × target), \(truth.weeks) weeks, trained on \(trainWeeks), replayed \(report.testPeriods) with a re-plan every \(report.replanEvery); lead time \(Int(leadDays)) days, weekly review, model \(models), safety stock \(safetyStock?.rawValue ?? "item default (auto)"), seasons borrowed from categories \(borrowSeasonality ? "on" : "off"), time-phased reorder points \(timePhased ? "on" : "off"); \(String(format: "%.1f", seconds)) s")
  print("cycle service = share of replenishment cycles (one arrival to the next) without unserved demand; in-stock = share of weeks without; whole units = the cycle service the whole-unit reorder points promise under their own demand model, pooled over cycles")

  // The oracle: each week, the policy from the true distributions of the coming weeks.
  let index = Dictionary(uniqueKeysWithValues: truth.skus.enumerated().map { ($1.name, $0) })
  struct Cell { var cycles = 0, failed = 0, demand = 0.0, served = 0.0, weeks = 0, shortWeeks = 0, onHand = 0.0, oracleOnHand = 0.0, oracleCycles = 0, oracleFailed = 0, skus = 0, promisedCycles = 0.0, cyclesWithPromise = 0 }
  var cells: [String: Cell] = [:]
  for sku in report.skus {
    guard let i = index[sku.key.sku] else { continue }
    let truthSKU = truth.skus[i]
    let y = truth.demand(of: i)
    let item = items[i]
    var state: PolicySimulation.State?
    for t in trainWeeks..<truth.weeks {
      var exposureMean = 0.0, squares: [Double] = [], sums: [Double] = []
      // The weeks of lead time + the weekly review, as the plan's exposure (⌈E⌉ periods).
      let horizon = Int(((leadDays + 7) / 7).rounded(.up))
      for h in 1...horizon {
        let (m, v) = truthSKU.moments(week: t + h - 1)
        exposureMean += m
        squares.append((squares.last ?? 0) + v)
        sums.append((sums.last ?? 0) + m)
      }
      let estimate = DemandEstimate(sku: item.sku, periodDays: 7, meanPerPeriod: exposureMean / Double(horizon), sigmaPerPeriod: 0, sigmaSource: "truth",
                                    errorProfile: ForecastErrorProfile(meanSquares: squares, forecastSums: sums, origins: 0, source: "the true distribution"))
      var oracleItem = item
      oracleItem.safetyStockMethod = .calibrated
      let policy = PolicyCalculator.compute(item: oracleItem, demand: estimate, serviceLevel: truthSKU.target, serviceLevelSource: "truth")
      if state == nil { state = PolicySimulation.State(onHand: policy.orderUpTo.rounded(.up), seed: 1) }
      PolicySimulation.advance(&state!, policy: policy, item: item, demand: [y[t]])
    }
    guard var finished = state else { continue }
    let oracle = finished.finish()
    let r = sku.result
    for key in ["\(truthSKU.target)", "\(truthSKU.process.rawValue) \(truthSKU.target)"] {
      var c = cells[key, default: Cell()]
      c.skus += 1
      c.cycles += r.cycles
      c.failed += r.cyclesWithStockOut
      c.demand += r.demand
      c.served += r.servedFromStock
      c.weeks += r.periods
      c.shortWeeks += r.stockOutPeriods
      c.onHand += r.averageOnHand
      c.oracleOnHand += oracle.averageOnHand
      c.oracleCycles += oracle.cycles
      c.oracleFailed += oracle.cyclesWithStockOut
      if let promise = sku.promisedCycleService {
        c.promisedCycles += promise * Double(r.cycles)
        c.cyclesWithPromise += r.cycles
      }
      cells[key] = c
    }
  }
  func row(_ name: String, _ c: Cell, target: Double) -> [String] {
    let csl = 1 - Double(c.failed) / Double(max(1, c.cycles))
    let oracleCSL = 1 - Double(c.oracleFailed) / Double(max(1, c.oracleCycles))
    return [name, "\(c.skus)", String(format: "%.1f%%", 100 * target), String(format: "%.1f%%", 100 * csl), String(format: "%+.1f", 100 * (csl - target)),
            "\(c.cycles)", String(format: "%.1f%%", 100 * c.served / max(1, c.demand)), String(format: "%.1f%%", 100 - 100 * Double(c.shortWeeks) / Double(max(1, c.weeks))),
            String(format: "%.1f", c.onHand / Double(c.skus)), String(format: "%.1f", c.oracleOnHand / Double(c.skus)),
            String(format: "%+.0f%%", 100 * (c.onHand / max(1e-9, c.oracleOnHand) - 1)), String(format: "%.1f%%", 100 * oracleCSL),
            c.cyclesWithPromise > 0 ? String(format: "%.1f%%", 100 * c.promisedCycles / Double(c.cyclesWithPromise)) : "–"]
  }
  let header = ["", "SKUs", "target", "achieved CSL", "Δ points", "cycles", "fill rate", "in-stock", "avg on hand", "oracle on hand", "vs oracle", "oracle CSL", "whole units"]
  var rows = [header]
  for target in KnownDemandPanel.targets { if let c = cells["\(target)"] { rows.append(row("pooled", c, target: target)) } }
  for process in KnownDemandPanel.Process.allCases {
    for target in KnownDemandPanel.targets { if let c = cells["\(process.rawValue) \(target)"] { rows.append(row(process.rawValue, c, target: target)) } }
  }
  // Which models the first plan used, per process (what the forecast contributes to the gap).
  var models: [String: [String: Int]] = [:]
  for sku in report.skus {
    guard let i = index[sku.key.sku] else { continue }
    let source = sku.firstPolicy.sigmaSource
    let model = source.firstIndex(of: "(").map { String(source[source.index(after: $0)...].dropLast()) } ?? source
    models[truth.skus[i].process.rawValue, default: [:]][model.components(separatedBy: "(").first ?? model, default: 0] += 1
  }
  for process in KnownDemandPanel.Process.allCases {
    let counts = (models[process.rawValue] ?? [:]).sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    print("  \(process.rawValue): \(counts)")
  }
  for line in rows {
    print(line.enumerated().map { i, f in i == 0 ? f.padding(toLength: 13, withPad: " ", startingAt: 0) : String(repeating: " ", count: max(0, 13 - f.count)) + f }.joined())
  }
}
