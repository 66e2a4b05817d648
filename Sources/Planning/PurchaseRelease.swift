import CSV
import Foundation
import Ledger
import Policy
import TimeSeries

/// Turning a plan's suggestions into purchase orders: which lines a buyer releases, at what quantity
/// (an edit is rounded by the line's MOQ, case pack and order multiple, as the suggestion was), and the
/// PO documents for suppliers. The ledger applies the releases (`WriteRequest.releases`): each line once.
public enum PurchaseReleasing {
  /// Which lines to release.
  public enum Selection: Sendable, Equatable {
    /// Every suggested line (deferred and held lines are released only by name).
    case all
    /// Every suggested line of one supplier's POs.
    case supplier(String)
    /// Lines by id (`sku@location`, or the SKU alone when it has one line), suggested or deferred.
    case lines([String])
  }

  /// An edited quantity above this multiple of the suggestion (or of the MOQ / rounding step when larger)
  /// is refused as a likely typing error; a larger order is placed with `replenish ledger po open`.
  public static let editCapFactor = 10

  /// Why a release cannot be made as asked: what kind of problem, the value, and the line as named.
  public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable { case unknownLine = "UNKNOWN_LINE", unknownSupplier = "UNKNOWN_SUPPLIER", invalidQuantity = "INVALID_QUANTITY",
                                          nothingToRelease = "NOTHING_TO_RELEASE", ambiguousLine = "AMBIGUOUS_LINE" }
    public var kind: Kind
    /// The offending value (a line id, a supplier, a quantity).
    public var value: String
    public var message: String
    /// The line as the caller named it (its id or SKU), when the problem is about one line.
    public var line: String?
    public var description: String { message }
  }

  /// A plan line with the PO it belongs to (deferred lines get the PO their supplier and ship-to would have).
  public struct PlanLine: Sendable {
    public var po: String
    public var line: SuggestedLine
  }

  /// Every line of the plan, suggested ones first (in PO order), then deferred and held ones.
  public static func lines(of plan: PurchasePlan) -> [PlanLine] {
    plan.orders.flatMap { po in po.lines.map { PlanLine(po: po.id, line: $0) } }
      + plan.deferred.map { PlanLine(po: PurchasePlanner.purchaseOrderID(date: plan.asOf, supplier: $0.supplier, location: $0.location), line: $0) }
  }

  /// Finds a line by its id or, when the SKU has one line in the plan, by the SKU alone.
  public static func find(_ id: String, in lines: [PlanLine]) throws(Problem) -> PlanLine {
    if let exact = lines.first(where: { $0.line.lineID == id }) { return exact }
    let bySKU = lines.filter { $0.line.sku == id }
    if bySKU.count == 1 { return bySKU[0] }
    if bySKU.count > 1 {
      throw Problem(kind: .ambiguousLine, value: id, message: "line \(LedgerText.excerpt(id)): the SKU has lines at \(bySKU.map(\.line.location).joined(separator: ", ")); name one as \(id)@LOCATION", line: id)
    }
    throw Problem(kind: .unknownLine, value: id, message: "line \(LedgerText.excerpt(id)) is not in the plan; expected a line id (sku@location) from po_suggestions.csv or deferred.csv", line: id)
  }

  /// A buyer's quantity for a line, rounded up to the MOQ and then to whole case packs and order
  /// multiples (their least common multiple), and the note that says so.
  public static func edited(_ quantity: Int, line: SuggestedLine) throws(Problem) -> (quantity: Int, adjustment: String) {
    let suggested = Int(line.quantity.rounded())
    let step = PolicyCalculator.lcm(max(1, line.casePack), max(1, line.orderMultiple))
    let cap = editCapFactor * max(suggested, line.moq, step)
    guard quantity >= 1 else {
      throw Problem(kind: .invalidQuantity, value: "\(quantity)",
                    message: "\(line.lineID): quantity \(quantity); expected a whole number from 1 to \(cap) (to order nothing, leave the line out)")
    }
    guard quantity <= cap else {
      throw Problem(kind: .invalidQuantity, value: "\(quantity)",
                    message: "\(line.lineID): quantity \(quantity) is more than \(editCapFactor) × the suggestion \(suggested); expected at most \(cap) (a larger order: replenish ledger po open)")
    }
    let rounded = Int(PolicyCalculator.roundOrderQuantity(Double(quantity), moq: line.moq, casePack: max(1, line.casePack), orderMultiple: max(1, line.orderMultiple)))
    guard quantity != suggested || rounded != quantity else { return (quantity, "") }
    let rules = "MOQ \(line.moq), case pack \(line.casePack), multiple \(line.orderMultiple)"
    let note = rounded == quantity ? "buyer set \(quantity) (suggested \(suggested))" : "buyer set \(quantity) → \(rounded) (\(rules); suggested \(suggested))"
    return (rounded, note)
  }

  /// The ledger releases for a selection, with per-line quantity edits (line id → units).
  public static func releases(plan: PurchasePlan, selection: Selection, edits: [String: Int] = [:], releasedBy: String) throws(Problem) -> [PurchaseRelease] {
    let all = lines(of: plan)
    var chosen: [PlanLine]
    switch selection {
    case .all:
      chosen = all.filter { $0.line.status == .suggested }
    case .supplier(let supplier):
      chosen = all.filter { $0.line.status == .suggested && $0.line.supplier == supplier }
      if chosen.isEmpty {
        let suppliers = Set(plan.orders.map(\.supplier)).sorted()
        throw Problem(kind: .unknownSupplier, value: supplier,
                      message: "supplier \(LedgerText.excerpt(supplier)) has no suggested lines in plan \(plan.planID); expected one of \(suppliers.isEmpty ? "(none: the plan suggests nothing)" : suppliers.joined(separator: ", "))")
      }
    case .lines(let ids):
      chosen = []
      for id in ids { chosen.append(try find(id, in: all)) }
    }
    var editsByLine: [String: (named: String, quantity: Int)] = [:]
    for (id, quantity) in edits.sorted(by: { $0.key < $1.key }) {
      let line = try find(id, in: all)
      guard chosen.contains(where: { $0.line.lineID == line.line.lineID }) else {
        throw Problem(kind: .unknownLine, value: id, message: "line \(LedgerText.excerpt(id)) has a quantity but is not among the lines released", line: id)
      }
      editsByLine[line.line.lineID] = (id, quantity)
    }
    guard !chosen.isEmpty else {
      throw Problem(kind: .nothingToRelease, value: plan.planID, message: "plan \(plan.planID) has no suggested lines to release")
    }
    var seen = Set<String>()
    var releases: [PurchaseRelease] = []
    for planLine in chosen where seen.insert(planLine.line.lineID).inserted {
      let line = planLine.line
      let suggested = Int(line.quantity.rounded())
      var (quantity, adjustment) = (suggested, "")
      if let edit = editsByLine[line.lineID] {
        do {
          (quantity, adjustment) = try edited(edit.quantity, line: line)
        } catch {
          var problem = error
          problem.line = edit.named
          throw problem
        }
      }
      releases.append(PurchaseRelease(
        planID: plan.planID, lineID: line.lineID, po: planLine.po, sku: line.sku, location: line.location, supplier: line.supplier, quantity: quantity,
        suggestedQuantity: suggested, unitCostMicros: Int(((line.unitCost ?? 0) * 1_000_000).rounded()), adjustment: adjustment, releasedBy: releasedBy))
    }
    return releases
  }

  // MARK: - Reading a plan

  /// The suggestions `replenish plan` wrote into `folder` (`po_suggestions.json`).
  public static func readPlan(folder: String) throws -> PurchasePlan {
    let path = (folder as NSString).appendingPathComponent("po_suggestions.json")
    guard let data = FileManager.default.contents(atPath: path) else {
      throw PlanFileError(path: path, message: "no plan here; expected the folder `replenish plan` wrote (its po_suggestions.json)")
    }
    do {
      return try JSONDecoder().decode(PurchasePlan.self, from: data)
    } catch let DecodingError.keyNotFound(key, context) {
      throw PlanFileError(path: path, message: "field \((context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: ".")) is missing; written by an older replenish? run `replenish plan` again")
    } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context), let DecodingError.dataCorrupted(context) {
      throw PlanFileError(path: path, message: "at \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)")
    }
  }

  public struct PlanFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
  }

  // MARK: - PO documents

  /// One purchase order as sent to the supplier: every line of the plan released under its PO number.
  public struct Document: Sendable {
    public var po: String
    public var supplier: String
    public var shipTo: String
    public var csv: String
    public var html: String
  }

  /// The PO documents of a plan's released lines (`LedgerStore.releases(planID:)`), one per PO.
  public static func documents(plan: PurchasePlan, released: [ReleaseRecord]) -> [Document] {
    let planLines = Dictionary(lines(of: plan).map { ($0.line.lineID, $0.line) }, uniquingKeysWith: { a, _ in a })
    let byPO = Dictionary(grouping: released, by: \.release.po)
    return byPO.keys.sorted().map { po in
      let records = byPO[po]!.sorted { $0.release.sku < $1.release.sku }
      let first = records[0].release
      var csv = "po,supplier,ship_to,line,sku,description,qty,unit_cost,line_value,expected_arrival,suggested_qty,adjustment,released_by,released_at\n"
      var rows = ""
      var total = 0.0
      for (k, record) in records.enumerated() {
        let r = record.release
        let line = planLines[r.lineID]
        let unitCost = Double(r.unitCostMicros) / 1_000_000
        let value = unitCost * Double(r.quantity)
        total += value
        let arrival = line.map { CivilDate(dayNumber: $0.expectedArrivalDay).description } ?? ""
        let released = LedgerText.iso(record.releasedAt)
        csv += [csvField(po), csvField(r.supplier), csvField(r.location), "\(k + 1)", csvField(r.sku), csvField(line?.description ?? ""), "\(r.quantity)",
                String(format: "%.2f", unitCost), String(format: "%.2f", value), arrival, "\(r.suggestedQuantity)", csvField(r.adjustment),
                csvField(r.releasedBy), released].joined(separator: ",") + "\n"
        rows += "<tr><td>\(k + 1)</td><td>\(HTMLText.escape(r.sku))</td><td>\(HTMLText.escape(line?.description ?? ""))</td><td class=n>\(HTMLText.grouped(Double(r.quantity), 0))</td>"
          + "<td class=n>\(HTMLText.grouped(unitCost, 2))</td><td class=n>\(HTMLText.grouped(value, 2))</td><td>\(arrival)</td>"
          + "<td>\(HTMLText.escape(r.adjustment))</td></tr>\n"
      }
      let releasedBy = Set(records.map(\.release.releasedBy)).sorted().joined(separator: ", ")
      let page = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTMLText.escape(po))</title>
        <style>
        body{font:14px/1.4 system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#111;padding:0 1rem}
        h1{font-size:1.4rem;margin:0 0 .5rem}table{border-collapse:collapse;width:100%;margin-top:1rem}
        th,td{border-bottom:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}dt{color:#555}tfoot td{font-weight:600}
        @media print{body{margin:0;max-width:none}a{color:inherit;text-decoration:none}}
        </style></head><body>
        <h1>Purchase order \(HTMLText.escape(po))</h1>
        <dl><dt>Supplier</dt><dd>\(HTMLText.escape(first.supplier))</dd><dt>Ship to</dt><dd>\(HTMLText.escape(first.location))</dd>
        <dt>Plan</dt><dd>\(HTMLText.escape(plan.planID)) (as of \(HTMLText.escape(plan.asOf)))</dd><dt>Released by</dt><dd>\(HTMLText.escape(releasedBy))</dd>
        <dt>Released</dt><dd>\(LedgerText.iso(records.map(\.releasedAt).max()!))</dd></dl>
        <table><thead><tr><th>#</th><th>SKU</th><th>Description</th><th class=n>Qty</th><th class=n>Unit cost</th><th class=n>Value</th><th>Expected</th><th>Buyer's change</th></tr></thead>
        <tbody>
        \(rows)</tbody>
        <tfoot><tr><td colspan=5>Total (\(records.count) line\(records.count == 1 ? "" : "s"))</td><td class=n>\(HTMLText.grouped(total, 2))</td><td colspan=2></td></tr></tfoot></table>
        </body></html>

        """
      return Document(po: po, supplier: first.supplier, shipTo: first.location, csv: csv, html: page)
    }
  }
}
