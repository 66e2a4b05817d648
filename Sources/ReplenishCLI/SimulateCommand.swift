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
      Forecasts, ABC/XYZ classes and policies are computed from the history up to --train-until only, and
      again at every re-plan with the data then known; the demand after it is replayed in days (an order
      placed at a period's end arrives L days later, inside a period if need be; backorders served first;
      lead times drawn from N(L, σ_L) with --seed). Reported per class: target and achieved cycle service
      (share of complete replenishment cycles — one arrival to the next — without unserved demand), fill
      rate, in-stock rate (share of periods without a stock-out), average inventory, and what limits the
      figure. Same inputs and seed → same figures.
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
  @Option(name: .customLong("replan-every"), help: "Re-forecast and recompute policies every N periods, as a buyer re-plans (0 = never; default: every 7 days' worth, the weekly review).")
  var replanEvery: Int?
  @Option(name: .customLong("safety-stock"), help: "Safety-stock rule for every SKU: auto, cycle-service, fill-rate, distribution, days-of-cover (default: item master, else auto).")
  var safetyStock: SafetyStockMethod?
  @Option(name: .customLong("service-feedback"), help: "Gain of the feedback from realised service: at each re-plan, SKUs sharing a target are planned at a target moved by the gain times their shortfall or excess so far, on the log-odds scale, by at most one logit unit (0 = none).")
  var serviceFeedback = 0.0
  @Option(name: .customLong("borrow-seasonality"), help: "on: SKUs with less than two seasons of history, and longer ones whose own season correlates with it (r ≥ 0.5), are forecast on their item-master category's season when it has one; off: on their own history only.")
  var borrowSeasonality: Toggle = .on
  @Option(name: .customLong("time-phased"), help: "on: each period between two plans is replayed under its own reorder point (the forecast of the exposure window starting then), as `plan` writes them to reorder_points.csv; off: the plan's first policy held until the next plan.")
  var timePhased: Toggle = .on

  func validate() throws {
    if let serviceLevel, !(0.5...0.9999).contains(serviceLevel) { throw ValidationError("--service-level must be between 0.5 and 0.9999") }
    if !(0...4).contains(serviceFeedback) { throw ValidationError("--service-feedback \(serviceFeedback): expected a gain between 0 and 4") }
  }

  func run() throws {
    let history = try readHistory(input)
    let panel = history.panel
    let methods = try modelOptions.methods()
    guard methods.count == 1 else { throw ValidationError("--models: simulate uses one model (auto selects per SKU)") }
    var settings = PlanSettings(method: methods[0], seasonLength: modelOptions.season(for: panel.frequency), threads: modelOptions.workerCount, horizon: 1)
    settings.classifier = classes.classifier
    settings.measure = classes.by
    settings.windowDays = classes.windowDays
    settings.borrowSeasonality = borrowSeasonality == .on
    var backtest = PolicyBacktest(settings: settings, trainUntilDay: try parseDay(trainUntil, flag: "--train-until"))
    backtest.replayUntilDay = try replayUntil.map { try parseDay($0, flag: "--replay-until") }
    backtest.replanEvery = replanEvery
    backtest.fixedServiceLevel = serviceLevel
    backtest.safetyStockMethod = safetyStock
    backtest.seed = seed
    backtest.serviceFeedback = serviceFeedback
    backtest.timePhased = timePhased == .on
    let master = try readItems(items, suppliers: suppliers)
    let bar = ProgressBar(total: panel.seriesCount, label: "plan")
    let report: PolicyBacktest.Report
    do { report = try backtest.run(panel: panel, items: master) { _, done, _ in bar.update(done) } } catch {
      throw InFile(file: input.history, error: error)
    }
    bar.finish()
    if let out { try writeAtomically(PlanTables.policyBacktest(report), to: out) }
    print("policy backtest: trained to \(trainUntil), replayed \(report.testPeriods) \(panel.frequency.rawValue)s, re-planned \(report.origins.count) times (every \(report.replanEvery)), seed \(seed); \(report.borrowedSeasons) SKUs forecast on their category's season at the first plan (--borrow-seasonality \(borrowSeasonality.rawValue)), time-phased reorder points \(timePhased.rawValue)")
    let achieved = ServiceAchieved(report: report, source: "this run")
    var rows = [["class", "SKUs", "target CSL", "achieved CSL", "Δ points", "promised (whole units)", "Δ promised", "fill rate", "in-stock", "cycles", "avg on hand", "avg value", "pooled errors",
                 "failed: ramp ≥2×", "failed: new peak"]]
    for row in achieved.rows {
      rows.append([row.abc.rawValue, "\(row.skus)", String(format: "%.1f%%", 100 * row.target), String(format: "%.1f%%", 100 * row.cycleServiceLevel),
                   String(format: "%+.1f", 100 * (row.cycleServiceLevel - row.target)),
                   row.promisedCycleService.map { String(format: "%.1f%%", 100 * $0) } ?? "–",
                   row.promisedCycleService.map { String(format: "%+.1f", 100 * (row.cycleServiceLevel - $0)) } ?? "–", String(format: "%.1f%%", 100 * row.fillRate),
                   String(format: "%.1f%%", 100 * row.inStockRate), "\(row.cycles)", String(format: "%.0f", row.onHand), String(format: "%.0f", row.value),
                   "\(row.pooledErrorSKUs) SKUs", "\(row.failedOnRamp) of \(row.cyclesWithStockOut)", "\(row.failedOnNewPeak) of \(row.cyclesWithStockOut)"])
    }
    print(alignedTable(rows))
    print("cycle service: share of replenishment cycles (one order's arrival to the next) without unserved demand; promised: what the whole-unit reorder points give under their own demand model (at or above the target: no whole-unit reorder point of a slow mover gives exactly 0.90); in-stock: share of \(panel.frequency.rawValue)s without; pooled errors: SKUs with too little history for their own forecast errors (their spread comes from similar SKUs); failed cycles on SKUs whose demand after the cut was at least twice that of the 26 periods before it (ramp), or had a period above every period before it (new peak)")
  }
}

/// An on/off option value.
enum Toggle: String, ExpressibleByArgument, CaseIterable { case on, off }
