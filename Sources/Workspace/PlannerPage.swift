import Foundation
import Ledger
import Planning
import Policy

/// A what-if a planner asks for: the scenario and its Monte Carlo settings.
public struct ScenarioRequest: Sendable {
  public var spec: ScenarioSpec
  public var runs: Int
  public var seed: UInt64
  public init(spec: ScenarioSpec, runs: Int, seed: UInt64) { (self.spec, self.runs, self.seed) = (spec, runs, seed) }
}

/// The planner's scenario form: the values as typed, and per field what is wrong with it.
public struct ScenarioForm: Sendable {
  public var values: [String: String] = [:]
  public var errors: [String: String] = [:]

  public init(values: [String: String] = [:]) { self.values = values }

  static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
  /// Every field the form has (anything else posted is refused).
  static let fields: Set<String> = Set(["csrf", "name", "demand_multiplier", "categories", "skus", "lead_time", "service_shift", "budget", "price_multiplier",
                                        "elasticity", "runs", "seed"] + (1...12).map { "month_\($0)" })

  /// Reads a posted form into a scenario, or the form with its errors (nothing is run then).
  public static func parse(_ posted: [String: String]) -> (request: ScenarioRequest?, form: ScenarioForm) {
    var form = ScenarioForm(values: posted)
    func text(_ name: String) -> String? {
      let v = (posted[name] ?? "").trimmingCharacters(in: .whitespaces)
      return v.isEmpty ? nil : v
    }
    func number(_ name: String, _ range: ClosedRange<Double>, what: String) -> Double? {
      guard let t = text(name) else { return nil }
      guard let v = Double(t), v.isFinite, range.contains(v), t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+") }) else {
        form.errors[name] = "\(t.debugDescription): expected \(what) from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))"
        return nil
      }
      return v
    }
    /// `key = number` lines.
    func pairs(_ name: String, _ range: ClosedRange<Double>, what: String) -> [String: Double] {
      var out: [String: Double] = [:]
      guard let t = posted[name] else { return out }
      for (k, raw) in t.split(whereSeparator: \.isNewline).enumerated() {
        let line = raw.trimmingCharacters(in: .whitespaces)
        guard !line.isEmpty else { continue }
        let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty, let v = Double(parts[1]), v.isFinite, range.contains(v) else {
          form.errors[name] = "line \(k + 1) \(line.debugDescription): expected NAME = \(what) from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))"
          return [:]
        }
        guard out[parts[0]] == nil else {
          form.errors[name] = "line \(k + 1): \(parts[0].debugDescription) appears twice"
          return [:]
        }
        out[parts[0]] = v
      }
      return out
    }
    if let extra = posted.keys.sorted().first(where: { !fields.contains($0) }) { form.errors["name"] = "unexpected field \(extra.debugDescription)" }
    let name = text("name") ?? ""
    if name.isEmpty || name.count > 60 || !name.allSatisfy({ $0.isLetter || $0.isNumber || " -_.".contains($0) }) {
      form.errors["name"] = "\(name.debugDescription): expected a name of 1–60 letters, digits, spaces, - _ or ."
    }
    var spec = ScenarioSpec(name: name)
    spec.demandMultiplier = number("demand_multiplier", 0...100, what: "a multiplier") ?? 1
    for month in 1...12 { if let m = number("month_\(month)", 0...100, what: "a multiplier") { spec.monthMultipliers[month] = m } }
    spec.categoryMultipliers = pairs("categories", 0...100, what: "a multiplier")
    spec.skuMultipliers = pairs("skus", 0...100, what: "a multiplier")
    spec.leadTimeShiftDays = pairs("lead_time", -365...365, what: "days")
    spec.serviceLevelShift = number("service_shift", -0.49...0.49, what: "a shift of the service level") ?? 0
    spec.budget = number("budget", 0...1e13, what: "an amount")
    spec.priceMultiplier = number("price_multiplier", 0.01...100, what: "a multiplier") ?? 1
    spec.priceElasticity = number("elasticity", -20...5, what: "an elasticity") ?? 0
    let runs = number("runs", 1...2000, what: "a whole number of runs").map(Int.init) ?? 100
    if let r = text("runs"), Double(r).map({ $0 != $0.rounded() }) == true { form.errors["runs"] = "\(r.debugDescription): expected a whole number of runs from 1 to 2000" }
    let seed = number("seed", 0...1e15, what: "a whole number").map { UInt64($0) } ?? 1
    guard form.errors.isEmpty else { return (nil, form) }
    return (ScenarioRequest(spec: spec, runs: runs, seed: seed), form)
  }

  static func format(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e12 ? String(Int(x)) : String(x) }

  public func html(csrf: String) -> String {
    func field(_ name: String, _ label: String, placeholder: String = "", size: Int = 8) -> String {
      let id = "f-\(name)"
      var h = "<label for=\(id)>\(label)<input id=\(id) name=\(name) size=\(size) value=\"\(HTMLText.escape(values[name] ?? ""))\" placeholder=\"\(HTMLText.escape(placeholder))\""
      if let e = errors[name] { h += " aria-invalid=true aria-describedby=\"e-\(name)\"></label><div class=err role=alert id=\"e-\(name)\">\(HTMLText.escape(e))</div>" } else { h += "></label>" }
      return h
    }
    func area(_ name: String, _ label: String, placeholder: String) -> String {
      var h = "<label for=f-\(name)>\(label)<textarea id=f-\(name) name=\(name) rows=3 cols=24 placeholder=\"\(HTMLText.escape(placeholder))\""
      h += errors[name] != nil ? " aria-invalid=true aria-describedby=\"e-\(name)\">" : ">"
      h += HTMLText.escape(values[name] ?? "") + "</textarea></label>"
      if let e = errors[name] { h += "<div class=err role=alert id=\"e-\(name)\">\(HTMLText.escape(e))</div>" }
      return h
    }
    var h = "<form method=post action=\"/ui/planner\" class=scenario aria-label=\"New scenario\"><input type=hidden name=csrf value=\"\(HTMLText.escape(csrf))\">"
    if !errors.isEmpty { h += "<div class=alert role=alert>The scenario was not run: \(errors.count) field\(errors.count == 1 ? "" : "s") to correct below.</div>" }
    h += "<fieldset><legend>Scenario</legend>" + field("name", "Name", placeholder: "peak season", size: 24) + "</fieldset>"
    h += "<fieldset><legend>Demand</legend>" + field("demand_multiplier", "All SKUs ×", placeholder: "1")
    h += "<div class=months>" + (1...12).map { field("month_\($0)", Self.months[$0 - 1] + " ×", size: 4) }.joined() + "</div>"
    h += area("categories", "By category (category = ×)", placeholder: "christmas = 1.4") + area("skus", "By SKU (sku = ×)", placeholder: "22197 = 2") + "</fieldset>"
    h += "<fieldset><legend>Supply and service</legend>" + area("lead_time", "Lead-time shock (supplier = days, * for all)", placeholder: "SUP-15 = 14")
    h += field("service_shift", "Service level shift", placeholder: "0.01") + field("budget", "Budget", placeholder: "(plan's)", size: 12) + "</fieldset>"
    h += "<fieldset><legend>Price</legend>" + field("price_multiplier", "Price ×", placeholder: "1") + field("elasticity", "Elasticity", placeholder: "0") + "</fieldset>"
    h += "<fieldset><legend>Monte Carlo</legend>" + field("runs", "Runs per SKU", placeholder: "100") + field("seed", "Seed", placeholder: "1") + "</fieldset>"
    return h + "<button class=primary>Run scenario</button></form>"
  }
}

/// A scenario run in the background and what it found, kept as the server saved it.
public struct ScenarioJob: Sendable, Codable {
  public enum State: String, Sendable, Codable { case queued, running, done, failed }
  /// Per class ("A", "B", "C", "new", "all"): the Monte Carlo figures.
  public typealias Figures = [String: ScenarioProjection.ClassFigures]

  public var id: String
  public var name: String
  public var submittedBy: String
  /// Milliseconds since 1970 UTC.
  public var submittedAt: Int64
  public var finishedAt: Int64?
  public var state: State
  public var step = ""
  public var done = 0
  public var total = 0
  /// The scenario's assumptions in words.
  public var assumptions: [String]
  public var runs: Int
  public var seed: UInt64
  public var baseline: Figures = [:]
  public var scenario: Figures = [:]
  public var error: String?

  public init(id: String, request: ScenarioRequest, submittedBy: String, submittedAt: Int64) {
    (self.id, self.name, self.submittedBy, self.submittedAt, self.state) = (id, request.spec.name, submittedBy, submittedAt, .queued)
    (runs, seed) = (request.runs, request.seed)
    assumptions = Self.describe(request.spec)
  }

  static func describe(_ s: ScenarioSpec) -> [String] {
    var out: [String] = []
    if s.demandMultiplier != 1 { out.append("demand × \(ScenarioForm.format(s.demandMultiplier)) for every SKU") }
    for (m, x) in s.monthMultipliers.sorted(by: { $0.key < $1.key }) { out.append("\(ScenarioForm.months[m - 1]) demand × \(ScenarioForm.format(x))") }
    for (c, x) in s.categoryMultipliers.sorted(by: { $0.key < $1.key }) { out.append("category \(c) × \(ScenarioForm.format(x))") }
    for (k, x) in s.skuMultipliers.sorted(by: { $0.key < $1.key }) { out.append("SKU \(k) × \(ScenarioForm.format(x))") }
    for (k, d) in s.leadTimeShiftDays.sorted(by: { $0.key < $1.key }) { out.append("lead time \(k == "*" ? "of every supplier" : k) \(d >= 0 ? "+" : "")\(ScenarioForm.format(d)) days") }
    if s.serviceLevelShift != 0 { out.append("service levels \(s.serviceLevelShift >= 0 ? "+" : "")\(ScenarioForm.format(s.serviceLevelShift))") }
    if let b = s.budget { out.append("budget \(Layout.number(b))") }
    if s.priceMultiplier != 1 { out.append("prices × \(ScenarioForm.format(s.priceMultiplier)), elasticity \(ScenarioForm.format(s.priceElasticity))") }
    return out.isEmpty ? ["no change (the baseline again)"] : out
  }

  /// Figures keyed by class name ("all" for the total).
  public static func figures(_ byClass: [ABCClass?: ScenarioProjection.ClassFigures]) -> Figures {
    Dictionary(uniqueKeysWithValues: byClass.map { ($0.key?.rawValue ?? "all", $0.value) })
  }
}

/// The planner's page: the scenario form and every saved scenario, newest first.
public struct PlannerPage: Sendable {
  public var jobs: [ScenarioJob]
  public var form = ScenarioForm()
  public var user: String
  public var csrf: String
  /// Why scenarios cannot be run here (the server was started without a plan configuration), or nil.
  public var unavailable: String?

  public init(jobs: [ScenarioJob], user: String, csrf: String, unavailable: String?) {
    (self.jobs, self.user, self.csrf, self.unavailable) = (jobs, user, csrf, unavailable)
  }

  public func html() -> String {
    var h = "<h1>Scenarios</h1><p class=muted>Baseline and scenario policies from the same forecasts, each simulated over the plan's horizon from today's positions "
      + "with seeded demand draws (the same Monte Carlo as <code>replenish scenario</code>); figures per ABC class.</p>"
    if let unavailable {
      h += "<div class=alert role=alert>\(HTMLText.escape(unavailable))</div>"
    } else {
      h += form.html(csrf: csrf)
    }
    h += "<h2>Saved scenarios</h2>"
    if jobs.isEmpty {
      h += "<p class=muted>None yet.</p>"
    } else {
      h += "<div class=scroll><table><thead><tr><th scope=col>Scenario</th><th scope=col>Assumptions</th><th scope=col>State</th><th scope=col>By</th>"
        + "<th scope=col class=n>PO spend Δ</th><th scope=col class=n>Fill rate</th></tr></thead><tbody>"
      for job in jobs {
        let all = (job.baseline["all"], job.scenario["all"])
        let spend = all.0.flatMap { b in all.1.map { Layout.number($0.spend - b.spend) } } ?? ""
        let fill = all.0.flatMap { b in all.1.map { String(format: "%.1f%% → %.1f%%", 100 * b.fillRate, 100 * $0.fillRate) } } ?? ""
        h += "<tr><td><a href=\"/ui/planner/\(url(job.id))\">\(HTMLText.escape(job.name))</a></td><td>\(HTMLText.escape(job.assumptions.joined(separator: "; ")))</td>"
          + "<td>\(ScenarioJobPage.stateText(job))</td><td>\(HTMLText.escape(job.submittedBy))</td><td class=n>\(spend)</td><td class=n>\(fill)</td></tr>"
      }
      h += "</tbody></table></div>"
    }
    let running = jobs.contains { $0.state == .queued || $0.state == .running }
    return Layout.page(title: "Planner", user: user, csrf: csrf, active: "planner", body: h, refreshSeconds: running ? 2 : nil)
  }
}

/// One scenario: its progress while it runs, then baseline vs scenario per class, side by side.
public struct ScenarioJobPage: Sendable {
  public var job: ScenarioJob
  public var user: String
  public var csrf: String
  public init(job: ScenarioJob, user: String, csrf: String) { (self.job, self.user, self.csrf) = (job, user, csrf) }

  static func stateText(_ job: ScenarioJob) -> String {
    switch job.state {
    case .queued: return "<span class=\"tag deferred\">queued</span>"
    case .running:
      let percent = job.total > 0 ? " \(100 * job.done / job.total) %" : ""
      return "<span class=\"tag approved\">running: \(HTMLText.escape(job.step))\(percent)</span>"
    case .done: return "<span class=\"tag released\">done</span>"
    case .failed: return "<span class=\"tag deferred\">failed</span>"
    }
  }

  public func html() -> String {
    var h = "<h1>Scenario \(HTMLText.escape(job.name))</h1><p><a href=\"/ui/planner\">All scenarios</a></p>"
    h += "<p>\(Self.stateText(job)) · by \(HTMLText.escape(job.submittedBy)) · \(job.runs) runs per SKU, seed \(job.seed)</p>"
    h += "<ul>" + job.assumptions.map { "<li>\(HTMLText.escape($0))</li>" }.joined() + "</ul>"
    switch job.state {
    case .queued, .running:
      let fraction = job.total > 0 ? Double(job.done) / Double(job.total) : 0
      h += "<label for=progress>Progress: \(HTMLText.escape(job.step.isEmpty ? "waiting" : job.step)) \(job.done) of \(job.total)</label> "
        + "<progress id=progress max=1 value=\(String(format: "%.3f", fraction))></progress><p class=muted>This page refreshes itself every 2 s.</p>"
    case .failed:
      h += "<div class=alert role=alert>\(HTMLText.escape(job.error ?? "failed"))</div>"
    case .done:
      h += "<h2>Baseline vs scenario</h2><div class=scroll><table><thead><tr><th scope=col>Class</th><th scope=col>Run</th><th scope=col class=n>SKUs</th>"
        + "<th scope=col class=n>PO spend</th><th scope=col class=n>Avg. inventory value</th><th scope=col class=n>Fill rate</th><th scope=col class=n>Stock-out units</th></tr></thead><tbody>"
      for cls in ["A", "B", "C", "new", "all"] {
        for (run, figures) in [("baseline", job.baseline), (job.name, job.scenario)] {
          guard let f = figures[cls] else { continue }
          h += "<tr><td>\(cls)</td><td>\(HTMLText.escape(run))</td><td class=n>\(Layout.number(Double(f.skus)))</td><td class=n>\(Layout.number(f.spend))</td>"
            + "<td class=n>\(Layout.number(f.inventoryValue))</td><td class=n>\(String(format: "%.1f%%", 100 * f.fillRate))</td><td class=n>\(Layout.number(f.stockOutUnits))</td></tr>"
        }
      }
      h += "</tbody></table></div>" + chart()
    }
    let running = job.state == .queued || job.state == .running
    return Layout.page(title: "Scenario \(job.name)", user: user, csrf: csrf, active: "planner", body: h, refreshSeconds: running ? 2 : nil)
  }

  /// Fill rate per class, baseline and scenario side by side (inline SVG).
  func chart() -> String {
    let classes = ["A", "B", "C", "new", "all"].filter { job.baseline[$0] != nil && job.scenario[$0] != nil }
    guard !classes.isEmpty else { return "" }
    let width = 120 * classes.count + 60, height = 220
    var s = "<figure><svg role=img aria-label=\"Fill rate per class, baseline and scenario\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\">"
    s += "<line x1=40 y1=180 x2=\(width - 10) y2=180 stroke=#888 />"
    for (k, cls) in classes.enumerated() {
      for (j, (figures, color)) in [(job.baseline, "#9aa7b4"), (job.scenario, "#1a5fb4")].enumerated() {
        let rate = figures[cls]!.fillRate
        let barHeight = 160 * rate
        let x = 50 + 120 * k + 46 * j
        s += "<rect x=\(x) y=\(String(format: "%.1f", 180 - barHeight)) width=40 height=\(String(format: "%.1f", barHeight)) fill=\"\(color)\"><title>\(cls) \(j == 0 ? "baseline" : HTMLText.escape(job.name)): \(String(format: "%.1f%%", 100 * rate))</title></rect>"
        s += "<text x=\(x + 20) y=\(String(format: "%.1f", 175 - barHeight)) text-anchor=middle font-size=11>\(String(format: "%.1f", 100 * rate))</text>"
      }
      s += "<text x=\(50 + 120 * k + 43) y=198 text-anchor=middle font-size=13>\(cls)</text>"
    }
    s += "</svg><figcaption>Fill rate (%) per class: baseline (grey) and \(HTMLText.escape(job.name)) (blue).</figcaption></figure>"
    return s
  }
}
