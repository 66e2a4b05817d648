import Ledger
import Planning
import TimeSeries

/// A line's state as the buyer sees it: released beats the buyer's decision, which beats the plan's own
/// status (suggested, deferred by the budget, held below a supplier minimum).
public enum LineState: String, Sendable, CaseIterable {
  case suggested, approved, deferred, deferredBudget = "deferred-budget", heldBelowMinimum = "held-below-minimum", released

  public var label: String {
    switch self {
    case .suggested: "suggested"
    case .approved: "approved"
    case .deferred: "deferred by buyer"
    case .deferredBudget: "deferred: budget"
    case .heldBelowMinimum: "held: below minimum"
    case .released: "released"
    }
  }
}

/// This week's suggestions for a buyer: grouped by supplier order, filterable by class, supplier and
/// state, each line's derivation one click away, and per line a quantity with approve / defer / release.
public struct BuyerPage: Sendable {
  /// The filters of the page (query parameters `class`, `supplier`, `state`; empty = all).
  public struct Filter: Sendable, Equatable {
    public var abc: String?
    public var supplier: String?
    public var state: LineState?
    /// Lines with at least this priority (expected stock-out cost per unit of spend × class weight).
    public var minimumPriority: Double?
    public init(abc: String? = nil, supplier: String? = nil, state: LineState? = nil, minimumPriority: Double? = nil) {
      (self.abc, self.supplier, self.state, self.minimumPriority) = (abc, supplier, state, minimumPriority)
    }
  }

  /// A refused form: which line, what was typed, why.
  public struct FormError: Sendable {
    public var lineID: String
    public var value: String
    public var message: String
    public init(lineID: String, value: String, message: String) { (self.lineID, self.value, self.message) = (lineID, value, message) }
  }

  public var plan: PurchasePlan
  public var released: [String: ReleaseRecord]
  public var decisions: [String: LineDecision]
  public var filter = Filter()
  public var user: String
  public var csrf: String
  /// Whether the user may approve, defer and release (the key's `inventory:write`).
  public var canWrite: Bool
  public var notice: String?
  public var error: FormError?
  /// Deferred and held lines shown, highest risk first (all with `nil`): a budget can defer thousands.
  public var deferredShown: Int? = BuyerPage.deferredPageSize
  /// The latest re-plan (nil: re-planning is not offered by this server).
  public var planRun: PlanRunStatus?
  public static let deferredPageSize = 100

  public init(plan: PurchasePlan, released: [String: ReleaseRecord], decisions: [String: LineDecision], user: String, csrf: String, canWrite: Bool) {
    (self.plan, self.released, self.decisions, self.user, self.csrf, self.canWrite) = (plan, released, decisions, user, csrf, canWrite)
  }

  public func state(_ line: SuggestedLine) -> LineState {
    if released[line.lineID] != nil { return .released }
    if let d = decisions[line.lineID] { return d.kind == .approved ? .approved : .deferred }
    switch line.status {
    case .suggested: return .suggested
    case .deferredBudget: return .deferredBudget
    case .heldBelowMinimum: return .heldBelowMinimum
    }
  }

  func shown(_ line: SuggestedLine) -> Bool {
    (filter.abc == nil || line.abc.rawValue == filter.abc) && (filter.supplier == nil || line.supplier == filter.supplier)
      && (filter.state == nil || state(line) == filter.state) && (filter.minimumPriority.map { line.priority >= $0 } ?? true)
  }

  /// The quantity a line would be ordered at now: released, else the approved quantity, else the suggestion.
  func quantity(_ line: SuggestedLine) -> Int {
    released[line.lineID]?.release.quantity ?? decisions[line.lineID]?.quantity ?? Int(line.quantity.rounded())
  }

  public func html() -> String {
    let all = PurchaseReleasing.lines(of: plan)
    let releasedLines = all.filter { released[$0.line.lineID] != nil }
    let releasedValue = releasedLines.reduce(0.0) { $0 + Double(released[$1.line.lineID]!.release.quantity) * ($1.line.unitCost ?? 0) }
    let approved = all.filter { state($0.line) == .approved }
    var h = "<h1>Purchase suggestions</h1>"
    h += "<p class=muted>Plan <code>\(HTMLText.escape(plan.planID))</code> as of \(HTMLText.escape(plan.asOf)). Quantities are rounded by each line's MOQ, case pack and multiple; a line is ordered once, whoever releases it.</p>"
    if let notice { h += "<div class=notice role=status>\(HTMLText.escape(notice))</div>" }
    if let run = planRun {
      h += "<p>" + (run.state == .idle ? "" : HTMLText.escape(run.line) + " · ") + "<a href=\"/ui/plan-run\">\(run.state == .running ? "follow it" : "re-run the plan")</a></p>"
    }
    if let error, !all.contains(where: { $0.line.lineID == error.lineID }) { h += "<div class=alert role=alert>\(HTMLText.escape(error.message))</div>" }
    h += "<div class=cards>"
    h += card("Suggested lines", Layout.number(Double(plan.orders.reduce(0) { $0 + $1.lines.count })), "in \(plan.orders.count) purchase orders")
    h += card("Spend", Layout.number(plan.spend), plan.budget.map { "of a budget of \(Layout.number($0))" } ?? "no budget set")
    h += card("Deferred or held", Layout.number(Double(plan.deferred.count)), "value \(Layout.number(plan.deferred.reduce(0) { $0 + $1.lineValue }))")
    h += card("Approved, not released", Layout.number(Double(approved.count)), "lines")
    h += card("Released", Layout.number(Double(releasedLines.count)), "value \(Layout.number(releasedValue))")
    h += "</div>"
    h += filters()
    if !canWrite { h += "<p class=muted>This key may read only: approving, deferring and releasing need a key with inventory:write.</p>" }
    var anyShown = false
    for po in plan.orders {
      let lines = po.lines.filter(shown)
      guard !lines.isEmpty else { continue }
      anyShown = true
      let approvedHere = po.lines.filter { state($0) == .approved }
      let releasedHere = po.lines.contains { released[$0.lineID] != nil }
      h += "<section class=po aria-labelledby=\"h-\(anchor(po.id))\"><header><h2 id=\"h-\(anchor(po.id))\">\(HTMLText.escape(po.supplier)) → \(HTMLText.escape(po.location))</h2>"
      h += "<span class=muted>\(HTMLText.escape(po.id)) · \(po.lines.count) line\(po.lines.count == 1 ? "" : "s") · \(Layout.number(po.total, 2))</span>"
      if releasedHere {
        h += " <a href=\"/ui/plans/\(url(plan.planID))/purchase-orders/\(url(po.id))\">PO document</a>"
      }
      if canWrite && !approvedHere.isEmpty {
        h += "<form class=inline method=post action=\"/ui/release\"><input type=hidden name=csrf value=\"\(HTMLText.escape(csrf))\">"
          + "<input type=hidden name=po value=\"\(HTMLText.escape(po.id))\"><button class=primary>Release \(approvedHere.count) approved line\(approvedHere.count == 1 ? "" : "s")</button></form>"
      }
      h += "</header>" + table(lines.map { (po.id, $0) }, deferredSection: false) + "</section>"
    }
    let deferred = plan.deferred.filter(shown).sorted {
      $0.expectedShortageUnits != $1.expectedShortageUnits ? $0.expectedShortageUnits > $1.expectedShortageUnits : $0.lineID < $1.lineID
    }
    if !deferred.isEmpty {
      anyShown = true
      let limit = min(deferred.count, deferredShown ?? deferred.count)
      h += "<h2 id=deferred>Deferred by the budget or held below a supplier minimum</h2>"
      h += "<p class=muted>Not ordered unless released by name; the risk is the expected units short over the lead time and review if not ordered. "
      if limit < deferred.count {
        h += "The \(limit) of \(Layout.number(Double(deferred.count))) with the most units at risk; <a href=\"\(link(deferred: "all"))#deferred\">show all</a>.</p>"
      } else {
        h += "\(Layout.number(Double(deferred.count))) line\(deferred.count == 1 ? "" : "s").</p>"
      }
      h += table(deferred.prefix(limit).map { (PurchasePlanner.purchaseOrderID(date: plan.asOf, supplier: $0.supplier, location: $0.location), $0) }, deferredSection: true)
    }
    if !anyShown { h += "<p>No lines match these filters.</p>" }
    return Layout.page(title: "Buyer", user: user, csrf: csrf, active: "buyer", body: h)
  }

  /// This page's address with the same filters.
  func link(deferred: String? = nil) -> String {
    var query: [String] = []
    if let abc = filter.abc { query.append("class=" + url(abc)) }
    if let supplier = filter.supplier { query.append("supplier=" + url(supplier)) }
    if let state = filter.state { query.append("state=" + state.rawValue) }
    if let p = filter.minimumPriority { query.append("priority=" + url(String(p))) }
    if let deferred { query.append("deferred=" + deferred) }
    return "/ui/buyer" + (query.isEmpty ? "" : "?" + query.joined(separator: "&amp;"))
  }

  func card(_ title: String, _ value: String, _ sub: String) -> String {
    "<div class=card><span class=muted>\(HTMLText.escape(title))</span><b>\(HTMLText.escape(value))</b><span class=muted>\(HTMLText.escape(sub))</span></div>"
  }

  func filters() -> String {
    func select(_ name: String, _ label: String, _ options: [(String, String)], _ chosen: String?) -> String {
      var s = "<label>\(label)<select name=\(name)><option value=\"\">all</option>"
      for (value, text) in options {
        s += "<option value=\"\(HTMLText.escape(value))\"\(value == chosen ? " selected" : "")>\(HTMLText.escape(text))</option>"
      }
      return s + "</select></label>"
    }
    let suppliers = Set(PurchaseReleasing.lines(of: plan).map(\.line.supplier)).sorted()
    return "<form class=filters method=get action=\"/ui/buyer\" aria-label=\"Filter lines\">"
      + select("class", "Class", ["A", "B", "C", "new"].map { ($0, $0) }, filter.abc)
      + select("supplier", "Supplier", suppliers.map { ($0, $0) }, filter.supplier)
      + select("state", "State", LineState.allCases.map { ($0.rawValue, $0.label) }, filter.state?.rawValue)
      + "<label>Priority ≥<input name=priority inputmode=decimal size=6 value=\"\(filter.minimumPriority.map { String($0) } ?? "")\"></label>"
      + (deferredShown == nil ? "<input type=hidden name=deferred value=all>" : "")
      + "<button>Apply</button> <a href=\"/ui/buyer\">Clear</a></form>"
  }

  func table(_ rows: [(po: String, line: SuggestedLine)], deferredSection: Bool) -> String {
    func sortable(_ title: String, numeric: Bool = false, hide: Bool = false) -> String {
      "<th scope=col\(numeric ? " class=n" : "")\(hide ? " class=hide-narrow" : "")><button class=sort type=button>\(title)</button></th>"
    }
    var h = "<div class=scroll><table><thead><tr>" + sortable("SKU") + sortable("Class") + sortable("Suggested", numeric: true)
      + "<th scope=col>Quantity</th>" + sortable("Value", numeric: true) + sortable(deferredSection ? "Units short if not ordered" : "Priority", numeric: true)
      + sortable("Arrives", hide: true) + sortable("State") + "<th scope=col>Derivation</th></tr></thead><tbody>"
    for (po, line) in rows {
      let state = state(line)
      let qty = quantity(line)
      let unitCost = line.unitCost ?? 0
      let risk = deferredSection ? line.expectedShortageUnits : line.priority
      h += "<tr id=\"line-\(anchor(line.lineID))\">"
      h += "<td><a href=\"/ui/sku?sku=\(url(line.sku))\">\(HTMLText.escape(line.sku))</a><br><span class=muted>\(HTMLText.escape(line.description))</span>"
        + (line.location.isEmpty ? "" : "<br><span class=muted>at \(HTMLText.escape(line.location))</span>") + "</td>"
      h += "<td>\(line.abc.rawValue)</td><td class=n data-v=\(Int(line.quantity.rounded()))>\(Layout.number(line.quantity))</td>"
      h += "<td>\(lineForm(line, po: po, state: state, quantity: qty))</td>"
      h += "<td class=n data-v=\(Double(qty) * unitCost)>\(Layout.number(Double(qty) * unitCost, 2))</td>"
      h += "<td class=n data-v=\(risk)>\(Layout.number(risk, deferredSection ? 1 : 3))</td>"
      h += "<td class=hide-narrow>\(CivilDate(dayNumber: line.expectedArrivalDay).description)</td>"
      h += "<td><span class=\"tag \(state.rawValue)\">\(state.label)</span>\(stateNote(line))</td>"
      h += "<td>\(Self.derivation(line, po: po))</td></tr>"
    }
    return h + "</tbody></table></div>"
  }

  func stateNote(_ line: SuggestedLine) -> String {
    if let r = released[line.lineID] {
      return "<br><span class=muted>by \(HTMLText.escape(r.release.releasedBy)), \(LedgerText.iso(r.releasedAt).prefix(16).replacingOccurrences(of: "T", with: " "))</span>"
        + (r.release.adjustment.isEmpty ? "" : "<br><span class=muted>\(HTMLText.escape(r.release.adjustment))</span>")
    }
    if let d = decisions[line.lineID] {
      return "<br><span class=muted>by \(HTMLText.escape(d.decidedBy))</span>" + (d.adjustment.isEmpty ? "" : "<br><span class=muted>\(HTMLText.escape(d.adjustment))</span>")
    }
    return ""
  }

  func lineForm(_ line: SuggestedLine, po: String, state: LineState, quantity: Int) -> String {
    let id = anchor(line.lineID)
    guard state != .released else { return "<b>\(Layout.number(Double(quantity)))</b> ordered on \(HTMLText.escape(po))" }
    guard canWrite else { return Layout.number(Double(quantity)) }
    let failed = error?.lineID == line.lineID ? error : nil
    var h = "<form class=line-form method=post action=\"/ui/lines\"><input type=hidden name=csrf value=\"\(HTMLText.escape(csrf))\">"
    h += "<input type=hidden name=line_id value=\"\(HTMLText.escape(line.lineID))\">"
    h += "<label class=sr for=\"q-\(id)\">Quantity for \(HTMLText.escape(line.lineID))</label>"
    h += "<input id=\"q-\(id)\" name=quantity inputmode=numeric value=\"\(HTMLText.escape(failed?.value ?? String(quantity)))\""
      + (failed != nil ? " aria-invalid=true aria-describedby=\"e-\(id)\"" : "") + ">"
    h += "<button name=action value=approve>Approve</button><button name=action value=defer>Defer</button>"
    h += "<button class=primary name=action value=release>Release</button></form>"
    if let failed { h += "<div class=err id=\"e-\(id)\" role=alert>\(HTMLText.escape(failed.message))</div>" }
    return h
  }

  /// The line's derivation: forecast over the exposure, its spread, safety stock, reorder point, position,
  /// the need, transfers, rounding and the budget decision.
  static func derivation(_ line: SuggestedLine, po: String, open: Bool = false) -> String {
    var rows: [(String, String)] = [
      ("demand", "\(Layout.number(line.demandPerDay, 2)) a day"),
      ("forecast over exposure", Layout.number(line.exposureDemand, 1)),
      ("σ over exposure", Layout.number(line.sigmaExposure, 1)),
      ("safety stock", "\(Layout.number(line.safetyStock, 1)) (\(line.quantileMethod))"),
      ("reorder point", Layout.number(line.reorderPoint, 1)),
      ("order-up-to", Layout.number(line.orderUpTo, 1)),
      ("position", "\(Layout.number(line.position, 1)) (on hand + inbound + in transit − committed − backorders)"),
      ("need", Layout.number(line.rawNeed, 1) + (line.coveredByTransfer > 0 ? ", \(Layout.number(line.coveredByTransfer)) covered by a transfer" : "")),
      ("order rules", "MOQ \(line.moq), case pack \(line.casePack), multiple \(line.orderMultiple)"),
    ]
    if !line.rounding.isEmpty { rows.append(("rounding", line.rounding)) }
    rows.append(("unit cost", line.unitCost.map { "\(Layout.number($0, 2)) (\(line.unitCostSource))" } ?? "unknown"))
    rows.append(("budget", line.status == .suggested ? "within the budget (priority \(Layout.number(line.priority, 3)))" : "\(line.status.rawValue) (priority \(Layout.number(line.priority, 3)))"))
    rows.append(("PO", po))
    for note in line.notes { rows.append(("note", note)) }
    return "<details\(open ? " open" : "")><summary>why \(Layout.number(line.quantity))?</summary><dl class=deriv>"
      + rows.map { "<dt>\(HTMLText.escape($0.0))</dt><dd>\(HTMLText.escape($0.1))</dd>" }.joined() + "</dl></details>"
  }
}

/// An id usable in HTML `id` attributes and URL fragments: letters, digits, `-` and `_`; anything else as `_`.
public func anchor(_ text: String) -> String {
  String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" })
}

/// Text for a URL path segment or query value (RFC 3986 unreserved characters kept).
func url(_ text: String) -> String {
  var out = ""
  for byte in text.utf8 {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
      UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
      out.append(Character(UnicodeScalar(byte)))
    default:
      out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
    }
  }
  return out
}

extension String {
  func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
