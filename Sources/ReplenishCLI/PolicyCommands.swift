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
  do { return try ItemMaster.read(items: items, suppliers: suppliers) } catch {
    printError(error.description)
    throw dataErrorExitCode
  }
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
      printError("\(input.history): \(error)")
      throw dataErrorExitCode
    }
    var selected = inputs
    if xyz == .forecastError {
      guard let method = ModelCatalog.method(xyzModel) else { throw ValidationError("--xyz-model: unknown model \(xyzModel) (see `replenish models`)") }
      let m = panel.frequency.defaultSeasonLength
      let snapshot = selected
      let cvs = parallelMap(count: snapshot.count, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount) { i -> Double? in
        let y = snapshot[i].periodDemand
        let observed = y.filter { !$0.isNaN }
        let mean = observed.reduce(0, +) / Double(max(1, observed.count))
        guard mean > 0, let fit = try? method.fitCensored(y, seasonLength: m) else { return nil }
        let errors = fit.forecast(horizon: 1, levels: []).residuals.filter(\.isFinite)
        guard !errors.isEmpty else { return nil }
        return (errors.reduce(0) { $0 + $1 * $1 } / Double(errors.count)).squareRoot() / mean
      }
      for i in selected.indices { selected[i].forecastErrorCV = cvs[i] }
    }
    let result = classes.classifier.classify(selected)
    let path = out ?? "abc-\(label).csv"
    try writeAtomically(PlanTables.classes(result, asOf: label), to: path)
    print("classes as of \(label) (\(classes.windowDays)-day window, by \(classes.by.rawValue)) → \(path)")
    let total = result.reduce(0) { $0 + max(0, $1.value) }
    var rows = [["class", "SKUs", "value", "share", "X", "Y", "Z"]]
    for abc in "ABC" {
      let members = result.filter { $0.abc == abc }
      let value = members.reduce(0) { $0 + $1.value }
      rows.append([String(abc), "\(members.count)", String(format: "%.0f", value), String(format: "%.1f%%", total > 0 ? 100 * value / total : 0)]
        + "XYZ".map { x in "\(members.filter { $0.xyz == x }.count)" })
    }
    print(alignedTable(rows))
    if let previous {
      let before: [PreviousClass]
      do { before = try PreviousClass.read(path: previous) } catch {
        printError(error.description)
        throw dataErrorExitCode
      }
      let t = ClassTransition(previous: before, current: result)
      let labels = ["A", "B", "C", "-"]
      var matrix = "from,to,skus,value\n"
      var table = [["from \\ to"] + labels]
      for f in labels {
        var row = [f]
        for to in labels {
          let cell = t.counts[f]?[to] ?? (0, 0)
          row.append("\(cell.skus)")
          if cell.skus > 0 { matrix += "\(f),\(to),\(cell.skus),\(String(format: "%.2f", cell.value))\n" }
        }
        table.append(row)
      }
      print("\ntransitions from \(previous) (\"-\" = not classified: new or no sales):")
      print(alignedTable(table))
      print("\(t.moves.count) SKUs changed class")
      if let transitions { try writeAtomically(matrix, to: transitions) }
      if let moves {
        var csv = "sku,from,to,share_then,share_now,rank_then,rank_now,value_now,reason\n"
        for m in t.moves {
          csv += [csvField(m.sku), m.from, m.to, m.shareThen.map { String(format: "%.6f", $0) } ?? "", m.shareNow.map { String(format: "%.6f", $0) } ?? "",
                  m.rankThen.map(String.init) ?? "", m.rankNow.map(String.init) ?? "", String(format: "%.2f", m.valueNow), csvField(m.reason)].joined(separator: ",") + "\n"
        }
        try writeAtomically(csv, to: moves)
      }
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
    var classMap: [String: ClassifiedSKU] = [:]
    if let classes {
      let table: CSVTable
      do { table = try CSVTable.read(path: classes, required: ["sku", "abc", "xyz"]) } catch {
        printError(error.description)
        throw dataErrorExitCode
      }
      let classifier = Classifier()
      for row in table.rows {
        guard let sku = row.text("sku"), let abc = row.text("abc")?.first, let xyz = row.text("xyz")?.first else { continue }
        let level = (try? row.number("service_level", range: 0.5...0.9999)) ?? classifier.serviceLevels["\(abc)\(xyz)"] ?? ItemMaster.defaultServiceLevel
        classMap[sku] = ClassifiedSKU(sku: sku, abc: abc, xyz: xyz, value: 0, units: 0, share: 0, cumulativeShare: 0, rank: 0, meanDemand: 0, cv: nil,
                                      serviceLevel: level)
      }
    }
    let table: CSVTable
    do { table = try CSVTable.read(path: forecasts, required: ["sku", "date", "mean"]) } catch {
      printError(error.description)
      throw dataErrorExitCode
    }
    let hasInterval = table.header.contains("hi-80")
    var paths: [String: (location: String?, means: [Double], sigma: Double)] = [:]
    var order: [String] = []
    for row in table.rows {
      guard let sku = row.text("sku") else { continue }
      if let method, row.text("method") != method { continue }
      let key = sku + "\u{1F}" + (row.text("location") ?? "")
      if paths[key] == nil {
        order.append(key)
        var sigma = 0.0
        if hasInterval, let hi = try row.number("hi-80"), let mean = try row.number("mean") { sigma = max(0, (hi - mean) / normalQuantile(0.9)) }
        paths[key] = (row.text("location"), [], sigma)
      } else if let firstMethod = table.rows.first?.text("method"), method == nil, row.text("method") != firstMethod {
        continue
      }
      guard let mean = try row.number("mean") else { throw row.error("mean", value: "", problem: "empty mean", expected: "a number") }
      paths[key]!.means.append(mean)
    }
    var policies: [PolicyResult] = []
    for key in order {
      let path = paths[key]!
      let sku = String(key.split(separator: "\u{1F}", omittingEmptySubsequences: false)[0])
      let item = master.item(sku: sku, location: path.location)
      let exposure = item.exposureDays / periodDays
      let periods = max(1, min(path.means.count, Int(exposure.rounded(.up))))
      let d = path.means.prefix(periods).reduce(0, +) / Double(periods)
      if Double(path.means.count) < exposure { printError("\(sku): forecast covers \(path.means.count) periods, exposure is \(String(format: "%.1f", exposure)); the mean is extended flat") }
      let estimate = DemandEstimate(sku: sku, location: path.location, periodDays: periodDays, meanPerPeriod: d, sigmaPerPeriod: path.sigma,
                                    sigmaSource: hasInterval ? "80% interval of step 1" : "none (no intervals in the forecast file)")
      let (level, source) = serviceLevel(for: item, classes: classMap)
      policies.append(PolicyCalculator.compute(item: item, demand: estimate, serviceLevel: level, serviceLevelSource: source))
    }
    try writeAtomically(PlanTables.policies(policies, classes: classMap), to: out)
    print("\(policies.count) policies → \(out)")
  }
}
