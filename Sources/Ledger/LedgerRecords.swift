
// The ledger's tables as record types: every read of a table goes through these, and each type maps its
// columns in one place (`init(row:)`). The hot ones (read or written by every event) map rows by position
// from their own column list (`columns`): reading by column name cost about a tenth of a CSV import.

/// Stock buckets of a position. Physical ones hold units that exist at (or are travelling to) a
/// location; the others are claims on or promises of stock. Stored as their raw value (the column name).
public enum Bucket: String, CaseIterable, Sendable, Codable, SQLTextEnum {
  case sellable, committed, backordered, inbound, inTransit = "in_transit", quarantine, damaged
  public var isPhysical: Bool { self == .sellable || self == .inTransit || self == .quarantine || self == .damaged }
  var column: String { rawValue }
}

/// Why a movement happened, for conservation checks: receipts, shipments, returns and adjustments cross
/// the ledger's boundary; internal movements only move units between buckets or locations. Stored as text.
public enum MovementFlow: String, CaseIterable, Sendable, Codable, SQLTextEnum {
  case receipt, shipment, `return`, adjustment, `internal`
}

/// A return's disposition.
public enum ReturnReason: String, CaseIterable, Sendable, Codable {
  /// Back into stock after inspection: quarantine until `inspect`.
  case restock
  /// Not resaleable: leaves the ledger.
  case scrap
}

/// The outcome of inspecting quarantined stock.
public enum InspectionResult: String, CaseIterable, Sendable, Codable {
  case pass, fail
}

/// Why stock is adjusted.
public enum AdjustmentReason: String, CaseIterable, Sendable, Codable {
  /// Sellable units lost (theft, miscount).
  case shrink
  /// Sellable units damaged: sellable → damaged.
  case damage
  /// Units found: sellable +.
  case found
  /// Damaged units thrown away: damaged −.
  case dispose
}

/// A purchase-order line's state.
enum POLineStatus: String, Codable, SQLTextEnum {
  case open, received, cancelled
}

struct LocationRecord: SQLRecord {
  var location: String
  var region: String

  init(row: SQLRow) { (location, region) = (row["location"], row["region"]) }
}

struct SKURecord: SQLRecord {
  var sku: String
  var allowBackorder: Bool
  var isKit: Bool
  var lastAt: Int64

  /// The columns `init(row:)` reads, in its order (select them with `SKURecord.columns`).
  static let columns = "sku, allow_backorder, is_kit, last_at"

  init(row: SQLRow) {
    (sku, allowBackorder, isKit, lastAt) = (row[0], row[1], row[2], row[3])
  }
}

struct KitComponentRecord: SQLRecord {
  var kit: String
  var component: String
  var qty: Int

  init(row: SQLRow) { (kit, component, qty) = (row["kit"], row["component"], row["qty"]) }
}

/// The cached balances of one (SKU, location).
struct PositionRecord: SQLRecord {
  var sku: String
  var location: String
  var sellable: Int
  var committed: Int
  var backordered: Int
  var inbound: Int
  var inTransit: Int
  var quarantine: Int
  var damaged: Int
  var avgCostMicros: Int

  /// The columns `init(row:)` reads, in its order (select them with `PositionRecord.columns`).
  static let columns = "sku, location, sellable, committed, backordered, inbound, in_transit, quarantine, damaged, avg_cost_micros"

  init(row: SQLRow) {
    (sku, location, sellable, committed, backordered) = (row[0], row[1], row[2], row[3], row[4])
    (inbound, inTransit, quarantine, damaged, avgCostMicros) = (row[5], row[6], row[7], row[8], row[9])
  }

  var availableToPromise: Int { sellable - committed }
}

struct EventRecord: SQLRecord {
  var id: Int64
  var payload: String
  var status: EventOutcome.Status
  var errorCode: String?
  var errorMessage: String?

  init(row: SQLRow) throws {
    id = row["id"]
    payload = row["payload"]
    guard let s = EventOutcome.Status(rawValue: row["status"] as String) else { throw LedgerError(.notALedger, "event \(id) has an unknown status") }
    status = s
    errorCode = row["error_code"]
    errorMessage = row["error_message"]
  }
}

extension EventOutcome.Status: SQLTextEnum {}

/// One component row of an order line (a plain SKU's line has one row, component = sku).
struct OrderLineRecord: SQLRecord {
  var orderId: String
  var line: String
  var component: String
  var sku: String
  var location: String
  var qtyPer: Int
  var reserved: Int
  var backordered: Int = 0
  var shipped: Int = 0
  var released: Int = 0
  var returned: Int = 0
  var seq: Int64

  init(orderId: String, line: String, component: String, sku: String, location: String, qtyPer: Int, reserved: Int, backordered: Int = 0, seq: Int64) {
    self.orderId = orderId
    self.line = line
    self.component = component
    self.sku = sku
    self.location = location
    self.qtyPer = qtyPer
    self.reserved = reserved
    self.backordered = backordered
    self.seq = seq
  }

  /// The columns `init(row:)` reads, in its order (select them with `OrderLineRecord.columns`).
  static let columns = "order_id, line, component, sku, location, qty_per, reserved, backordered, shipped, released, returned, seq"

  init(row: SQLRow) {
    (orderId, line, component, sku, location, qtyPer) = (row[0], row[1], row[2], row[3], row[4], row[5])
    (reserved, backordered, shipped, released, returned, seq) = (row[6], row[7], row[8], row[9], row[10], row[11])
  }


  /// Reserved and neither shipped nor released (committed or backordered).
  var open: Int { reserved - shipped - released }
  /// Open and holding stock (not waiting as a backorder).
  var committed: Int { open - backordered }
}

struct POLineRecord: SQLRecord {
  var po: String
  var sku: String
  var location: String
  var ordered: Int
  var received: Int = 0
  var unitCostMicros: Int
  var tolerancePercent: Int
  var status: POLineStatus
  var openedAt: Int64
  var closedAt: Int64?

  init(po: String, sku: String, location: String, ordered: Int, unitCostMicros: Int, tolerancePercent: Int, status: POLineStatus, openedAt: Int64) {
    (self.po, self.sku, self.location, self.ordered, self.unitCostMicros) = (po, sku, location, ordered, unitCostMicros)
    (self.tolerancePercent, self.status, self.openedAt) = (tolerancePercent, status, openedAt)
  }

  init(row: SQLRow) {
    (po, sku, location, ordered, received) = (row["po"], row["sku"], row["location"], row["ordered"], row["received"])
    (unitCostMicros, tolerancePercent, status) = (row["unit_cost_micros"], row["tolerance_percent"], row["status"])
    (openedAt, closedAt) = (row["opened_at"], row["closed_at"])
  }

  func insert(_ db: any SQLConnection) throws {
    try db.cached("""
      INSERT INTO po_lines (po, sku, location, ordered, received, unit_cost_micros, tolerance_percent, status, opened_at, closed_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """, arguments: [po, sku, location, ordered, received, unitCostMicros, tolerancePercent, status, openedAt, closedAt])
  }

  var remaining: Int { ordered - received }
}

struct ReceiptLineRecord: SQLRecord {
  var receipt: String
  var eventId: Int64
  var sku: String
  var location: String
  var qty: Int
  var valueMicros: Int
  var landedMicros: Int = 0

  init(receipt: String, eventId: Int64, sku: String, location: String, qty: Int, valueMicros: Int) {
    (self.receipt, self.eventId, self.sku, self.location, self.qty, self.valueMicros) = (receipt, eventId, sku, location, qty, valueMicros)
  }

  init(row: SQLRow) {
    (receipt, eventId, sku, location) = (row["receipt"], row["event_id"], row["sku"], row["location"])
    (qty, valueMicros, landedMicros) = (row["qty"], row["value_micros"], row["landed_micros"])
  }

  func insert(_ db: any SQLConnection) throws {
    try db.cached("""
      INSERT INTO receipt_lines (receipt, event_id, sku, location, qty, value_micros, landed_micros) VALUES (?, ?, ?, ?, ?, ?, ?)
      """, arguments: [receipt, eventId, sku, location, qty, valueMicros, landedMicros])
  }
}

struct TransferRecord: SQLRecord {
  var transfer: String
  var sku: String
  var fromLocation: String
  var toLocation: String
  var qty: Int
  var received: Int = 0
  var costMicros: Int

  init(transfer: String, sku: String, fromLocation: String, toLocation: String, qty: Int, costMicros: Int) {
    (self.transfer, self.sku, self.fromLocation, self.toLocation, self.qty, self.costMicros) = (transfer, sku, fromLocation, toLocation, qty, costMicros)
  }

  init(row: SQLRow) {
    (transfer, sku, fromLocation, toLocation) = (row["transfer"], row["sku"], row["from_location"], row["to_location"])
    (qty, received, costMicros) = (row["qty"], row["received"], row["cost_micros"])
  }

  func insert(_ db: any SQLConnection) throws {
    try db.cached("""
      INSERT INTO transfers (transfer, sku, from_location, to_location, qty, received, cost_micros) VALUES (?, ?, ?, ?, ?, ?, ?)
      """, arguments: [transfer, sku, fromLocation, toLocation, qty, received, costMicros])
  }

  var inTransit: Int { qty - received }
}

/// Moving-average unit cost after `addedUnits` arrive carrying `addedValue` (micro-units) on top of
/// `onHand` units at `average`: (onHand·average + addedValue) / (onHand + addedUnits), rounded to the
/// micro-unit. Receipts add units at their landed cost, transfers at the origin's average, a landed-cost
/// bill adds value without units. `average` is kept when nothing is on hand afterwards.
func movingAverageCost(onHand: Int, average: Int, addedUnits: Int, addedValue: Double) -> Int {
  let units = onHand + addedUnits
  guard units > 0 else { return average }
  return Int(((Double(onHand) * Double(average) + addedValue) / Double(units)).rounded())
}
