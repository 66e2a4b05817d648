import Planning
import Policy
import TimeSeries

/// The analyst's month: the ABC × XYZ matrix as of a date, the transitions from the previous month-end,
/// and the SKUs that moved (filtered by a transition cell).
public struct AnalystPage: Sendable {
  public var asOf: Int
  public var previousAsOf: Int
  public var current: [ClassifiedSKU]
  public var transition: ClassTransition
  /// The transition cell the moves are filtered by ("-" = not classified), or nil for every move.
  public var from: String?
  public var to: String?
  public var user: String
  public var csrf: String
  public static let movesShown = 200

  public init(asOf: Int, previousAsOf: Int, current: [ClassifiedSKU], transition: ClassTransition, user: String, csrf: String) {
    (self.asOf, self.previousAsOf, self.current, self.transition, self.user, self.csrf) = (asOf, previousAsOf, current, transition, user, csrf)
  }

  static func label(_ c: ABCClass?) -> String { c?.rawValue ?? "-" }

  public func html() -> String {
    let date = CivilDate(dayNumber: asOf).description, before = CivilDate(dayNumber: previousAsOf).description
    var h = "<h1>Classes as of \(date)</h1>"
    h += "<form class=filters method=get action=\"/ui/analyst\"><label>As of<input name=as_of value=\"\(date)\" size=10></label><button>Show</button></form>"
    let total = current.reduce(0) { $0 + $1.value }
    h += "<h2>ABC × XYZ</h2><p class=muted>ABC by share of value over the last year (A: the top 80 %, B: the next 15 %), XYZ by the variability of demand; each cell with its SKUs, its value and its service level.</p>"
    h += "<div class=scroll><table><thead><tr><th scope=col>ABC \\ XYZ</th>" + XYZClass.allCases.map { "<th scope=col class=n>\($0.rawValue)</th>" }.joined() + "<th scope=col class=n>all</th></tr></thead><tbody>"
    for abc in ABCClass.allCases {
      let row = current.filter { $0.abc == abc }
      guard !row.isEmpty else { continue }
      h += "<tr><th scope=row>\(abc.rawValue)</th>"
      for xyz in XYZClass.allCases {
        let cell = row.filter { $0.xyz == xyz }
        let value = cell.reduce(0) { $0 + $1.value }
        let service = cell.first.map { String(format: "%.1f%%", 100 * $0.serviceLevel) } ?? ""
        h += "<td class=n>" + (cell.isEmpty ? "" : "\(Layout.number(Double(cell.count))) SKUs<br>\(Layout.number(value))<br><span class=muted>\(service)</span>") + "</td>"
      }
      let value = row.reduce(0) { $0 + $1.value }
      h += "<td class=n>\(Layout.number(Double(row.count))) SKUs<br>\(Layout.number(value)) (\(String(format: "%.1f%%", total > 0 ? 100 * value / total : 0)))</td></tr>"
    }
    h += "</tbody></table></div>"

    h += "<h2>Moves since \(before)</h2><p class=muted>Rows: the class at the previous month-end; columns: now. A cell opens its SKUs.</p>"
    let classes: [ABCClass?] = [.A, .B, .C, nil]
    h += "<div class=scroll><table><thead><tr><th scope=col>from \\ to</th>" + classes.map { "<th scope=col class=n>\(Self.label($0))</th>" }.joined() + "</tr></thead><tbody>"
    for f in classes {
      h += "<tr><th scope=row>\(Self.label(f))</th>"
      for t in classes {
        if let cell = transition.counts[f]?[t], cell.skus > 0 {
          let text = "\(Layout.number(Double(cell.skus)))<br><span class=muted>\(Layout.number(cell.value))</span>"
          h += f == t ? "<td class=n>\(text)</td>"
            : "<td class=n><a href=\"/ui/analyst?as_of=\(date)&amp;from=\(url(Self.label(f)))&amp;to=\(url(Self.label(t)))#moves\">\(text)</a></td>"
        } else {
          h += "<td class=n></td>"
        }
      }
      h += "</tr>"
    }
    h += "</tbody></table></div>"

    let moves = transition.moves.filter { (from == nil || Self.label($0.from) == from) && (to == nil || Self.label($0.to) == to) }
    h += "<h2 id=moves>SKUs that moved" + (from != nil || to != nil ? " from \(HTMLText.escape(from ?? "any")) to \(HTMLText.escape(to ?? "any"))" : "")
      + "</h2><p class=muted>\(Layout.number(Double(moves.count))) SKU\(moves.count == 1 ? "" : "s")" + (moves.count > Self.movesShown ? "; the \(Self.movesShown) with the most value now" : "")
      + (from != nil || to != nil ? " · <a href=\"/ui/analyst?as_of=\(date)#moves\">all moves</a>" : "") + "</p>"
    if !moves.isEmpty {
      h += "<div class=scroll><table><thead><tr><th scope=col>SKU</th><th scope=col>From</th><th scope=col>To</th><th scope=col class=n>Value now</th><th scope=col>Why</th></tr></thead><tbody>"
      for m in moves.sorted(by: { $0.valueNow > $1.valueNow }).prefix(Self.movesShown) {
        h += "<tr><td><a href=\"/ui/sku?sku=\(url(m.sku))\">\(HTMLText.escape(m.sku))</a></td><td>\(Self.label(m.from))</td><td>\(Self.label(m.to))</td>"
          + "<td class=n data-v=\(m.valueNow)>\(Layout.number(m.valueNow))</td><td>\(HTMLText.escape(m.reason))</td></tr>"
      }
      h += "</tbody></table></div>"
    }
    return Layout.page(title: "Analyst", user: user, csrf: csrf, active: "analyst", body: h)
  }
}
