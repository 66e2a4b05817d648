import ArgumentParser
import CSV
import Forecasting
import Foundation
import Planning
import Policy
import SalesHistory
import TimeSeries

extension SafetyStockMethod: ExpressibleByArgument {}

/// `replenish simulate`: the policy backtest — compute policies from history up to a date, then replay the
/// real demand after it under those policies and measure service and inventory per class.
struct SimulateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "simulate",
    abstract: "Policy backtest: replay real demand after --train-until under the policies computed before it.",
    discussion: """
      Forecasts, ABC/XYZ classes and policies are computed from the history up to --train-until only; the
      demand after it is replayed period by period (backorders served first on arrival, lead times drawn from
      N(L, σ_L) with --seed). Reported per class: target and achieved cycle service level (share of
      replenishment cycles without a stock-out), fill rate (demand served from stock on arrival), average
      inventory (units and value at unit cost) and stock-out days. Same inputs and seed → same figures.
      """)

  @OptionGroup var input: HistoryOptions
  @OptionGroup var classes: ClassOptions
  @OptionGroup var modelOptions: ModelOptions
  @Option(help: "Item master CSV.") var items: String?
  @Option(help: "Supplier master CSV.") var suppliers: String?
  @Option(name: .customLong("train-until"), help: "Last day of the history the policies may see (yyyy-mm-dd).") var trainUntil: String
  @Option(name: .customLong("replay-until"), help: "Last day replayed (default: the end of the history).") var replayUntil: String?
  @Option(name: .customLong("service-level"), help: "Use this target for every SKU (default: item master, else class).") var serviceLevel: Double?
  @Option(help: "Seed for lead-time draws.") var seed: UInt64 = 1
  @Option(help: "Per-SKU results CSV.") var out: String?
  @Option(name: .customLong("replan-every"), help: "Re-forecast and recompute policies every N periods, as a buyer re-plans (0 = never; default: 28 days).")
  var replanEvery: Int?
  @Option(name: .customLong("safety-stock"), help: "Safety-stock rule for every SKU: auto, cycle-service, fill-rate, distribution, days-of-cover (default: item master, else auto).")
  var safetyStock: SafetyStockMethod?

  func validate() throws {
    if let serviceLevel, !(0.5...0.9999).contains(serviceLevel) { throw ValidationError("--service-level must be between 0.5 and 0.9999") }
  }

  func run() throws {
    let history = try readHistory(input)
    let panel = history.panel
    let cutoffDay = try parseDay(trainUntil, flag: "--train-until")
    let cutoffPeriod = panel.frequency.period(containing: cutoffDay + 1)
    guard cutoffPeriod > panel.startPeriod, cutoffPeriod < panel.endPeriod else {
      throw ValidationError("--train-until \(trainUntil) leaves no training or no test periods (history \(panel.frequency.label(ofPeriod: panel.startPeriod)) … \(CivilDate(dayNumber: lastDay(of: panel))))")
    }
    let replayEnd = try replayUntil.map { panel.frequency.period(containing: try parseDay($0, flag: "--replay-until")) + 1 } ?? panel.endPeriod
    guard replayEnd > cutoffPeriod else { throw ValidationError("--replay-until must be after --train-until") }
    let master = try readItems(items, suppliers: suppliers)
    let classified: [ClassifiedSKU]
    do { classified = try classes.classifier.classify(panel: panel, asOfDay: cutoffDay, windowDays: classes.windowDays, measure: classes.by, items: master).classes } catch {
      printError("\(input.history): \(error)")
      throw dataErrorExitCode
    }
    let classMap = Dictionary(uniqueKeysWithValues: classified.map { ($0.sku, $0) })
    let periodDays = panel.frequency.nominalDays
    let fixedLevel = serviceLevel
    let rule = safetyStock
    let itemsBySeries = (0..<panel.seriesCount).map { s -> Item in
      var item = master.item(sku: panel.keys[s].sku, location: panel.keys[s].location)
      if let rule { item.safetyStockMethod = rule }
      return item
    }
    let levels = itemsBySeries.map { item -> (Double, String) in
      if let fixedLevel { return (fixedLevel, "--service-level") }
      return Planning.serviceLevel(for: item, classes: classMap)
    }
    let methods = try modelOptions.methods()
    guard methods.count == 1 else { throw ValidationError("--models: simulate uses one model (auto selects per SKU)") }
    var estimator = DemandEstimator(method: methods[0], seasonLength: modelOptions.season(for: panel.frequency), threads: modelOptions.workerCount, horizon: 1)
    estimator.exposureQuantilesForAll = itemsBySeries.contains { $0.safetyStockMethod == .distribution }
    let every = replanEvery ?? max(1, Int((28 / periodDays).rounded()))
    let origins = every == 0 ? [cutoffPeriod] : Array(stride(from: cutoffPeriod, to: min(replayEnd, panel.endPeriod), by: every))
    var states: [PolicySimulation.State?] = Array(repeating: nil, count: panel.seriesCount)
    var firstPolicies: [PolicyResult?] = Array(repeating: nil, count: panel.seriesCount)
    for (n, origin) in origins.enumerated() {
      let progress = ProgressBar(total: panel.seriesCount, label: "plan \(n + 1)/\(origins.count)")
      let demands = estimator.estimate(panel: panel, endPeriod: origin, exposure: { s in
        let item = itemsBySeries[s]
        return (item.exposureDays / periodDays, levels[s].0)
      }, progress: { progress.update($0) })
      progress.finish()
      let until = n + 1 < origins.count ? origins[n + 1] : min(replayEnd, panel.endPeriod)
      for demand in demands {
        let s = demand.series
        let start = panel.startPeriods[s]
        guard start < cutoffPeriod else { continue }  // launched after training: no policy could be computed
        let policy = PolicyCalculator.compute(item: itemsBySeries[s], demand: demand.estimate, serviceLevel: levels[s].0, serviceLevelSource: levels[s].1)
        if states[s] == nil {
          states[s] = PolicySimulation.State(onHand: policy.orderUpTo.rounded(.up), seed: seed &+ UInt64(s))
          firstPolicies[s] = policy
        }
        let y = panel.history(of: s, censorStockOuts: true)
        let lo = max(0, origin - start), hi = min(y.count, until - start)
        guard lo < hi else { continue }
        PolicySimulation.advance(&states[s]!, policy: policy, item: itemsBySeries[s], demand: y[lo..<hi])
      }
    }

    struct Totals { var target = 0.0; var skus = 0; var cycles = 0; var cyclesOut = 0; var demand = 0.0; var served = 0.0; var onHand = 0.0; var value = 0.0; var outPeriods = 0 }
    var byClass: [String: Totals] = [:]
    var csv = "sku,location,class,service_level,safety_stock_method,reorder_point,order_up_to,test_periods,demand,fill_rate,cycles,cycle_service_level,stockout_periods,avg_on_hand,orders\n"
    for s in 0..<panel.seriesCount {
      guard var state = states[s], let policy = firstPolicies[s] else { continue }
      let item = itemsBySeries[s]
      let key = panel.keys[s]
      let r = state.finish()
      let cell = classMap[key.sku].map { String($0.abc) } ?? "new"
      var t = byClass[cell, default: Totals()]
      t.target += policy.serviceLevel
      t.skus += 1
      t.cycles += r.cycles
      t.cyclesOut += r.cyclesWithStockOut
      t.demand += r.demand
      t.served += r.servedFromStock
      t.onHand += r.averageOnHand
      t.value += r.averageOnHand * (item.unitCost ?? 0)
      t.outPeriods += r.stockOutPeriods
      byClass[cell] = t
      csv += [csvField(key.sku), csvField(key.location ?? ""), classMap[key.sku]?.cell ?? "", csvNumber(policy.serviceLevel),
              policy.safetyStockMethod.rawValue, String(format: "%.2f", policy.reorderPoint), String(format: "%.2f", policy.orderUpTo), "\(r.periods)",
              csvNumber(r.demand), String(format: "%.4f", r.fillRate), "\(r.cycles)", String(format: "%.4f", r.cycleServiceLevel), "\(r.stockOutPeriods)",
              String(format: "%.2f", r.averageOnHand), "\(r.orders)"].joined(separator: ",") + "\n"
    }
    if let out { try writeAtomically(csv, to: out) }
    let testPeriods = min(replayEnd, panel.endPeriod) - cutoffPeriod
    print("policy backtest: trained to \(trainUntil), replayed \(testPeriods) \(panel.frequency.rawValue)s, re-planned \(origins.count) times (every \(every)), seed \(seed)")
    var rows = [["class", "SKUs", "target CSL", "achieved CSL", "fill rate", "cycles", "avg on hand", "avg value", "stock-out days"]]
    for cell in ["A", "B", "C", "new"] {
      guard let t = byClass[cell] else { continue }
      rows.append([cell, "\(t.skus)", String(format: "%.1f%%", 100 * t.target / Double(t.skus)),
                   String(format: "%.1f%%", t.cycles > 0 ? 100 * (1 - Double(t.cyclesOut) / Double(t.cycles)) : 100),
                   String(format: "%.1f%%", t.demand > 0 ? 100 * t.served / t.demand : 100), "\(t.cycles)", String(format: "%.0f", t.onHand),
                   String(format: "%.0f", t.value), String(format: "%.0f", Double(t.outPeriods) * periodDays)])
    }
    print(alignedTable(rows))
  }
}
