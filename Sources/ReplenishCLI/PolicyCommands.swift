import ArgumentParser
import CSV
import Forecasting
import Foundation
import Planning
import Policy
import SalesHistory
import Statistics
import TimeSeries

extension ABCMeasure: ExpressibleByArgument {}

/// Cut-offs shared by `classify` and the planning commands.
struct ClassOptions: ParsableArguments {
  @Option(name: .long, help: "ABC by revenue, margin (needs --items unit_cost) or units.") var by: ABCMeasure = .revenue
  @Option(name: .customLong("a-cutoff"), help: "Cumulative value share that ends class A.") var aCutoff = 0.80
  @Option(name: .customLong("b-cutoff"), help: "Cumulative value share that ends class B.") var bCutoff = 0.95
  @Option(name: .customLong("x-cutoff"), help: "Largest coefficient of variation of class X.") var xCutoff = 0.5
  @Option(name: .customLong("y-cutoff"), help: "Largest coefficient of variation of class Y.") var yCutoff = 1.0
  @Option(name: .customLong("window-days"), help: "Classification window ending at --as-of.") var windowDays = 365

  func validate() throws {
    guard 0 < aCutoff, aCutoff < bCutoff, bCutoff <= 1 else { throw ValidationError("cut-offs must satisfy 0 < a (\(aCutoff)) < b (\(bCutoff)) ≤ 1") }
    guard 0 < xCutoff, xCutoff < yCutoff else { throw ValidationError("cut-offs must satisfy 0 < x (\(xCutoff)) < y (\(yCutoff))") }
    guard windowDays >= 1 else { throw ValidationError("--window-days must be at least 1") }
  }

  var classifier: Classifier {
    var c = Classifier()
    c.aCutoff = aCutoff
    c.bCutoff = bCutoff
    c.xCutoff = xCutoff
    c.yCutoff = yCutoff
    return c
  }
}

/// The last day covered by a panel.
func lastDay(of panel: Panel) -> Int { panel.frequency.firstDay(ofPeriod: panel.endPeriod) - 1 }

func parseDay(_ text: String, flag: String) throws -> Int {
  guard let date = CivilDate(iso: text) else {
    throw ValidationError("\(flag) \"\(text)\": expected a calendar date yyyy-mm-dd")
  }
  return date.dayNumber
}

func readItems(_ items: String?, suppliers: String?) throws -> ItemMaster {
  guard let items else { return ItemMaster() }
  return try ItemMaster.read(items: items, suppliers: suppliers)
}

/// `replenish classify`: ABC/XYZ as of a date, with the transition from a previous run.
struct ClassifyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "classify",
    abstract: "ABC/XYZ classification as of a date, with transitions from the previous month's classes.",
    discussion: """
      ABC: SKUs by value over the window, descending; A while the cumulative share of positive value ≤ --a-cutoff,
      B while ≤ --b-cutoff, C after (SKUs with value ≤ 0 are C). XYZ: coefficient of variation of per-period
      demand (X ≤ --x-cutoff < Y ≤ --y-cutoff < Z; no demand is Z). Each ABC×XYZ cell has a default service
      level that policies use unless the item master overrides it. Output columns: as_of, sku, abc, xyz, class,
      value, share, cumulative_share, rank, units, mean_demand, cv, service_level — the format --previous reads.
      """)

  @OptionGroup var input: HistoryOptions
  @OptionGroup var classes: ClassOptions
  @Option(name: .customLong("as-of"), help: "Classify as of this date (default: the history's last day).") var asOf: String?
  @Option(help: "Item master (for margin).") var items: String?
  @Option(help: "Previous classes CSV (from an earlier classify run).") var previous: String?
  @Option(help: "Output classes CSV (default: abc-<as-of>.csv).") var out: String?
  @Option(help: "Write the transition matrix (from × to: SKUs and value) here.") var transitions: String?
  @Option(help: "Write the SKUs that changed class, with the reason, here.") var moves: String?
  @Option(help: "XYZ by the CV of demand, or of forecast error (one-step in-sample RMSE of --xyz-model ÷ mean demand; SKUs whose model cannot be fitted keep the demand CV).")
  var xyz: XYZBasis = .demand
  @Option(name: .customLong("xyz-model"), help: "With --xyz forecast-error: the model whose errors count.") var xyzModel = "ets"
  @Option(help: "Worker threads for --xyz forecast-error (default: all cores).") var threads: Int?

  enum XYZBasis: String, ExpressibleByArgument { case demand, forecastError = "forecast-error" }

  func run() throws {
    let history = try readHistory(input)
    let panel = history.panel
    let asOfDay = try asOf.map { try parseDay($0, flag: "--as-of") } ?? lastDay(of: panel)
    let label = CivilDate(dayNumber: asOfDay).description
    let master = try readItems(items, suppliers: nil)
    let inputs: [ClassificationInput]
    do { inputs = try ClassificationInputs.build(panel: panel, asOfDay: asOfDay, windowDays: classes.windowDays, measure: classes.by, items: master) } catch {
      throw InFile(file: input.history, error: error)
    }
    var selected = inputs
    if xyz == .forecastError {
      guard let method = ModelCatalog.method(xyzModel) else { throw ValidationError("--xyz-model: unknown model \(xyzModel) (see `replenish models`)") }
      selected = ClassificationInputs.withForecastErrorCV(inputs, method: method, seasonLength: panel.frequency.defaultSeasonLength,
                                                          threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
    }
    let result = classes.classifier.classify(selected)
    let path = out ?? "abc-\(label).csv"
    try writeAtomically(PlanTables.classes(result, asOf: label), to: path)
    print("classes as of \(label) (\(classes.windowDays)-day window, by \(classes.by.rawValue)) → \(path)")
    let rows = [["class", "SKUs", "value", "share", "X", "Y", "Z"]]
      + ClassSummaryRow.rows(result).map { r in
        [r.abc.rawValue, "\(r.skus)", String(format: "%.0f", r.value), String(format: "%.1f%%", 100 * r.share)] + XYZClass.allCases.map { "\(r.xyz[$0] ?? 0)" }
      }
    print(alignedTable(rows))
    if let previous {
      let t = ClassTransition(previous: try PreviousClass.read(path: previous), current: result)
      let labels = PlanTables.transitionClasses
      let table = [["from \\ to"] + labels.map(PlanTables.transitionLabel)]
        + labels.map { from in [PlanTables.transitionLabel(from)] + labels.map { "\(t.counts[from]?[$0]?.skus ?? 0)" } }
      print("\ntransitions from \(previous) (\"-\" = not classified: new or no sales):")
      print(alignedTable(table))
      print("\(t.moves.count) SKUs changed class")
      if let transitions { try writeAtomically(PlanTables.transitions(t), to: transitions) }
      if let moves { try writeAtomically(PlanTables.moves(t), to: moves) }
    }
  }
}

/// `replenish policy`: safety stock, reorder point and order quantities from a forecast file.
struct PolicyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "policy",
    abstract: "Safety stock, reorder point, order-up-to level and order quantity per SKU from forecasts.",
    discussion: """
      --forecasts is the CSV `replenish forecast` writes (sku[,location],date,method,model,mean,lo-80,hi-80,…).
      Per SKU: d = mean forecast over the exposure (lead time + review period), σ per period from the 80 %
      interval of the first step ((hi-80 − mean)/1.2816). Items come from --items (sku required; see the README
      for defaults) and --suppliers; service levels from the item master, else from --classes (ABC×XYZ cell),
      else 0.95. SKUs in the forecasts but not in the item master get default item settings.
      """)

  @Option(help: "Forecast CSV from `replenish forecast`.") var forecasts: String
  @Option(help: "Item master CSV.") var items: String?
  @Option(help: "Supplier master CSV.") var suppliers: String?
  @Option(help: "Classes CSV from `replenish classify` (service level per ABC×XYZ cell).") var classes: String?
  @Option(help: "Forecast method to use when the file holds several (default: the first per SKU).") var method: String?
  @Option(name: .customLong("period-days"), help: "Days per forecast period (7 for weekly, 30.44 monthly, 1 daily).") var periodDays = 7.0
  @Option(help: "Output CSV.") var out: String

  func validate() throws {
    guard periodDays > 0, periodDays.isFinite else { throw ValidationError("--period-days must be a positive number of days, got \(periodDays)") }
  }

  func run() throws {
    let master = try readItems(items, suppliers: suppliers)
    let classMap = try classes.map { try PreviousClass.classMap(path: $0, classifier: Classifier()) } ?? [:]
    let (policies, warnings) = try ForecastFile.read(path: forecasts, method: method).policies(items: master, classes: classMap, periodDays: periodDays)
    for warning in warnings { printError(warning) }
    try writeAtomically(PlanTables.policies(policies, classes: classMap), to: out)
    print("\(policies.count) policies → \(out)")
  }
}
