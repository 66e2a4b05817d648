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
  @Option(help: "Forecast models (auto or a list; see `replenish models`).") var models: String?
  @Option(help: "Open-to-buy budget for this run's PO lines.") var budget: Double?
  @Option(name: .customLong("as-of"), help: "Planning date (default: the history's last day).") var asOf: String?
  @Option(help: "Reports folder.") var out: String?
  @Option(help: "Worker threads (default: all cores).") var threads: Int?

  func resolved() throws -> PlanConfig {
    var c = try config.map { try PlanConfig.load($0) } ?? PlanConfig()
    if let history { c.history = history }
    if let freq { c.freq = freq.rawValue }
    if let columns { c.columns = columns }
    if let items { c.items = items }
    if let suppliers { c.suppliers = suppliers }
    if let db { c.db = db }
    if let models { c.models = models }
    if let budget {
      guard budget >= 0, budget.isFinite else { throw ValidationError("--budget must be a finite amount ≥ 0") }
      c.budget = budget
    }
    if let asOf { c.asOf = asOf }
    if let out { c.out = out }
    if let threads { c.threads = threads }
    guard c.history != nil else { throw ValidationError("a sales history is required: --history FILE or [history] file in --config") }
    return c
  }
}

/// Reads the inputs a plan needs and runs it; shared by `plan` and `scenario`.
struct PlanInputs {
  let config: PlanConfig
  let panel: Panel
  let items: ItemMaster
  let positions: [String: StockPosition]
  let settings: PlanSettings
  let sources: [String]

  init(_ c: PlanConfig) throws {
    config = c
    let options = try HistoryOptions.parse(["--history", c.history!, "--freq", c.freq] + (c.columns.map { ["--columns", $0] } ?? []))
    let history = try readHistory(options)
    var panel = history.panel
    var notes: [String] = []
    if let corrections = c.corrections {
      do {
        let (corrected, applied) = try DemandCorrections.apply(file: corrections, to: panel)
        panel = corrected
        for a in applied {
          print("correction: \(a.sku) \(a.period): \(a.recorded) → \(a.corrected) (\(a.reason))")
        }
        notes.append("\(applied.count) demand corrections")
      } catch {
        printError(error.description)
        throw dataErrorExitCode
      }
    }
    self.panel = panel
    var items = try readItems(c.items, suppliers: c.suppliers)
    let ledger: LedgerStore
    do { ledger = try LedgerStore(path: c.db) } catch let error as LedgerError {
      printError("\(error.message) — the plan needs stock positions (run `replenish ledger init` and `replenish ledger import`)")
      throw dataErrorExitCode
    }
    positions = try PlanJob.positions(from: ledger)
    let learned = items.learnLeadTimes(from: try ledger.receivedPurchaseOrders().map { ($0.sku, $0.leadTimeDays) })
    if !learned.isEmpty { notes.append("lead times of \(learned.count) SKUs learned from past receipts") }
    self.items = items
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
    if let asOf = c.asOf { settings.asOfDay = try parseDay(asOf, flag: "as_of") }
    self.settings = settings
    sources = [URL(fileURLWithPath: c.history!).lastPathComponent, c.items.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "no item master",
               "ledger \(URL(fileURLWithPath: c.db).lastPathComponent)"] + notes
  }

  func run(settings: PlanSettings? = nil, demands: [SeriesDemand]? = nil, adjust: (@Sendable (SeriesDemand, Item) -> (SeriesDemand, Item))? = nil) throws -> PlanResult {
    let progress = ProgressBar(total: panel.seriesCount, label: "forecast")
    defer { progress.finish() }
    do {
      return try PlanJob.run(panel: panel, items: items, positions: positions, settings: settings ?? self.settings, demands: demands, adjust: adjust) { _, done, _ in
        progress.update(done)
      }
    } catch {
      printError("\(config.history!): \(error)")
      throw dataErrorExitCode
    }
  }
}

/// Writes every table and the HTML report into `folder` (each file atomically).
func writeReports(_ result: PlanResult, report: PlanReport, folder: String, extra: [(String, String)] = []) throws -> [String] {
  do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
    printError("\(folder): cannot create the reports folder (\(error.localizedDescription))")
    throw ExitCode(73)
  }
  let asOf = CivilDate(dayNumber: result.asOfDay).description
  let files: [(String, String)] = [
    ("po_suggestions.csv", PlanTables.purchaseLines(result.purchase)), ("po_suggestions.json", try PlanTables.json(result.purchase)),
    ("deferred.csv", PlanTables.deferred(result.purchase)), ("transfers.csv", PlanTables.transfers(result.purchase)),
    ("overstock.csv", PlanTables.overstock(result.purchase)), ("policies.csv", PlanTables.policies(result.policies, classes: result.classMap)),
    ("classes.csv", PlanTables.classes(result.classes, asOf: asOf)), ("forecasts.csv", PlanTables.forecasts(result)), ("report.html", report.html()),
  ] + extra
  for (name, text) in files {
    do { try writeAtomically(text, to: folder + "/" + name) } catch {
      printError("\(error)")
      throw ExitCode(73)
    }
  }
  return files.map(\.0)
}

/// Peak resident memory of this process (VmHWM), in MiB.
func peakMemoryMiB() -> Double {
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
      policies.csv, classes.csv and forecasts.csv. Inputs: --history, --items, --suppliers, --db, or a TOML
      --config for all of them (flags win).
      """)
  @OptionGroup var options: PlanOptions

  func run() throws {
    let start = Date()
    let config = try options.resolved()
    let inputs = try PlanInputs(config)
    let result = try inputs.run()
    var report = PlanReport(plan: result)
    report.title = config.title
    report.topSKUs = config.top
    report.sources = inputs.sources
    let files = try writeReports(result, report: report, folder: config.out)
    printSummary(result, folder: config.out, files: files, seconds: Date().timeIntervalSince(start))
  }
}

func printSummary(_ r: PlanResult, folder: String, files: [String], seconds: Double) {
  let lines = r.purchase.orders.flatMap(\.lines)
  let fallbacks = r.demands.filter { $0.fallback != nil }.count
  let classes = "ABC".map { c in "\(c) \(r.classes.filter { $0.abc == c }.count)" }.joined(separator: " / ")
  print("""
    plan as of \(CivilDate(dayNumber: r.asOfDay)) — \(r.panel.seriesCount) series, \(r.panel.frequency.rawValue)ly
      classes      \(classes)
      forecasts    \(r.demands.count - fallbacks) fitted, \(fallbacks) too short (mean of last 13 periods)
      PO lines     \(lines.count) in \(r.purchase.orders.count) purchase orders, \(String(format: "%.2f", r.purchase.spend))\(r.purchase.budget.map { String(format: " of budget %.2f", $0) } ?? "")
      deferred     \(r.purchase.deferred.count) lines (\(String(format: "%.2f", r.purchase.deferred.reduce(0) { $0 + $1.lineValue })))
      transfers    \(r.purchase.transfers.count) (\(Int(r.purchase.transfers.reduce(0) { $0 + $1.quantity })) units before buying)
      overstock    \(r.purchase.overstock.count) lines, \(String(format: "%.2f", r.purchase.overstock.reduce(0) { $0 + $1.excessValue })) excess value
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
    let inputs = try PlanInputs(config)
    let baseline = try inputs.run()
    let spec = scenarioConfig.spec
    var settings = inputs.settings
    settings.serviceLevelShift = spec.serviceLevelShift
    if let budget = spec.budget { settings.budget = budget }
    let frequency = inputs.panel.frequency
    let first = inputs.panel.endPeriod
    let variant = try inputs.run(settings: settings, demands: baseline.demands) { demand, item in
      spec.adjust(demand, item: item, frequency: frequency, firstForecastPeriod: first)
    }
    let projection = ScenarioProjection(runs: scenarioConfig.runs, seed: scenarioConfig.seed)
    let threads = inputs.settings.threads
    let baseFigures = projection.project(baseline, threads: threads)
    let scenarioFigures = projection.project(variant, threads: threads)
    var report = PlanReport(plan: variant)
    report.title = "\(config.title) — scenario \(spec.name)"
    report.topSKUs = config.top
    report.sources = inputs.sources + ["scenario \(URL(fileURLWithPath: scenario).lastPathComponent)", "\(scenarioConfig.runs) runs, seed \(scenarioConfig.seed)"]
    report.scenario = (spec.name, baseFigures, scenarioFigures)
    let folder = config.out + "/scenario-" + spec.name.replacingOccurrences(of: "/", with: "-")
    let files = try writeReports(variant, report: report, folder: folder,
                                 extra: [("scenario.csv", PlanTables.scenario(baseline: baseFigures, scenario: scenarioFigures, name: spec.name))])
    printSummary(variant, folder: folder, files: files, seconds: Date().timeIntervalSince(start))
    var rows = [["class", "run", "PO spend", "inventory value", "fill rate", "stock-out units"]]
    for cls in ["A", "B", "C", "all"] {
      for (run, figures) in [("baseline", baseFigures), (spec.name, scenarioFigures)] {
        guard let f = figures[cls] else { continue }
        rows.append([cls, run, String(format: "%.0f", f.spend), String(format: "%.0f", f.inventoryValue), String(format: "%.1f%%", 100 * f.fillRate), String(format: "%.0f", f.stockOutUnits)])
      }
    }
    print("\nMonte Carlo over \(inputs.settings.horizon) \(frequency.rawValue)s, \(scenarioConfig.runs) runs per SKU, seed \(scenarioConfig.seed):")
    print(alignedTable(rows))
  }
}
