import GRDB

// The ledger's tables as record types: every read of a table goes through these, and each type maps its
// columns in one place. The hot ones (read or written by every event) map rows by hand, by position from
// their own column list (`columns`, `init(row:)`, `encode(to:)`): GRDB's Codable path cost a quarter of the
// per-event time on the ledger benchmark, and reading by column name about a tenth of a CSV import.

/// Stock buckets of a position. Physical ones hold units that exist at (or are travelling to) a
/// location; the others are claims on or promises of stock. Stored as their raw value (the column name).
public enum Bucket: String, CaseIterable, Sendable, Codable, DatabaseValueConvertible {
  case sellable, committed, backordered, inbound, inTransit = "in_transit", quarantine, damaged
  public var isPhysical: Bool { self == .sellable || self == .inTransit || self == .quarantine || self == .damaged }
  var column: String { rawValue }
}

/// Why a movement happened, for conservation checks: receipts, shipments, returns and adjustments cross
/// the ledger's boundary; internal movements only move units between buckets or locations. Stored as text.
public enum MovementFlow: String, CaseIterable, Sendable, Codable, DatabaseValueConvertible {
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
enum POLineStatus: String, Codable, DatabaseValueConvertible {
  case open, received, cancelled
}

struct LocationRecord: Codable, FetchableRecord, PersistableRecord {
  static let databaseTableName = "locations"
  var location: String
  var region: String
}

struct SKURecord: Codable, FetchableRecord, TableRecord {
  static let databaseTableName = "skus"
  static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  var sku: String
  var allowBackorder: Bool
  var isKit: Bool
  var lastAt: Int64

  /// The columns `init(row:)` reads, in its order (select them with `SKURecord.columns`).
  static let columns = "sku, allow_backorder, is_kit, last_at"

  init(row: Row) throws {
    (sku, allowBackorder, isKit, lastAt) = (row[0], row[1], row[2], row[3])
  }
}

struct KitComponentRecord: Codable, FetchableRecord, TableRecord {
  static let databaseTableName = "kit_components"
  var kit: String
  var component: String
  var qty: Int
}

/// The cached balances of one (SKU, location).
struct PositionRecord: Codable, FetchableRecord, TableRecord {
  static let databaseTableName = "positions"
  static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
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

  init(row: Row) throws {
    (sku, location, sellable, committed, backordered) = (row[0], row[1], row[2], row[3], row[4])
    (inbound, inTransit, quarantine, damaged, avgCostMicros) = (row[5], row[6], row[7], row[8], row[9])
  }

  var availableToPromise: Int { sellable - committed }
}

struct EventRecord: Codable, FetchableRecord, TableRecord {
  static let databaseTableName = "events"
  static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  var id: Int64
  var payload: String
  var status: EventOutcome.Status
  var errorCode: String?
  var errorMessage: String?

  init(row: Row) throws {
    id = row["id"]
    payload = row["payload"]
    guard let s = EventOutcome.Status(rawValue: row["status"] as String) else { throw LedgerError(.notALedger, "event \(id) has an unknown status") }
    status = s
    errorCode = row["error_code"]
    errorMessage = row["error_message"]
  }
}

extension EventOutcome.Status: DatabaseValueConvertible {}

/// One component row of an order line (a plain SKU's line has one row, component = sku).
struct OrderLineRecord: Codable, FetchableRecord, PersistableRecord {
  static let databaseTableName = "order_lines"
  static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
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

  init(row: Row) throws {
    (orderId, line, component, sku, location, qtyPer) = (row[0], row[1], row[2], row[3], row[4], row[5])
    (reserved, backordered, shipped, released, returned, seq) = (row[6], row[7], row[8], row[9], row[10], row[11])
  }

  func encode(to container: inout PersistenceContainer) throws {
    container["order_id"] = orderId
    container["line"] = line
    container["component"] = component
    container["sku"] = sku
    container["location"] = location
    container["qty_per"] = qtyPer
    container["reserved"] = reserved
    container["backordered"] = backordered
    container["shipped"] = shipped
    container["released"] = released
    container["returned"] = returned
    container["seq"] = seq
  }

  /// Reserved and neither shipped nor released (committed or backordered).
  var open: Int { reserved - shipped - released }
  /// Open and holding stock (not waiting as a backorder).
  var committed: Int { open - backordered }
}

struct POLineRecord: Codable, FetchableRecord, PersistableRecord {
  static let databaseTableName = "po_lines"
  static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
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

  var remaining: Int { ordered - received }
}

struct ReceiptLineRecord: Codable, FetchableRecord, PersistableRecord {
  static let databaseTableName = "receipt_lines"
  static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
  var receipt: String
  var eventId: Int64
  var sku: String
  var location: String
  var qty: Int
  var valueMicros: Int
  var landedMicros: Int = 0
}

struct TransferRecord: Codable, FetchableRecord, PersistableRecord {
  static let databaseTableName = "transfers"
  static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
  static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
  var transfer: String
  var sku: String
  var fromLocation: String
  var toLocation: String
  var qty: Int
  var received: Int = 0
  var costMicros: Int

  var inTransit: Int { qty - received }
}

extension FetchableRecord where Self: Decodable {
  /// One record from a prepared statement that is compiled once per connection (an event runs a dozen
  /// small statements; compiling each every time cost more than executing it).
  static func fetchOne(_ db: Database, cached sql: String, arguments: StatementArguments = []) throws -> Self? {
    try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
  }

  static func fetchAll(_ db: Database, cached sql: String, arguments: StatementArguments = []) throws -> [Self] {
    try fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
  }
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
