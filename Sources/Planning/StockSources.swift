import CSV
import Ledger
import TimeSeries

extension StockPosition {
  /// The planner's view of a ledger position (kits are not planned: their stock is their components').
  public init(_ p: Position) {
    self.init(sellable: Double(p.sellable), committed: Double(p.committed), backordered: Double(p.backordered), inbound: Double(p.inbound),
              inTransit: Double(p.inTransit), averageUnitCost: Double(p.averageUnitCostMicros) / 1_000_000)
  }
}

/// Where a plan's stock positions come from: the ledger, or a snapshot file exported from a shop.
public enum StockSource {
  /// Every non-kit position of the ledger now, and the past PO receipts (for learning lead times).
  public static func read(_ ledger: some StockLedger) throws -> (positions: StockPositions, receipts: [(sku: String, location: String, leadTimeDays: Double)]) {
    var out: StockPositions = [:]
    for p in try ledger.positions(sku: nil, location: nil, asOf: nil) where !p.isKit {
      out[StockKey(sku: p.sku, location: p.location)] = StockPosition(p)
    }
    return (out, try ledger.receivedPurchaseOrders())
  }

  /// What a plan's feedback reads from the ledger (`PlanInputs.realisedService`): each SKU × location's
  /// replenishment cycles that began in the `days` before the plan date, and how many ran out
  /// (`LedgerStore.realisedCycles`), with the totals for the plan's summary.
  public static func realisedService(_ ledger: LedgerStore, planDay: Int, days: Int = 365) throws
    -> (byKey: [StockKey: (cycles: Int, failed: Int)], cycles: Int, ranOut: Int)
  {
    let dayMillis: Int64 = 86_400_000
    let until = Int64(planDay + 1) * dayMillis
    let realised = try ledger.realisedCycles(from: until - Int64(days) * dayMillis, until: until)
    return (realised.mapValues { ($0.cycles, $0.ranOut) }, realised.values.reduce(0) { $0 + $1.cycles }, realised.values.reduce(0) { $0 + $1.ranOut })
  }
}

/// A stock snapshot: one row per SKU × location with what is on hand, committed and on order, as a shop
/// exports it (Shopify's inventory CSV reads as it is), so that a plan needs no ledger.
///
/// | column | required | names (case-insensitive) | meaning |
/// |---|---|---|---|
/// | sku | yes | `sku` | the SKU |
/// | location | no | `location` | the stocking location (empty: the history's single location) |
/// | on hand | one of the two | `on_hand`, `on hand` | physical units, including unavailable ones |
/// | available | | `available` | units free to sell (ATP) |
/// | committed | no | `committed` | units reserved for open orders |
/// | unavailable | no | `unavailable` | damaged, quarantined, safety-held units (not sellable) |
/// | incoming | no | `incoming`, `inbound`, `on_order` | on open purchase orders |
/// | in transit | no | `in_transit` | in transfers between locations |
/// | backordered | no | `backordered` | ordered by customers beyond stock |
/// | unit cost | no | `unit_cost` | landed unit cost |
///
/// sellable = on hand − unavailable (when on hand is given), else available + committed; when both are
/// given they must agree (on hand − unavailable − committed = available). Whole units ≥ 0; a SKU ×
/// location listed twice is refused. Shopify's descriptive columns (handle, title, option names and
/// values, HS code, country of origin) are accepted and ignored; any other column is refused.
public enum StockSnapshot {
  static let columns = [
    "sku", "location", "on_hand", "on hand", "available", "committed", "unavailable", "incoming", "inbound", "on_order", "in_transit",
    "backordered", "unit_cost",
  ]
  static let shopifyColumns = [
    "handle", "title", "option1 name", "option1 value", "option2 name", "option2 value", "option3 name", "option3 value", "hs code", "coo",
  ]

  public static func read(path: String) throws(CSVError) -> StockPositions {
    let table = try CSVTable.read(path: path, required: ["sku"], known: columns + shopifyColumns)
    func first(_ names: [String]) -> String? { names.first { table.header.contains($0) } }
    let onHandColumn = first(["on_hand", "on hand"]), incomingColumn = first(["incoming", "inbound", "on_order"])
    guard onHandColumn != nil || table.header.contains("available") else {
      throw CSVError(.missingColumn, file: path, line: 1, problem: "neither 'on_hand' nor 'available' (found: \(table.header.joined(separator: ", ")))",
                     expected: "a column with the units on hand (on_hand) or available to sell (available)")
    }
    var out: StockPositions = [:]
    for row in table.rows {
      guard let sku = row.text("sku") else { throw row.error("sku", value: "", problem: "empty SKU", expected: "a SKU code") }
      let key = StockKey(sku: sku, location: row.text("location") ?? "")
      guard out[key] == nil else {
        throw row.error("sku", value: sku, problem: "SKU listed twice for location '\(key.location)'", expected: "one row per SKU and location")
      }
      func units(_ column: String?) throws(CSVError) -> Int? {
        guard let column else { return nil }
        return try row.integer(column, minimum: 0)
      }
      // Available may be negative (Shopify: oversold, committed beyond what is on hand).
      let onHand = try units(onHandColumn), available = try row.integer("available"), committed = try units("committed") ?? 0
      let unavailable = try units("unavailable") ?? 0
      let sellable: Int
      if let onHand {
        guard onHand >= unavailable else {
          throw row.error("unavailable", value: "\(unavailable)", problem: "more unavailable than on hand (\(onHand))", expected: "unavailable ≤ on hand")
        }
        sellable = onHand - unavailable
        if let available, available != sellable - committed {
          throw row.error("available", value: "\(available)",
                          problem: "on hand \(onHand) − unavailable \(unavailable) − committed \(committed) = \(sellable - committed), not \(available)",
                          expected: "available = on hand − unavailable − committed")
        }
      } else {
        sellable = (available ?? 0) + committed
        guard sellable >= 0 else {
          throw row.error("available", value: "\(available ?? 0)", problem: "available + committed is negative", expected: "available ≥ −committed")
        }
      }
      let cost = try row.number("unit_cost", range: 0...1e9, expected: "a cost ≥ 0") ?? 0
      out[key] = StockPosition(
        sellable: Double(sellable), committed: Double(committed), backordered: Double(try units("backordered") ?? 0),
        inbound: Double(try units(incomingColumn) ?? 0), inTransit: Double(try units("in_transit") ?? 0), averageUnitCost: cost)
    }
    return out
  }
}
