import Forecasting
import Foundation
import Policy
import CSV
import TimeSeries

/// The policy backtest: policies computed from the history up to a date, then the real demand after it
/// replayed under them, re-planning every few periods as a buyer would, and service and inventory
/// measured per SKU and per class.
///
/// ```
/// classes: ABC/XYZ as of the training cut (SKUs launched later: class new, no policy, not replayed)
/// origins: the training cut, then every `replanEvery` periods until the replay end
/// at each origin: forecast from the history before it (`DemandEstimator`), policies from the planned
///   items (`PlannedItem.resolve`, the same resolution as the plan), then `PolicySimulation.advance`
///   over the periods to the next origin; stock, backorders and orders in the pipeline carry over
/// start: on hand = the first policy's order-up-to level
/// ```
/// Same inputs and seed → the same figures.
public struct PolicyBacktest: Sendable {
  public var settings: PlanSettings
  /// Last day the policies may see.
  public var trainUntilDay: Int
  /// Last day replayed (default: the end of the history).
  public var replayUntilDay: Int?
  /// Re-plan every N periods (0 = never; default: `defaultReplanEvery`, a week's worth).
  public var replanEvery: Int?

  /// A buyer re-plans at each weekly review: every 7 days' worth of periods (weekly data 1, daily 7,
  /// monthly 1). Measured on the demo's Online Retail configuration (trained to 2011-06-30): re-planning
  /// every 4 weeks instead left cycle service at 71.8 / 50.9 / 47.1 % for A / B / C against 81.1 / 67.3 /
  /// 62.5 % weekly — the policies lagged the autumn ramp by up to a month.
  public static func defaultReplanEvery(periodDays: Double) -> Int { max(1, Int((7 / periodDays).rounded())) }
  /// One target for every SKU instead of the item master's or the class's.
  public var fixedServiceLevel: Double?
  /// One safety-stock rule for every SKU.
  public var safetyStockMethod: SafetyStockMethod?
  /// Seed of the lead-time draws.
  public var seed: UInt64 = 1
  /// Gain κ of the feedback from realised service (0 = none). At each re-plan after the first, the SKUs
  /// that share a target τ are planned at τ' instead, from the cycle service `a` their completed cycles
  /// achieved so far (pooled, once they number `feedbackMinimumCycles`), on the log-odds scale:
  ///
  ///     logit τ' = logit τ + clamp(κ · (logit τ − logit a), −1, 1),   a kept within [1/(2c), 1 − 1/(2c)]
  ///     for c cycles, τ' within [0.5, 0.9999]
  ///
  /// The move is at most one logit unit (`feedbackMaximumMove`: 0.95 stays within 0.875–0.981), because
  /// near 1 the log-odds of the achieved service run away: a group with no failed cycle in 90,000 (a
  /// well-stocked ledger) would otherwise be planned at 0.5 after one plan, and one that achieved 60 %
  /// against 0.95 at 0.995.
  ///
  /// — a proportional correction of persistent shortfall or excess, after Hult, Zachariah & Stoica (2024),
  /// who correct the service target online from the realised service of each period.
  public var serviceFeedback = 0.0
  public var feedbackMinimumCycles = PolicyBacktest.defaultFeedbackMinimumCycles
  public static let defaultFeedbackMinimumCycles = 20
  /// The largest move of a target by feedback, in log-odds.
  public static let feedbackMaximumMove = 1.0
  /// Each period between two plans replayed under its own reorder point (`SeriesDemand.estimate(offset:…)`:
  /// the forecast of the exposure window starting that period), as the plan publishes them; off: the
  /// first window's policy held until the next plan.
  public var timePhased = true

  public init(settings: PlanSettings, trainUntilDay: Int) {
    self.settings = settings
    self.trainUntilDay = trainUntilDay
  }

  public enum Problem: Error, CustomStringConvertible {
    case noTrainingOrTestPeriods(String)
    case replayBeforeTraining
    case classification(ClassificationInputs.Problem)
    public var description: String {
      switch self {
      case .noTrainingOrTestPeriods(let m): m
      case .replayBeforeTraining: "the replay must end after the training cut"
      case .classification(let p): p.description
      }
    }
  }

  /// One replayed series.
  public struct SKUResult: Sendable {
    public var key: StockKey
    public var abc: ABCClass
    public var cell: ClassCell?
    /// The policy of the first plan (later re-plans move it).
    public var firstPolicy: PolicyResult
    /// Every plan's policy with the first replayed period it governed (0 = the training cut).
    public var policies: [(fromPeriod: Int, policy: PolicyResult)]
    public var unitCost: Double?
    public var result: PolicySimulation.Result
    /// Demand per period in the replay ÷ in the 26 periods before the cut (what a forecast had to go on).
    public var demandRatio: Double
    /// Whether some replayed period's demand exceeded every period before the cut (a bulk order, a peak).
    public var newPeak: Bool

    /// The cycle service the SKU's whole-unit reorder points promised (`PolicyResult.promisedCycleService`),
    /// averaged over the replayed periods by the policy in force; nil when a policy has no promise.
    public var promisedCycleService: Double? {
      var sum = 0.0, weight = 0.0
      for (i, entry) in policies.enumerated() {
        guard let promise = entry.policy.promisedCycleService else { return nil }
        let until = i + 1 < policies.count ? policies[i + 1].fromPeriod : result.periods
        let w = Double(max(0, until - entry.fromPeriod))
        sum += promise * w
        weight += w
      }
      return weight > 0 ? sum / weight : firstPolicy.promisedCycleService
    }
  }

  public struct Report: Sendable {
    public var skus: [SKUResult]
    public var origins: [Int]
    public var replanEvery: Int
    public var testPeriods: Int
    public var periodDays: Double
    /// Replayed series that borrowed their category's season at the first plan (`CategorySeasonality`).
    public var borrowedSeasons = 0
  }

  public func run(panel: Panel, items master: ItemMaster, progress: (@Sendable (String, Int, Int) -> Void)? = nil) throws(Problem) -> Report {
    let cutoffPeriod = panel.frequency.period(containing: trainUntilDay + 1)
    guard cutoffPeriod > panel.startPeriod, cutoffPeriod < panel.endPeriod else {
      let last = CivilDate(dayNumber: panel.frequency.firstDay(ofPeriod: panel.endPeriod) - 1)
      throw .noTrainingOrTestPeriods(
        "training until \(CivilDate(dayNumber: trainUntilDay)) leaves no training or no test periods (history \(panel.frequency.label(ofPeriod: panel.startPeriod)) … \(last))")
    }
    let replayEnd = min(panel.endPeriod, replayUntilDay.map { panel.frequency.period(containing: $0) + 1 } ?? panel.endPeriod)
    guard replayEnd > cutoffPeriod else { throw .replayBeforeTraining }
    let classified: [ClassifiedSKU]
    do {
      classified = try settings.classifier.classify(panel: panel, asOfDay: trainUntilDay, windowDays: settings.windowDays, measure: settings.measure,
                                                    items: master).classes
    } catch { throw .classification(error) }
    let classMap = Dictionary(uniqueKeysWithValues: classified.map { ($0.sku, $0) })
    let periodDays = panel.frequency.nominalDays
    let planned = PlannedItem.resolve(panel: panel, master: master, classes: classMap, fixedServiceLevel: fixedServiceLevel,
                                      safetyStockMethod: safetyStockMethod)
    let every = replanEvery ?? Self.defaultReplanEvery(periodDays: periodDays)
    let phases = timePhased ? max(1, every) : 1
    // Forecasts long enough for the last phase's exposure window.
    let longestExposure = planned.map { Int($0.exposurePeriods(periodDays: periodDays).rounded(.up)) }.max() ?? 1
    var estimator = DemandEstimator(method: settings.method, seasonLength: settings.seasonLength, threads: settings.threads,
                                    horizon: phases > 1 ? phases - 1 + max(1, longestExposure) : 1)
    estimator.exposureQuantilesForAll = planned.contains { $0.item.safetyStockMethod == .distribution }
    estimator.categories = settings.borrowingCategories(planned)
    let origins = every == 0 ? [cutoffPeriod] : Array(stride(from: cutoffPeriod, to: replayEnd, by: every))
    var states: [PolicySimulation.State?] = Array(repeating: nil, count: panel.seriesCount)
    var firstPolicies: [PolicyResult?] = Array(repeating: nil, count: panel.seriesCount)
    var policies: [[(fromPeriod: Int, policy: PolicyResult)]] = Array(repeating: [], count: panel.seriesCount)
    var borrowedSeasons = 0
    for (n, origin) in origins.enumerated() {
      let label = "plan \(n + 1)/\(origins.count)"
      let current = serviceFeedback > 0 && n > 0 ? Self.withFeedback(planned, states: states, gain: serviceFeedback, minimumCycles: feedbackMinimumCycles) : planned
      let exposure = current.map { ($0.exposurePeriods(periodDays: periodDays), $0.serviceLevel) }
      let demands = estimator.estimate(panel: panel, endPeriod: origin, exposure: { exposure[$0] }, progress: { progress?(label, $0, panel.seriesCount) })
      let until = n + 1 < origins.count ? origins[n + 1] : replayEnd
      for demand in demands {
        let s = demand.series
        let start = panel.startPeriods[s]
        guard start < cutoffPeriod else { continue }  // launched after training: no policy could be computed
        if n == 0 && demand.borrowedSeason != nil { borrowedSeasons += 1 }
        let schedule = PolicyCalculator.phased(current[s], demand: demand, periodDays: periodDays, phases: phases)
        let policy = schedule[0]
        if states[s] == nil {
          states[s] = PolicySimulation.State(onHand: policy.orderUpTo.rounded(.up), seed: seed &+ UInt64(s))
          firstPolicies[s] = policy
        }
        let y = panel.history(of: s, censorStockOuts: true)
        let lo = max(0, origin - start), hi = min(y.count, until - start)
        guard lo < hi else { continue }
        if phases == 1 {
          policies[s].append((origin - cutoffPeriod, policy))
          PolicySimulation.advance(&states[s]!, policy: policy, item: planned[s].item, demand: y[lo..<hi])
          continue
        }
        // A window is at most `every` = `phases` periods long: period k follows the schedule's k − lo.
        for k in lo..<hi {
          policies[s].append((origin + k - lo - cutoffPeriod, schedule[k - lo]))
          PolicySimulation.advance(&states[s]!, policy: schedule[k - lo], item: planned[s].item, demand: y[k..<(k + 1)])
        }
      }
    }

    var skus: [SKUResult] = []
    for s in 0..<panel.seriesCount {
      guard var state = states[s], let policy = firstPolicies[s] else { continue }
      let r = state.finish()
      let p = planned[s]
      let y = panel.history(of: s, censorStockOuts: false)
      let cut = max(0, min(y.count, cutoffPeriod - panel.startPeriods[s])), end = max(cut, min(y.count, replayEnd - panel.startPeriods[s]))
      let before = y[max(0, cut - 26)..<cut], after = y[cut..<end]
      let meanBefore = before.isEmpty ? 0 : before.reduce(0, +) / Double(before.count)
      let meanAfter = after.isEmpty ? 0 : after.reduce(0, +) / Double(after.count)
      skus.append(SKUResult(key: p.key, abc: p.abc, cell: classMap[p.key.sku]?.cell, firstPolicy: policy, policies: policies[s], unitCost: p.item.unitCost,
                            result: r, demandRatio: meanBefore > 0 ? meanAfter / meanBefore : (meanAfter > 0 ? .infinity : 1),
                            newPeak: (after.max() ?? 0) > (y[0..<cut].max() ?? 0)))
    }
    return Report(skus: skus, origins: origins, replanEvery: every, testPeriods: replayEnd - cutoffPeriod, periodDays: periodDays,
                  borrowedSeasons: borrowedSeasons)
  }

  /// The planned items with each target moved by the feedback from the cycles completed so far (see
  /// `serviceFeedback`); a group with fewer than `minimumCycles` keeps its target.
  static func withFeedback(_ planned: [PlannedItem], states: [PolicySimulation.State?], gain: Double, minimumCycles: Int) -> [PlannedItem] {
    withFeedback(planned, realised: { p in states[p.series].map { ($0.result.cycles, $0.result.cyclesWithStockOut) } }, gain: gain,
                 minimumCycles: minimumCycles)
  }

  /// The same from each planned item's realised cycles (complete, and those that stocked out), wherever
  /// they come from: the replay so far, or the latest backtest's file (`replenish plan`'s feedback).
  public static func withFeedback(_ planned: [PlannedItem], realised: (PlannedItem) -> (cycles: Int, failed: Int)?, gain: Double,
                                  minimumCycles: Int) -> [PlannedItem] {
    func group(_ level: Double) -> Int { Int((level * 10_000).rounded()) }
    var cycles: [Int: (all: Int, failed: Int)] = [:]
    for p in planned {
      guard let r = realised(p) else { continue }
      cycles[group(p.serviceLevel), default: (0, 0)].all += r.cycles
      cycles[group(p.serviceLevel), default: (0, 0)].failed += r.failed
    }
    func logit(_ p: Double) -> Double { log(p / (1 - p)) }
    return planned.map { p in
      guard let c = cycles[group(p.serviceLevel)], c.all >= minimumCycles else { return p }
      let edge = 1 / (2 * Double(c.all))
      let achieved = min(1 - edge, max(edge, 1 - Double(c.failed) / Double(c.all)))
      let move = gain * (logit(p.serviceLevel) - logit(achieved))
      let z = logit(p.serviceLevel) + min(feedbackMaximumMove, max(-feedbackMaximumMove, move))
      var moved = p
      moved.serviceLevel = min(0.9999, max(0.5, 1 / (1 + exp(-z))))
      moved.serviceLevelSource += String(format: ", %.4f after feedback (%.1f%% achieved in %d cycles)", moved.serviceLevel, 100 * achieved, c.all)
      return moved
    }
  }
}

extension PlanTables {
  static let policyBacktestHeader = [
    "sku", "location", "class", "service_level", "safety_stock_method", "quantile_method", "reorder_point", "order_up_to", "test_periods", "demand",
    "served_from_stock", "fill_rate", "cycles", "cycles_with_stockout", "cycle_service_level", "stockout_periods", "in_stock_rate", "avg_on_hand", "unit_cost", "orders", "demand_ratio", "new_peak",
    "promised_cycle_service",
  ]

  /// One row per replayed SKU: the first policy, what the replay achieved.
  public static func policyBacktest(_ report: PolicyBacktest.Report) -> String {
    var out = policyBacktestHeader.joined(separator: ",") + "\n"
    for s in report.skus {
      let p = s.firstPolicy, r = s.result
      out += [csvField(s.key.sku), csvField(s.key.location), s.cell?.description ?? s.abc.rawValue, "\(p.serviceLevel)", p.safetyStockMethod.rawValue,
              csvField(p.quantileMethod), n(p.reorderPoint), n(p.orderUpTo), "\(r.periods)", "\(r.demand)", "\(r.servedFromStock)", n(r.fillRate, 4), "\(r.cycles)",
              "\(r.cyclesWithStockOut)", n(r.cycleServiceLevel, 4), "\(r.stockOutPeriods)", n(r.inStockRate, 4), n(r.averageOnHand), s.unitCost.map { "\($0)" } ?? "", "\(r.orders)",
              s.demandRatio.isFinite ? n(s.demandRatio, 3) : "inf", s.newPeak ? "1" : "0", s.promisedCycleService.map { n($0, 4) } ?? ""]
        .joined(separator: ",") + "\n"
    }
    return out
  }
}

/// Promised vs achieved service per ABC class, from a policy backtest (`PolicyBacktest.Report`, or the
/// per-SKU file `replenish simulate --out` wrote): the mean target, cycle service (share of replenishment
/// cycles — one arrival to the next — without unserved demand), fill rate, per-period in-stock rate, and
/// what limits the figure: SKUs whose errors had to be pooled from similar SKUs for lack of history, and
/// the failed cycles on SKUs whose demand at least doubled after the cut or exceeded every period before it.
public struct ServiceAchieved: Sendable {
  public struct ClassRow: Sendable {
    public var abc: ABCClass
    public var skus = 0
    public var targetSum = 0.0
    public var cycles = 0
    public var cyclesWithStockOut = 0
    public var demand = 0.0
    public var served = 0.0
    public var periods = 0
    public var stockOutPeriods = 0
    /// SKUs whose error spread came from similar SKUs (too little history of their own).
    public var pooledErrorSKUs = 0
    /// Failed cycles on SKUs whose demand at least doubled after the cut (a ramp no history showed).
    public var failedOnRamp = 0
    /// Failed cycles on SKUs with a replayed period above every period before the cut (bulk orders, peaks).
    public var failedOnNewPeak = 0
    /// Σ over SKUs of average units on hand, and of that at unit cost (SKUs without a cost count 0).
    public var onHand = 0.0
    public var value = 0.0
    /// Σ cycles × the SKU's promised cycle service, and Σ cycles, over the SKUs with a promise.
    public var promisedCycles = 0.0
    public var cyclesWithPromise = 0
    public var target: Double { skus > 0 ? targetSum / Double(skus) : 0 }
    /// The cycle service the whole-unit reorder points promised, pooled over cycles as the achieved figure
    /// is; nil when no SKU with complete cycles had a promise (methods other than calibrated).
    public var promisedCycleService: Double? { cyclesWithPromise > 0 ? promisedCycles / Double(cyclesWithPromise) : nil }
    public var cycleServiceLevel: Double { cycles > 0 ? 1 - Double(cyclesWithStockOut) / Double(cycles) : 1 }
    public var fillRate: Double { demand > 0 ? served / demand : 1 }
    public var inStockRate: Double { periods > 0 ? 1 - Double(stockOutPeriods) / Double(periods) : 1 }
  }

  private var byClass: [ABCClass: ClassRow] = [:]
  /// Where the figures come from (the backtest file, or the run).
  public var source: String

  /// One row per class present, A, B, C, new.
  public var rows: [ClassRow] { ABCClass.allCases.compactMap { byClass[$0] } }

  mutating func add(abc: ABCClass, target: Double, cycles: Int, failed: Int, demand: Double, served: Double, periods: Int, short: Int, pooled: Bool,
                    ramp: Bool, newPeak: Bool, onHand: Double, unitCost: Double?, promised: Double?) {
    var row = byClass[abc] ?? ClassRow(abc: abc)
    row.skus += 1
    row.targetSum += target
    row.cycles += cycles
    row.cyclesWithStockOut += failed
    row.demand += demand
    row.served += served
    row.periods += periods
    row.stockOutPeriods += short
    if pooled { row.pooledErrorSKUs += 1 }
    if ramp { row.failedOnRamp += failed }
    if newPeak { row.failedOnNewPeak += failed }
    row.onHand += onHand
    row.value += onHand * (unitCost ?? 0)
    if let promised {
      row.promisedCycles += promised * Double(cycles)
      row.cyclesWithPromise += cycles
    }
    byClass[abc] = row
  }

  static func isPooled(_ quantileMethod: String) -> Bool { quantileMethod.contains("pooled") }

  public init(report: PolicyBacktest.Report, source: String) {
    self.source = source
    for s in report.skus {
      let r = s.result
      add(abc: s.abc, target: s.firstPolicy.serviceLevel, cycles: r.cycles, failed: r.cyclesWithStockOut, demand: r.demand, served: r.servedFromStock,
          periods: r.periods, short: r.stockOutPeriods, pooled: Self.isPooled(s.firstPolicy.quantileMethod), ramp: s.demandRatio >= 2, newPeak: s.newPeak,
          onHand: r.averageOnHand, unitCost: s.unitCost, promised: s.promisedCycleService)
    }
  }

  /// Reads the per-SKU file of `replenish simulate --out`.
  public static func read(path: String) throws(CSVError) -> ServiceAchieved {
    let table = try CSVTable.read(path: path, required: ["class", "service_level", "cycles", "cycles_with_stockout", "demand", "served_from_stock",
                                                        "test_periods", "stockout_periods", "quantile_method", "demand_ratio", "new_peak", "avg_on_hand", "unit_cost"])
    var summary = ServiceAchieved(source: path)
    for row in table.rows {
      let ratio = row.text("demand_ratio") == "inf" ? Double.infinity : try row.number("demand_ratio", range: 0...1e15) ?? 0
      let cell = row.text("class") ?? ""
      guard let abc = ABCClass(rawValue: String(cell.prefix(cell == "new" ? 3 : 1))) else {
        throw row.error("class", value: cell, problem: "unknown class", expected: "a class cell such as AX, BZ, or new")
      }
      summary.add(abc: abc, target: try row.number("service_level", range: 0...1) ?? 0, cycles: try row.integer("cycles", minimum: 0) ?? 0,
                  failed: try row.integer("cycles_with_stockout", minimum: 0) ?? 0, demand: try row.number("demand", range: 0...1e15) ?? 0,
                  served: try row.number("served_from_stock", range: 0...1e15) ?? 0, periods: try row.integer("test_periods", minimum: 0) ?? 0,
                  short: try row.integer("stockout_periods", minimum: 0) ?? 0, pooled: isPooled(row.text("quantile_method") ?? ""),
                  ramp: ratio >= 2, newPeak: row.text("new_peak") == "1", onHand: try row.number("avg_on_hand", range: 0...1e15) ?? 0,
                  unitCost: try row.number("unit_cost", range: 0...1e13), promised: try row.number("promised_cycle_service", range: 0...1))
    }
    return summary
  }

  private init(source: String) { self.source = source }

  /// One SKU × location of a policy backtest: the service level promised and what the replay achieved.
  public struct SKURow: Sendable {
    public var location: String
    public var target: Double
    public var testPeriods: Int
    public var cycles: Int
    public var cyclesWithStockOut: Int
    public var cycleServiceLevel: Double
    public var fillRate: Double
    public var inStockRate: Double
    public var demand: Double
    public var quantileMethod: String
    /// What the whole-unit reorder points promised (nil in files written before the column existed).
    public var promisedCycleService: Double? = nil
  }

  /// Complete cycles and those with a stock-out per SKU × location of a backtest file (`replenish simulate
  /// --out`): what a plan's feedback from realised service reads (`PlanInputs.realisedService`).
  public static func realisedCycles(path: String) throws(CSVError) -> [StockKey: (cycles: Int, failed: Int)] {
    var out: [StockKey: (cycles: Int, failed: Int)] = [:]
    for (sku, rows) in try rowsBySKU(path: path) {
      for row in rows { out[StockKey(sku: sku, location: row.location)] = (row.cycles, row.cyclesWithStockOut) }
    }
    return out
  }

  /// Every row of a backtest file (`replenish simulate --out`), by SKU.
  public static func rowsBySKU(path: String) throws(CSVError) -> [String: [SKURow]] {
    let table = try CSVTable.read(path: path, required: ["sku", "location", "service_level", "test_periods", "cycles", "cycles_with_stockout",
                                                        "cycle_service_level", "fill_rate", "in_stock_rate", "demand", "quantile_method"])
    var out: [String: [SKURow]] = [:]
    for row in table.rows {
      out[row.text("sku") ?? "", default: []].append(SKURow(
        location: row.text("location") ?? "", target: try row.number("service_level", range: 0...1) ?? 0, testPeriods: try row.integer("test_periods", minimum: 0) ?? 0,
        cycles: try row.integer("cycles", minimum: 0) ?? 0, cyclesWithStockOut: try row.integer("cycles_with_stockout", minimum: 0) ?? 0,
        cycleServiceLevel: try row.number("cycle_service_level", range: 0...1) ?? 0, fillRate: try row.number("fill_rate", range: 0...1) ?? 0,
        inStockRate: try row.number("in_stock_rate", range: 0...1) ?? 0, demand: try row.number("demand", range: 0...1e15) ?? 0,
        quantileMethod: row.text("quantile_method") ?? "", promisedCycleService: try row.number("promised_cycle_service", range: 0...1)))
    }
    return out
  }
}
