import Ledger
import Planning

/// One SKU: its positions per location, its plan lines with their derivation and release, its PO lines,
/// and its latest movements.
public struct SKUPage: Sendable {
  public var sku: String
  public var positions: [Position]
  public var planLines: [(po: String, line: SuggestedLine)]
  public var released: [String: ReleaseRecord]
  public var purchaseOrders: [PurchaseOrderLine]
  /// The latest movements, newest first.
  public var movements: [MovementRecord]
  public var user: String
  public var csrf: String
  /// History and forecast charts (inline SVG, one per location), or why there are none.
  public var charts: [(title: String, svg: String)] = []
  public var chartNote: String?
  /// Promised vs achieved service per location in the latest policy backtest, or why there is none.
  public var service: [ServiceAchieved.SKURow] = []
  public var serviceNote: String?

  public init(sku: String, positions: [Position], planLines: [(po: String, line: SuggestedLine)], released: [String: ReleaseRecord],
              purchaseOrders: [PurchaseOrderLine], movements: [MovementRecord], user: String, csrf: String) {
    (self.sku, self.positions, self.planLines, self.released) = (sku, positions, planLines, released)
    (self.purchaseOrders, self.movements, self.user, self.csrf) = (purchaseOrders, movements, user, csrf)
  }

  public func html() -> String {
    var h = "<h1>SKU \(HTMLText.escape(sku))</h1>"
    if let description = planLines.first?.line.description, !description.isEmpty { h += "<p>\(HTMLText.escape(description))</p>" }
    h += "<h2>History and forecast</h2>"
    if charts.isEmpty {
      h += "<p class=muted>\(HTMLText.escape(chartNote ?? "No forecast for this SKU in the plan."))</p>"
    } else {
      for chart in charts { h += "<figure><figcaption>\(HTMLText.escape(chart.title)) · 80 % and 95 % intervals</figcaption>\(chart.svg)</figure>" }
    }
    h += "<h2>Promised vs achieved service</h2>"
    if service.isEmpty {
      h += "<p class=muted>\(HTMLText.escape(serviceNote ?? "The latest policy backtest has no row for this SKU."))</p>"
    } else {
      h += "<p class=muted>The latest policy backtest (<code>replenish simulate</code>): the plan's policy replayed on demand it did not see; cycle service counts complete replenishment cycles; at whole-unit reorder points: the cycle service the policy's reorder points give under its own demand model (at or above the target, as no whole unit gives it exactly).</p>"
      h += "<div class=scroll><table><thead><tr><th scope=col>Location</th><th scope=col class=n>Promised</th><th scope=col class=n>At whole-unit reorder points</th><th scope=col class=n>Cycle service</th>"
        + "<th scope=col class=n>Cycles (short)</th><th scope=col class=n>Fill rate</th><th scope=col class=n>In stock</th><th scope=col class=n>Periods</th></tr></thead><tbody>"
      for r in service {
        h += "<tr><td>\(HTMLText.escape(r.location))</td><td class=n>\(String(format: "%.1f%%", 100 * r.target))</td>"
          + "<td class=n>\(r.promisedCycleService.map { String(format: "%.1f%%", 100 * $0) } ?? "–")</td>"
          + "<td class=n>\(r.cycles > 0 ? String(format: "%.1f%%", 100 * r.cycleServiceLevel) : "no complete cycle")</td><td class=n>\(r.cycles) (\(r.cyclesWithStockOut))</td>"
          + "<td class=n>\(String(format: "%.1f%%", 100 * r.fillRate))</td><td class=n>\(String(format: "%.1f%%", 100 * r.inStockRate))</td><td class=n>\(r.testPeriods)</td></tr>"
      }
      h += "</tbody></table></div>"
    }
    h += "<h2>Positions</h2>"
    if positions.isEmpty {
      h += "<p class=muted>No stock, orders or POs at any location.</p>"
    } else {
      h += "<div class=scroll><table><thead><tr><th scope=col>Location</th><th scope=col class=n>On hand</th><th scope=col class=n>Committed</th>"
        + "<th scope=col class=n>Available</th><th scope=col class=n>Incoming</th><th scope=col class=n>In transit</th><th scope=col class=n>Unavailable</th>"
        + "<th scope=col class=n>Backordered</th><th scope=col class=n>Avg. cost</th></tr></thead><tbody>"
      for p in positions {
        h += "<tr><td>\(HTMLText.escape(p.location))</td>" + [p.onHand, p.committed, p.availableToPromise, p.inbound, p.inTransit, p.quarantine + p.damaged, p.backordered]
          .map { "<td class=n>\(Layout.number(Double($0)))</td>" }.joined() + "<td class=n>\(Layout.number(Double(p.averageUnitCostMicros) / 1_000_000, 2))</td></tr>"
      }
      h += "</tbody></table></div>"
    }
    h += "<h2>In this week's plan</h2>"
    if planLines.isEmpty {
      h += "<p class=muted>No PO line suggested or deferred for this SKU.</p>"
    } else {
      for (po, line) in planLines {
        let release = released[line.lineID]
        let state = release != nil ? "released" : line.status.rawValue
        h += "<p><b>\(HTMLText.escape(line.lineID))</b> · \(HTMLText.escape(line.supplier)) · suggested \(Layout.number(line.quantity)) · <span class=\"tag \(state)\">\(state)</span>"
        if let r = release {
          h += " · \(Layout.number(Double(r.release.quantity))) ordered on \(HTMLText.escape(r.release.po)) by \(HTMLText.escape(r.release.releasedBy))"
        }
        h += "</p>" + BuyerPage.derivation(line, po: po, open: true)
      }
    }
    h += "<h2>Purchase-order lines</h2>"
    if purchaseOrders.isEmpty {
      h += "<p class=muted>None.</p>"
    } else {
      h += "<div class=scroll><table><thead><tr><th scope=col>PO</th><th scope=col>Ship to</th><th scope=col class=n>Ordered</th><th scope=col class=n>Received</th>"
        + "<th scope=col class=n>Unit cost</th><th scope=col>State</th><th scope=col>Opened</th></tr></thead><tbody>"
      for l in purchaseOrders {
        h += "<tr><td>\(HTMLText.escape(l.po))</td><td>\(HTMLText.escape(l.location))</td><td class=n>\(Layout.number(Double(l.ordered)))</td>"
          + "<td class=n>\(Layout.number(Double(l.received)))</td><td class=n>\(Layout.number(Double(l.unitCostMicros) / 1_000_000, 2))</td>"
          + "<td>\(HTMLText.escape(l.status))</td><td>\(LedgerText.iso(l.openedAt).prefix(10))</td></tr>"
      }
      h += "</tbody></table></div>"
    }
    h += "<h2>Latest movements</h2>"
    if movements.isEmpty {
      h += "<p class=muted>None.</p>"
    } else {
      h += "<div class=scroll><table><thead><tr><th scope=col>When</th><th scope=col>Event</th><th scope=col>Location</th><th scope=col>Bucket</th>"
        + "<th scope=col class=n>Change</th><th scope=col class=hide-narrow>Source / key</th></tr></thead><tbody>"
      for m in movements {
        h += "<tr><td>\(LedgerText.iso(m.at).prefix(16).replacingOccurrences(of: "T", with: " "))</td><td>\(m.kind.rawValue)</td><td>\(HTMLText.escape(m.location))</td>"
          + "<td>\(m.bucket.rawValue)</td><td class=n>\(m.qty > 0 ? "+" : "")\(Layout.number(Double(m.qty)))</td>"
          + "<td class=hide-narrow>\(HTMLText.escape(m.source)) / \(HTMLText.escape(m.key))</td></tr>"
      }
      h += "</tbody></table></div>"
    }
    return Layout.page(title: "SKU \(sku)", user: user, csrf: csrf, body: h)
  }
}
