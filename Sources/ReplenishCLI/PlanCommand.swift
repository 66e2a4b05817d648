import ArgumentParser
import Forecasting
import Foundation
import Ledger
import Planning
import Policy
import SalesHistory
import TimeSeries

/// Flags shared by `plan` and `scenario`; each overrides the config file.
struct PlanOptions: ParsableArguments {
  @Option(help: "Plan config (TOML); see the README for its sections.") var config: String?
  @Option(help: "Sales history CSV.") var history: String?
  @Option(help: "Bucket demand by day, week or month.") var freq: Frequency?
  @Option(help: "Column mapping, e.g. sku=StockCode,date=InvoiceDate,qty=Quantity,price=UnitPrice.") var columns: String?
  @Option(help: "Item master CSV.") var items: String?
  @Option(help: "Supplier master CSV.") var suppliers: String?
  @Option(help: "Ledger database (positions: on hand, committed, inbound …).") var db: String?
  @Option(help: "Stock snapshot CSV instead of a ledger: sku, location, on_hand or available, committed, incoming … (Shopify's inventory export reads as it is).")
  var stock: String?
  @Option(help: "Forecast models (auto or a list; see `replenish models`).") var models: String?
  @Option(parsing: .unconditional, help: "Open-to-buy budget for this run's PO lines.") var budget: Double?
  @Option(name: .customLong("as-of"), help: "Planning date (default: the history's last day).") var asOf: String?
  @Option(name: .customLong("dead-stock-days"), help: "Overstock without a sale for this many days is dead stock (default 180).") var deadStockDays: Int?
  @Option(help: "Reports folder.") var out: String?
  @Option(help: "Per-SKU results of the latest policy backtest (`replenish simulate --out`): the report shows promised vs achieved service.")
  var backtest: String?
  @Option(name: .customLong("service-feedback"), help: "Gain κ of the feedback from the realised service (see --feedback-from): SKUs sharing a target are planned at a target moved by κ times their shortfall or excess so far, on the log-odds scale, by at most one logit unit (0 = none; groups with fewer than 20 complete cycles keep theirs).")
  var serviceFeedback: Double?
  @Option(name: .customLong("feedback-from"), help: "Where the feedback's realised service comes from: backtest (the --backtest file's replayed cycles) or ledger (the ledger's own replenishment cycles that began in the 365 days before the plan date). Default: backtest when one is given, else ledger.")
  var feedbackFrom: FeedbackSource?
  @Option(help: "Worker threads (default: all cores).") var threads: Int?

  func resolved() throws -> PlanConfig {
    var c = try config.map { try PlanConfig.load($0) } ?? PlanConfig()
    if let history { c.history = history }
    if let freq { c.freq = freq.rawValue }
    if let columns { c.columns = columns }
    if let items { c.items = items }
    if let suppliers { c.suppliers = suppliers }
    if db != nil && stock != nil { throw ValidationError("--db and --stock: positions come from a ledger or a stock snapshot, not both") }
    if let db { c.db = db; c.stock = nil }
    if let stock { c.stock = stock; c.db = nil }
    if let models { c.models = models }
    if let budget {
      guard budget >= 0, budget.isFinite else { throw ValidationError("--budget must be a finite amount ≥ 0") }
      c.budget = budget
    }
    if let asOf { c.asOf = asOf }
    if let deadStockDays {
      guard (1...3650).contains(deadStockDays) else { throw ValidationError("--dead-stock-days must be between 1 and 3650") }
      c.deadStockDays = deadStockDays
    }
    if let out { c.out = out }
    if let backtest { c.backtest = backtest }
    if let serviceFeedback {
      guard (0...4).contains(serviceFeedback) else { throw ValidationError("--service-feedback \(serviceFeedback): expected a gain between 0 and 4") }
      c.serviceFeedback = serviceFeedback
    }
    if let feedbackFrom { c.feedbackFrom = feedbackFrom }
    if let threads { c.threads = threads }
    guard c.history != nil else { throw ValidationError("a sales history is required: --history FILE or [history] file in --config") }
    return c
  }
}

/// Reads the files a plan needs into `PlanInputs`; shared by `plan` and `scenario`.
struct PlanSetup {
  let config: PlanConfig
  let inputs: PlanInputs
  let sources: [String]

  init(_ c: PlanConfig) throws {
    config = c
    let mapping: ColumnMapping
    do { mapping = try c.columns.map { try ColumnMapping(parsing: $0) } ?? ColumnMapping() } catch { throw ValidationError("columns: \(error)") }
    var options = SalesHistoryOptions(columns: mapping)
    if let freq = c.freq {
      guard let frequency = Frequency(rawValue: freq) else { throw ValidationError("freq \"\(freq)\": expected day, week or month") }
      options.frequency = frequency
    } else {
      options.inferFrequency = true
    }
    let history = try SalesHistoryReader.read(file: c.history!, options: options)
    reportInferredFrequency(history, file: c.history!)
    var panel = history.panel
    var notes: [String] = []
    if let corrections = c.corrections {
      let (corrected, applied) = try DemandCorrections.apply(file: corrections, to: panel)
      panel = corrected
      for a in applied { print("correction: \(a.sku) \(a.period): \(a.recorded) → \(a.corrected) (\(a.reason))") }
      notes.append("\(applied.count) demand corrections")
    }
    var items = try readItems(c.items, suppliers: c.suppliers)
    let positions: StockPositions
    var knownLocations: Set<String>?
    var ledgerStore: LedgerStore?
    let stockSource: String
    if let stock = c.stock {
      positions = try StockSnapshot.read(path: stock)
      stockSource = "stock snapshot \(URL(fileURLWithPath: stock).lastPathComponent)"
    } else {
      let path = c.db ?? "replenish.sqlite"
      let ledger: LedgerStore
      do { ledger = try LedgerStore(path: path, readOnly: true) } catch let error as LedgerError where error.code == .notALedger {
        throw CLIError("\(error.message) — the plan needs stock positions: a ledger (--db, `replenish ledger init` and `import`) or a stock snapshot (--stock FILE.csv with sku, location, on_hand, committed, incoming)")
      }
      let snapshot = try StockSource.read(ledger)
      positions = snapshot.positions
      knownLocations = Set(try ledger.masterData().locations.map(\.0))
      let learned = items.learnLeadTimes(from: snapshot.receipts.map { ($0.sku, $0.leadTimeDays) })
      if !learned.isEmpty { notes.append("lead times of \(learned.count) SKUs learned from past receipts") }
      stockSource = "ledger \(URL(fileURLWithPath: path).lastPathComponent)"
      ledgerStore = ledger
    }
    let method: any ForecastingMethod
    switch ModelCatalog.methods(c.models) {
    case .success(let methods) where methods.count == 1: method = methods[0]
    case .success: throw ValidationError("models: the plan uses one model per SKU (\"auto\" selects per SKU); got \"\(c.models)\"")
    case .failure(let error): throw ValidationError("models: \(error)")
    }
    var settings = PlanSettings(method: method, seasonLength: c.seasonLength ?? panel.frequency.defaultSeasonLength,
                                threads: c.threads ?? ProcessInfo.processInfo.activeProcessorCount, horizon: c.horizon)
    settings.classifier = c.classifier
    settings.measure = c.by
    settings.windowDays = c.windowDays
    settings.budget = c.budget
    settings.deadStockDays = c.deadStockDays
    settings.borrowSeasonality = c.borrowSeasonality
    settings.replanDays = c.replanDays
    settings.serviceFeedback = c.serviceFeedback
    if let asOf = c.asOf { settings.asOfDay = try parseDay(asOf, flag: "as_of") }
    var inputs = PlanInputs(panel: panel, items: items, positions: positions, settings: settings, historyLastDay: history.report.lastDate?.dayNumber,
                            knownLocations: knownLocations)
    if c.serviceFeedback > 0 {
      switch c.feedbackFrom ?? (c.backtest != nil ? .backtest : .ledger) {
      case .backtest:
        guard let backtest = c.backtest else {
          throw ValidationError("service feedback \(c.serviceFeedback) from the backtest needs its file: --backtest FILE or [report] backtest (a `replenish simulate --out` file)")
        }
        inputs.realisedService = try ServiceAchieved.realisedCycles(path: backtest)
        notes.append("targets moved by feedback \(c.serviceFeedback) from \(URL(fileURLWithPath: backtest).lastPathComponent)")
      case .ledger:
        guard let ledgerStore else {
          throw ValidationError("service feedback \(c.serviceFeedback) from the ledger needs a ledger (--db or [ledger] db), not a stock snapshot; or give a backtest file (--backtest, --feedback-from backtest)")
        }
        let planDay = try c.asOf.map { try parseDay($0, flag: "as_of") } ?? history.report.lastDate?.dayNumber ?? Int(Date().timeIntervalSince1970 / 86_400)
        let realised = try StockSource.realisedService(ledgerStore, planDay: planDay)
        inputs.realisedService = realised.byKey
        notes.append("targets moved by feedback \(c.serviceFeedback) from the ledger's replenishment cycles (\(realised.cycles) in the year before the plan date at \(realised.byKey.count) SKU × locations, \(realised.ranOut) ran out)")
      }
    }
    self.inputs = inputs
    sources = [URL(fileURLWithPath: c.history!).lastPathComponent, c.items.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "no item master",
               stockSource] + notes
  }

  /// A progress callback drawing one bar per step on standard error.
  func progressBar() -> (bar: ProgressBar, callback: @Sendable (String, Int, Int) -> Void) {
    let bar = ProgressBar(total: inputs.panel.seriesCount, label: "forecast")
    return (bar, { _, done, _ in bar.update(done) })
  }
}

/// Writes every table and the HTML report into `folder` (each file atomically).
func writeReports(_ result: PlanResult, report: PlanReport, folder: String, extra: [(String, String)] = []) throws -> [String] {
  do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
    throw CLIError("\(folder): cannot create the reports folder (\(error.localizedDescription))", status: .cannotCreate)
  }
  let asOf = CivilDate(dayNumber: result.asOfDay).description
  let files: [(String, String)] = [
    ("po_suggestions.csv", PlanTables.purchaseLines(result.purchase)), ("po_suggestions.json", try PlanTables.json(result.purchase)),
    ("deferred.csv", PlanTables.deferred(result.purchase)), ("transfers.csv", PlanTables.transfers(result.purchase)),
    ("overstock.csv", PlanTables.overstock(result.purchase)), ("policies.csv", PlanTables.policies(result.policies, classes: result.classMap)),
    ("reorder_points.csv", PlanTables.reorderPoints(result)),
    ("classes.csv", PlanTables.classes(result.classes, asOf: asOf)), ("forecasts.csv", PlanTables.forecasts(result)), ("report.html", report.html()),
  ] + extra
  try writeAllOrNothing(files.map { (folder + "/" + $0.0, $0.1) })
  return files.map(\.0)
}

/// Peak resident memory of this process (VmHWM), in MiB.
public func peakMemoryMiB() -> Double {
  guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
    let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
    let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
  else { return .nan }
  return kb / 1024
}

struct PlanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "The planning job: forecast → classify → policy → PO suggestions from the ledger → reports.",
    discussion: """
      Writes into the reports folder: report.html (self-contained, charts inline), po_suggestions.csv and
      .json (one line per SKU × location to buy, with its derivation), deferred.csv (lines cut by the budget
      or held under a supplier minimum, with their risk), transfers.csv (transfer before buy), overstock.csv,
      policies.csv, reorder_points.csv (time-phased until the next plan), classes.csv and forecasts.csv. Inputs: --history, --items, --suppliers, --db, or a TOML
      --config for all of them (flags win).
      """)
  @OptionGroup var options: PlanOptions
  @OptionGroup var sharding: ShardOption

  @Option(name: .customLong("demands-out"), help: "With --shard: write the shard's demand here (JSON) instead of a plan.")
  var demandsOut: String?

  @Option(name: .customLong("demands"), parsing: .upToNextOption,
          help: "The N files of `--shard K/N --demands-out` (any order): plan from them instead of forecasting; the reports are the single-process plan's.")
  var demands: [String] = []

  func validate() throws {
    if (sharding.shard == nil) != (demandsOut == nil) { throw ValidationError("--shard and --demands-out go together: a shard writes its demand, not a plan") }
    if sharding.shard != nil && !demands.isEmpty { throw ValidationError("--shard computes one shard's demand; --demands merges the shards' files: one or the other") }
  }

  func run() throws {
    let start = Date()
    let config = try options.resolved()
    let setup = try PlanSetup(config)
    let (bar, progress) = setup.progressBar()
    if let shard = sharding.shard, let demandsOut {
      let file: DemandShard
      do { file = try PlanJob.demandShard(setup.inputs, shard: shard, progress: progress) } catch { throw InFile(file: config.history!, error: error) }
      bar.finish()
      try writeAllOrNothing([(demandsOut, String(decoding: try file.json(), as: UTF8.self))])
      print(String(format: "Demand of %d series (shard %@ of %d) in %.1f s, peak memory %.0f MiB. Wrote %@; merge the %d files with `replenish plan … --demands FILE…`.",
                   file.demands.count, shard.description, file.seriesCount, Date().timeIntervalSince(start), peakMemoryMiB(), demandsOut, shard.count))
      return
    }
    var merged: [SeriesDemand]?
    if !demands.isEmpty {
      var files: [(name: String, shard: DemandShard)] = []
      for path in demands {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("\(path): cannot read the demand shard file", status: .dataError) }
        files.append((path, try DemandShard.read(data, file: path)))
      }
      merged = try PlanJob.mergedDemands(files, inputs: setup.inputs)
    }
    let (result, files) = try Self.plan(setup, demands: merged, progress: progress)
    bar.finish()
    printSummary(result, folder: config.out, files: files, seconds: Date().timeIntervalSince(start))
  }

  /// Runs the plan and writes its reports into the configured folder (the command, and `serve`'s re-plan);
  /// `demands`: merged from shards instead of forecast here.
  static func plan(_ setup: PlanSetup, demands: [SeriesDemand]? = nil, progress: (@Sendable (String, Int, Int) -> Void)?) throws -> (PlanResult, [String]) {
    let config = setup.config
    let result: PlanResult
    do { result = try PlanJob.run(setup.inputs, demands: demands, progress: progress) } catch { throw InFile(file: config.history!, error: error) }
    var report = PlanReport(plan: result)
    if let backtest = config.backtest { report.serviceAchieved = try ServiceAchieved.read(path: backtest) }
    report.title = config.title
    report.topSKUs = config.top
    report.sources = setup.sources + result.notes
    return (result, try writeReports(result, report: report, folder: config.out))
  }
}

func printSummary(_ r: PlanResult, folder: String, files: [String], seconds: Double) {
  let summary = r.summary
  let classes = summary.classCounts.map { "\($0.abc.rawValue) \($0.skus)" }.joined(separator: " / ")
  for note in r.notes { print("note: \(note)") }
  print("""
    plan as of \(CivilDate(dayNumber: r.asOfDay)) — \(r.panel.seriesCount) series, \(r.panel.frequency.rawValue)ly
      classes      \(classes)
      forecasts    \(summary.fitted) fitted, \(summary.fallbacks) fell back (\(DemandEstimator.fallbackDescription)), \(summary.borrowedSeasons) on their category's season
      PO lines     \(summary.lines) in \(r.purchase.orders.count) purchase orders, \(String(format: "%.2f", r.purchase.spend))\(r.purchase.budget.map { String(format: " of budget %.2f", $0) } ?? "")
      deferred     \(r.purchase.deferred.count) lines (\(String(format: "%.2f", summary.deferredValue)))
      transfers    \(r.purchase.transfers.count) (\(Int(summary.transferUnits)) units before buying)
      overstock    \(r.purchase.overstock.count) lines, \(String(format: "%.2f", summary.overstockValue)) excess value
      time         \(String(format: "%.1f", seconds)) s (\(r.timings.map { "\($0.step) \(String(format: "%.1f", $0.seconds)) s" }.joined(separator: ", "))), peak memory \(String(format: "%.0f", peakMemoryMiB())) MiB
      wrote        \(folder)/{\(files.joined(separator: ","))}
    """)
}

struct ScenarioCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "scenario",
    abstract: "What-if: run the plan under a scenario and compare it with the baseline by Monte Carlo.",
    discussion: """
      The scenario file (TOML) scales demand by month, category or SKU, shifts supplier lead times, service
      levels, the budget and prices. Baseline and scenario policies are both computed from the same forecasts;
      each is simulated over the forecast horizon from the ledger's positions with seeded demand draws around
      its own demand path, and PO spend, inventory value, fill rate and stock-out units are reported per class
      (scenario.csv, and the scenario section of report.html).
      """)
  @OptionGroup var options: PlanOptions
  @Option(help: "Scenario file (TOML).") var scenario: String
  @Option(help: "Monte Carlo runs per SKU (default: the scenario file's, else 100).") var runs: Int?
  @Option(help: "Seed (default: the scenario file's, else 1).") var seed: UInt64?

  func run() throws {
    let start = Date()
    let config = try options.resolved()
    var scenarioConfig = try ScenarioConfig.load(scenario)
    if let runs { scenarioConfig.runs = runs }
    if let seed { scenarioConfig.seed = seed }
    let setup = try PlanSetup(config)
    let (bar, progress) = setup.progressBar()
    let spec = scenarioConfig.spec
    let comparison: ScenarioComparison
    do {
      comparison = try ScenarioComparison.run(setup.inputs, spec: spec, projection: ScenarioProjection(runs: scenarioConfig.runs, seed: scenarioConfig.seed),
                                              progress: progress)
    } catch { throw InFile(file: config.history!, error: error) }
    bar.finish()
    var report = PlanReport(plan: comparison.scenario)
    report.title = "\(config.title) — scenario \(spec.name)"
    report.topSKUs = config.top
    report.sources = setup.sources + comparison.scenario.notes + ["scenario \(URL(fileURLWithPath: scenario).lastPathComponent)", "\(scenarioConfig.runs) runs, seed \(scenarioConfig.seed)"]
    report.scenario = comparison
    let folder = config.out + "/scenario-" + spec.name.replacingOccurrences(of: "/", with: "-")
    let files = try writeReports(comparison.scenario, report: report, folder: folder, extra: [("scenario.csv", PlanTables.scenario(comparison))])
    printSummary(comparison.scenario, folder: folder, files: files, seconds: Date().timeIntervalSince(start))
    var rows = [["class", "run", "PO spend", "inventory value", "fill rate", "stock-out units"]]
    for cls in ABCClass.allCases.map(Optional.some) + [nil] {
      for (run, figures) in [("baseline", comparison.baselineFigures), (spec.name, comparison.scenarioFigures)] {
        guard let f = figures[cls] else { continue }
        rows.append([cls?.rawValue ?? "all", run, String(format: "%.0f", f.spend), String(format: "%.0f", f.inventoryValue), String(format: "%.1f%%", 100 * f.fillRate),
                     String(format: "%.0f", f.stockOutUnits)])
      }
    }
    print("\nMonte Carlo over \(setup.inputs.settings.horizon) \(setup.inputs.panel.frequency.rawValue)s, \(scenarioConfig.runs) runs per SKU, seed \(scenarioConfig.seed):")
    print(alignedTable(rows))
  }
}

/// Where a plan's feedback reads the realised service.
enum FeedbackSource: String, ExpressibleByArgument, CaseIterable {
  /// The replayed cycles of the latest `replenish simulate --out` file.
  case backtest
  /// The ledger's own replenishment cycles (`LedgerStore.realisedCycles`).
  case ledger
}
