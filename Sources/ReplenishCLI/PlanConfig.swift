import Foundation
import Planning
import Policy

/// Checks a plan or scenario config file as `plan` and `scenario` read it (for the fuzzing harness):
/// returns nothing, or throws the located error the command would print.
public enum ConfigFileCheck {
  public static func plan(_ path: String) throws { _ = try PlanConfig.load(path) }
  public static func scenario(_ path: String) throws { _ = try ScenarioConfig.load(path) }
}

/// `plan.toml`: everything `replenish plan` and `replenish scenario` need; flags override it.
///
/// ```toml
/// [history]   file, freq (day|week|month; absent: inferred from the dates), columns ("sku=…,date=…"), season_length, corrections (CSV)
/// [items]     file, suppliers
/// [ledger]    db                     (or [stock] file: a stock snapshot CSV instead of a ledger)
/// [forecast]  models ("auto"), horizon (periods), threads, borrow_seasonality (true: SKUs with less than two
///             seasons of history, and longer ones whose own season correlates with it at r ≥ 0.5, take their
///             item-master category's season when it has one)
/// [classes]   by (revenue|margin|units), a_cutoff, b_cutoff, x_cutoff, y_cutoff, window_days
/// [service_levels]  AX = 0.99 … (per ABC×XYZ cell), feedback (gain κ from the realised service: SKUs sharing
///             a target are planned at a target moved by κ times their shortfall or excess on the log-odds
///             scale, at most one logit unit; 0 = none), feedback_from ("backtest": the [report] backtest file's replayed cycles;
///             "ledger": the ledger's own replenishment cycles of the last 365 days; default: backtest when
///             one is given, else ledger)
/// [purchase]  budget, as_of ("yyyy-mm-dd"), dead_stock_days (180: overstock unsold this long is dead),
///             replan_days (28: reorder_points.csv phases the policy over the periods until the next plan)
/// [report]    out ("reports"), top (charts), title, backtest (a `replenish simulate --out` file: promised vs achieved)
/// ```
/// Relative paths are relative to the config file's folder.
struct PlanConfig {
  var history: String?
  /// `nil`: inferred from the dates.
  var freq: String?
  var columns: String?
  var corrections: String?
  var seasonLength: Int?
  var items: String?
  var suppliers: String?
  /// Positions from this ledger, or from the `stock` snapshot; with neither, `replenish.sqlite` if it exists.
  var db: String?
  var stock: String?
  var models = "auto"
  var horizon = 13
  var threads: Int?
  var borrowSeasonality = true
  var by = ABCMeasure.revenue
  var classifier = Classifier()
  var windowDays = 365
  var budget: Double?
  var asOf: String?
  var deadStockDays = PurchasePlanner.defaultDeadStockDays
  var replanDays = 28.0
  var serviceFeedback = 0.0
  /// Where the feedback's realised service comes from; nil: the backtest when one is given, else the ledger.
  var feedbackFrom: FeedbackSource?
  var out = "reports"
  var top = 6
  var title = "Replenishment plan"
  /// The per-SKU file of the latest `replenish simulate --out`, for the promised-vs-achieved section.
  var backtest: String?

  static let sections: [String: [String]] = [
    "history": ["file", "freq", "columns", "season_length", "corrections"], "items": ["file", "suppliers"], "ledger": ["db"], "stock": ["file"],
    "forecast": ["models", "horizon", "threads", "borrow_seasonality"], "classes": ["by", "a_cutoff", "b_cutoff", "x_cutoff", "y_cutoff", "window_days"],
    "service_levels": ["AX", "AY", "AZ", "BX", "BY", "BZ", "CX", "CY", "CZ", "feedback", "feedback_from"], "purchase": ["budget", "as_of", "dead_stock_days", "replan_days"], "report": ["out", "top", "title", "backtest"],
  ]

  static func load(_ path: String) throws -> PlanConfig {
    let table = try TOMLFile(path: path, sections: sections)
    var c = PlanConfig()
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    func resolve(_ p: String?) -> String? {
      guard let p else { return nil }
      if p.hasPrefix("/") || folder == "." || folder.isEmpty { return p }
      // Keep relative paths relative (readable in messages), with "a/b/../c" folded.
      let joined = URL(fileURLWithPath: folder + "/" + p).standardized.path
      let cwd = FileManager.default.currentDirectoryPath + "/"
      return joined.hasPrefix(cwd) ? String(joined.dropFirst(cwd.count)) : joined
    }
    c.history = resolve(try table.string("history", "file"))
    c.freq = try table.string("history", "freq", accepted: ["day", "week", "month"])
    c.columns = try table.string("history", "columns")
    c.corrections = resolve(try table.string("history", "corrections"))
    c.seasonLength = try table.int("history", "season_length", range: 1...400)
    c.items = resolve(try table.string("items", "file"))
    c.suppliers = resolve(try table.string("items", "suppliers"))
    c.db = resolve(try table.string("ledger", "db"))
    c.stock = resolve(try table.string("stock", "file"))
    c.models = try table.string("forecast", "models") ?? c.models
    c.horizon = try table.int("forecast", "horizon", range: 1...520) ?? c.horizon
    c.borrowSeasonality = try table.bool("forecast", "borrow_seasonality") ?? c.borrowSeasonality
    c.threads = try table.int("forecast", "threads", range: 1...1024)
    if let by = try table.string("classes", "by", accepted: ABCMeasure.allCases.map(\.rawValue)) { c.by = ABCMeasure(rawValue: by)! }
    c.classifier.aCutoff = try table.double("classes", "a_cutoff", range: 0.01...0.99) ?? c.classifier.aCutoff
    c.classifier.bCutoff = try table.double("classes", "b_cutoff", range: 0.01...1) ?? c.classifier.bCutoff
    c.classifier.xCutoff = try table.double("classes", "x_cutoff", range: 0.01...10) ?? c.classifier.xCutoff
    c.classifier.yCutoff = try table.double("classes", "y_cutoff", range: 0.01...20) ?? c.classifier.yCutoff
    c.windowDays = try table.int("classes", "window_days", range: 1...3650) ?? c.windowDays
    for cell in ClassCell.all {
      if let level = try table.double("service_levels", cell.description, range: 0.5...0.9999) { c.classifier.serviceLevels[cell] = level }
    }
    c.serviceFeedback = try table.double("service_levels", "feedback", range: 0...4) ?? c.serviceFeedback
    c.feedbackFrom = try table.string("service_levels", "feedback_from", accepted: FeedbackSource.allCases.map(\.rawValue)).flatMap(FeedbackSource.init)
    c.budget = try table.double("purchase", "budget", range: 0...1e13)
    c.asOf = try table.string("purchase", "as_of")
    c.deadStockDays = try table.int("purchase", "dead_stock_days", range: 1...3650) ?? c.deadStockDays
    c.replanDays = try table.double("purchase", "replan_days", range: 1...366) ?? c.replanDays
    c.out = resolve(try table.string("report", "out")) ?? c.out
    c.top = try table.int("report", "top", range: 0...50) ?? c.top
    c.title = try table.string("report", "title") ?? c.title
    c.backtest = resolve(try table.string("report", "backtest"))
    guard c.classifier.aCutoff < c.classifier.bCutoff, c.classifier.xCutoff < c.classifier.yCutoff else {
      throw CLIError("\(path): [classes] needs a_cutoff < b_cutoff and x_cutoff < y_cutoff")
    }
    if c.db != nil && c.stock != nil { throw CLIError("\(path): [ledger] db and [stock] file both given; positions come from one of them") }
    return c
  }
}

/// Reads a scenario file (`peak.toml`).
///
/// ```toml
/// name = "peak"
/// [demand]        multiplier = 1.0
/// [demand.months]      11 = 1.4      # by calendar month of the forecast period
/// [demand.categories]  christmas = 1.5
/// [demand.skus]        "85123A" = 2.0
/// [lead_time]     "SUP-22" = 14      # extra days by supplier; "*" for all
/// [service]       shift = 0.01       # added to every service level
/// [budget]        amount = 200000
/// [price]         multiplier = 1.1, elasticity = -1.5   # demand × 1.1^−1.5
/// [simulation]    runs = 100, seed = 1
/// ```
struct ScenarioConfig {
  var spec: ScenarioSpec
  var runs = 100
  var seed: UInt64 = 1

  static func load(_ path: String) throws -> ScenarioConfig {
    let file = try TOMLFile(path: path, sections: [
      "": ["name"], "demand": ["multiplier", "months", "categories", "skus"], "lead_time": ["*"], "service": ["shift"], "budget": ["amount"],
      "price": ["multiplier", "elasticity"], "simulation": ["runs", "seed"],
    ], openSections: ["lead_time", "demand.months", "demand.categories", "demand.skus"])
    var spec = ScenarioSpec(name: try file.string("", "name") ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
    spec.demandMultiplier = try file.double("demand", "multiplier", range: 0...100) ?? 1
    for (key, value) in try file.numbers("demand.months", range: 0...100) {
      guard let month = Int(key), (1...12).contains(month) else { throw CLIError("\(path): [demand.months] key \"\(key)\": expected a month number 1–12") }
      spec.monthMultipliers[month] = value
    }
    spec.categoryMultipliers = Dictionary(uniqueKeysWithValues: try file.numbers("demand.categories", range: 0...100))
    spec.skuMultipliers = Dictionary(uniqueKeysWithValues: try file.numbers("demand.skus", range: 0...100))
    spec.leadTimeShiftDays = Dictionary(uniqueKeysWithValues: try file.numbers("lead_time", range: -365...365))
    spec.serviceLevelShift = try file.double("service", "shift", range: -0.49...0.49) ?? 0
    spec.budget = try file.double("budget", "amount", range: 0...1e13)
    spec.priceMultiplier = try file.double("price", "multiplier", range: 0.01...100) ?? 1
    spec.priceElasticity = try file.double("price", "elasticity", range: -20...5) ?? 0
    var c = ScenarioConfig(spec: spec)
    c.runs = try file.int("simulation", "runs", range: 1...100_000) ?? 100
    c.seed = UInt64(try file.int("simulation", "seed", range: 0...Int.max) ?? 1)
    return c
  }
}

/// A parsed TOML file whose keys are checked against the known ones, with typed getters whose errors name
/// the file, the key, the value and what is accepted.
struct TOMLFile {
  let path: String
  let root: TOMLTable

  init(path: String, sections: [String: [String]], openSections: Set<String> = []) throws {
    self.path = path
    let text: String
    do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw CLIError("\(path): cannot read (\(error.localizedDescription))") }
    do { root = try TOMLReader.parse(text) } catch {
      throw CLIError("\(path):\(error.line):\(error.column): \(error.problem)")
    }
    // Unknown sections and keys are refused: a typo must not silently fall back to a default.
    func check(_ table: TOMLTable, prefix: String) throws {
      for (key, value) in table {
        let name = prefix.isEmpty ? key : prefix + "." + key
        if let sub = value.table {
          guard sections[name] != nil || openSections.contains(name) else {
            throw CLIError("\(path): unknown section [\(name)]; expected one of \(sections.keys.filter { !$0.isEmpty }.sorted().map { "[\($0)]" }.joined(separator: ", "))")
          }
          if !openSections.contains(name) { try check(sub, prefix: name) }
        } else {
          let allowed = sections[prefix] ?? []
          guard openSections.contains(prefix) || allowed.contains(key) else {
            throw CLIError("\(path): unknown key '\(key)'\(prefix.isEmpty ? "" : " in [\(prefix)]"); expected one of \(allowed.joined(separator: ", "))")
          }
        }
      }
    }
    try check(root, prefix: "")
  }

  func value(_ section: String, _ key: String) -> TOMLValue? {
    var table: TOMLTable? = root
    if !section.isEmpty { for part in section.split(separator: ".") { table = table?[String(part)]?.table } }
    return table?[key]
  }

  func where_(_ section: String, _ key: String) -> String { section.isEmpty ? "\(path): '\(key)'" : "\(path): [\(section)] \(key)" }

  func string(_ section: String, _ key: String, accepted: [String]? = nil) throws -> String? {
    guard let v = value(section, key) else { return nil }
    guard let s = v.string else { throw CLIError("\(where_(section, key)) = \(v): expected a quoted string") }
    if let accepted, !accepted.contains(s) { throw CLIError("\(where_(section, key)) = \"\(s)\": expected one of \(accepted.joined(separator: ", "))") }
    return s
  }

  func double(_ section: String, _ key: String, range: ClosedRange<Double>) throws -> Double? {
    guard let v = value(section, key) else { return nil }
    guard let d = v.double ?? v.int.map(Double.init), d.isFinite, range.contains(d) else {
      throw CLIError("\(where_(section, key)) = \(v): expected a number in \(range.lowerBound)…\(range.upperBound)")
    }
    return d
  }

  func bool(_ section: String, _ key: String) throws -> Bool? {
    guard let v = value(section, key) else { return nil }
    guard let b = v.bool else { throw CLIError("\(where_(section, key)) = \(v): expected true or false") }
    return b
  }

  func int(_ section: String, _ key: String, range: ClosedRange<Int>) throws -> Int? {
    guard let v = value(section, key) else { return nil }
    guard let i = v.int, range.contains(i) else { throw CLIError("\(where_(section, key)) = \(v): expected a whole number in \(range.lowerBound)…\(range.upperBound)") }
    return i
  }

  /// All key = number pairs of a section (for open-ended maps such as multipliers by SKU).
  func numbers(_ section: String, range: ClosedRange<Double>) throws -> [(String, Double)] {
    var table: TOMLTable? = root
    for part in section.split(separator: ".") { table = table?[String(part)]?.table }
    guard let table else { return [] }
    var out: [(String, Double)] = []
    for (key, v) in table {
      guard let d = v.double ?? v.int.map(Double.init), d.isFinite, range.contains(d) else {
        throw CLIError("\(path): [\(section)] \(key) = \(v): expected a number in \(range.lowerBound)…\(range.upperBound)")
      }
      out.append((key, d))
    }
    return out.sorted { $0.0 < $1.0 }
  }
}
