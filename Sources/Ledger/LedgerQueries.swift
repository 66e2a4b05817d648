import Foundation

/// The buckets of one (SKU, location) and what can be promised from them.
public struct Position: Sendable, Codable, Equatable {
  public var sku: String
  public var location: String
  public var region: String
  public var sellable = 0
  public var committed = 0
  public var backordered = 0
  public var inbound = 0
  public var inTransit = 0
  public var quarantine = 0
  public var damaged = 0
  public var averageUnitCostMicros = 0
  /// Whether the SKU is a kit (its buckets other than committed/backordered are derived from components).
  public var isKit = false

  /// Available to promise: sellable − committed (never negative by construction).
  public var availableToPromise: Int { sellable - committed }
  /// On hand at the location: sellable + quarantine + damaged.
  public var onHand: Int { sellable + quarantine + damaged }

  public init(sku: String, location: String, region: String) {
    self.sku = sku
    self.location = location
    self.region = region
  }

  init(_ r: PositionRecord, region: String) {
    self.init(sku: r.sku, location: r.location, region: region)
    (sellable, committed, backordered, inbound) = (r.sellable, r.committed, r.backordered, r.inbound)
    (inTransit, quarantine, damaged, averageUnitCostMicros) = (r.inTransit, r.quarantine, r.damaged, r.avgCostMicros)
  }

  public subscript(bucket: Bucket) -> Int {
    get {
      switch bucket {
      case .sellable: sellable
      case .committed: committed
      case .backordered: backordered
      case .inbound: inbound
      case .inTransit: inTransit
      case .quarantine: quarantine
      case .damaged: damaged
      }
    }
    set {
      switch bucket {
      case .sellable: sellable = newValue
      case .committed: committed = newValue
      case .backordered: backordered = newValue
      case .inbound: inbound = newValue
      case .inTransit: inTransit = newValue
      case .quarantine: quarantine = newValue
      case .damaged: damaged = newValue
      }
    }
  }
}

/// One movement in a SKU's history, with the event that caused it.
public struct MovementRecord: Sendable, Codable, SQLRecord {
  public let at: Int64
  public let eventID: Int64
  public let source: String
  public let key: String
  public let kind: EventKind
  public let location: String
  public let bucket: Bucket
  public let qty: Int

  enum CodingKeys: String, CodingKey {
    case at, eventID = "event_id", source, key, kind, location, bucket, qty
  }

  init(row: SQLRow) {
    (at, eventID, source, key) = (row["at"], row["event_id"], row["source"], row["key"])
    (kind, location, bucket, qty) = (row["kind"], row["location"], row["bucket"], row["qty"])
  }
}

extension EventKind: SQLTextEnum {}

/// One (SKU, location, bucket) total of movements.
struct BucketTotal: SQLRecord {
  var sku: String
  var location: String
  var bucket: Bucket
  var qty: Int

  init(row: SQLRow) { (sku, location, bucket, qty) = (row["sku"], row["location"], row["bucket"], row["qty"]) }
}

extension LedgerStore {
  /// Positions now (from the cached balances) or as of a past time (summing movements up to it), with
  /// kit positions derived from their components: kit ATP = min over components ⌊component ATP ÷ qty⌋.
  public func positions(sku: String? = nil, location: String? = nil, asOf: Int64? = nil) throws -> [Position] {
    try read { db in try Self.positions(db, sku: sku, location: location, asOf: asOf) }
  }

  /// `positions(sku:location:asOf:)` inside a transaction already open (reads or writes).
  static func positions(_ db: any SQLConnection, sku: String?, location: String?, asOf: Int64?) throws -> [Position] {
    var result: [String: [String: Position]] = [:]
    let regions = Dictionary(uniqueKeysWithValues: try LocationRecord.fetchAll(db, sql: "SELECT * FROM locations").map { ($0.location, $0.region) })
    if let sku { guard try Self.skuExists(db, sku) else { throw LedgerError(.unknownSKU, "SKU \(LedgerText.excerpt(sku)) is not in the ledger") } }
    if let location, regions[location] == nil { throw LedgerError(.unknownLocation, "location \(LedgerText.excerpt(location)) is not in the ledger") }
    // The SKUs to read: the one asked for plus, for a kit, its components; or all.
    var wanted: [String]? = nil
    if let sku {
      wanted = [sku] + (try KitComponentRecord.fetchAll(db, sql: "SELECT * FROM kit_components WHERE kit = ?", arguments: [sku]).map(\.component))
    }
    let skuFilter = wanted.map { "sku IN (\($0.map { _ in "?" }.joined(separator: ",")))" } ?? "TRUE"
    let arguments: [any SQLBindable] = wanted ?? []
    if let asOf {
      let totals = try BucketTotal.fetchAll(db, sql: "SELECT sku, location, bucket, SUM(qty) AS qty FROM movements WHERE at <= ? AND \(skuFilter) GROUP BY sku, location, bucket",
                                            arguments: [asOf] + arguments)
      for t in totals {
        var p = result[t.sku]?[t.location] ?? Position(sku: t.sku, location: t.location, region: regions[t.location] ?? "")
        p[t.bucket] = t.qty
        result[t.sku, default: [:]][t.location] = p
      }
    } else {
      for r in try PositionRecord.fetchAll(db, sql: "SELECT \(PositionRecord.columns) FROM positions WHERE \(skuFilter)", arguments: arguments) {
        result[r.sku, default: [:]][r.location] = Position(r, region: regions[r.location] ?? "")
      }
    }
    // Kits: derived availability per location where any component has a position.
    let kits = try KitComponentRecord.fetchAll(db, sql: "SELECT * FROM kit_components WHERE ? IS NULL OR kit = ? ORDER BY kit", arguments: [sku, sku])
    let byKit = Dictionary(grouping: kits, by: \.kit)
    let locations = Set(result.values.flatMap(\.keys))
    for (kit, parts) in byKit {
      for l in locations {
        var kitPosition = Position(sku: kit, location: l, region: regions[l] ?? "")
        kitPosition.isKit = true
        var possible = Int.max
        var anyComponent = false
        for part in parts {
          let p = result[part.component]?[l]
          if p != nil { anyComponent = true }
          possible = min(possible, (p?.availableToPromise ?? 0) / part.qty)
        }
        guard anyComponent else { continue }
        // Expressed as sellable = possible kits (committed kits are already inside component committed).
        kitPosition.sellable = possible
        kitPosition.backordered = try db.cachedInt("""
          SELECT COALESCE(SUM(backordered), 0) FROM order_lines
          WHERE sku = ? AND location = ? AND component = (SELECT MIN(component) FROM kit_components WHERE kit = ?)
          """, arguments: [kit, l, kit]) ?? 0
        result[kit, default: [:]][l] = kitPosition
      }
    }
    return result.values.flatMap(\.values)
      .filter { (sku == nil || $0.sku == sku) && (location == nil || $0.location == location) }
      .sorted { ($0.sku, $0.location) < ($1.sku, $1.location) }
  }

  /// The latest `limit` movements of one SKU, newest first; none for a SKU the ledger does not know.
  public func recentHistory(sku: String, limit: Int) throws -> [MovementRecord] {
    try read { db in
      try MovementRecord.fetchAll(db, sql: """
        SELECT m.at, m.event_id, e.source, e.key, e.kind, m.location, m.bucket, m.qty FROM movements m JOIN events e ON e.id = m.event_id
        WHERE m.sku = ? ORDER BY m.at DESC, m.id DESC LIMIT ?
        """, arguments: [sku, limit])
    }
  }

  /// The movements of one SKU in time order (optionally at one location).
  public func history(sku: String, location: String? = nil, limit: Int = 10_000) throws -> [MovementRecord] {
    try read { db in
      guard try Self.skuExists(db, sku) else { throw LedgerError(.unknownSKU, "SKU \(LedgerText.excerpt(sku)) is not in the ledger") }
      return try MovementRecord.fetchAll(db, sql: """
        SELECT m.at, m.event_id, e.source, e.key, e.kind, m.location, m.bucket, m.qty FROM movements m JOIN events e ON e.id = m.event_id
        WHERE m.sku = ? AND (? IS NULL OR m.location = ?) ORDER BY m.at, m.id LIMIT ?
        """, arguments: [sku, location, location, limit])
    }
  }

  /// Counts of events by status, for summaries.
  public func eventCounts() throws -> (applied: Int, rejected: Int, movements: Int) {
    try read { db in
      let applied = try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE status = 'applied'")!
      let rejected = try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE status = 'rejected'")!
      let movements = try Int.fetchOne(db, sql: "SELECT count(*) FROM movements")!
      return (applied, rejected, movements)
    }
  }

  /// Known SKUs and locations (with regions).
  public func masterData() throws -> (skus: [String], locations: [(String, String)]) {
    try read { db in
      (try String.fetchAll(db, sql: "SELECT sku FROM skus ORDER BY sku"),
       try LocationRecord.fetchAll(db, sql: "SELECT * FROM locations ORDER BY location").map { ($0.location, $0.region) })
    }
  }

  /// Past PO receipts per SKU: (lead time in days from PO open to the receipt that closed it), for
  /// learning lead-time statistics.
  public func receivedPurchaseOrders() throws -> [(sku: String, location: String, leadTimeDays: Double)] {
    try read { db in
      try POLineRecord.fetchAll(db, sql: "SELECT * FROM po_lines WHERE status = 'received' AND closed_at IS NOT NULL").map {
        ($0.sku, $0.location, Double($0.closedAt! - $0.openedAt) / 86_400_000)
      }
    }
  }
}

/// A channel's share of ATP: `max(0, min(cap, ATP − buffer − ⌈ATP·bufferPercent/100⌉))`.
public struct ChannelAllocation: Sendable {
  public var name: String
  public var buffer: Int
  public var bufferPercent: Int
  public var cap: Int?

  public init(name: String, buffer: Int = 0, bufferPercent: Int = 0, cap: Int? = nil) {
    self.name = name
    self.buffer = buffer
    self.bufferPercent = bufferPercent
    self.cap = cap
  }

  /// The allocation with its rules checked: buffer ≥ 0, 0 ≤ percent ≤ 100, cap ≥ 0 (a negative buffer
  /// would publish units the shop does not have).
  public static func validated(name: String, buffer: Int, bufferPercent: Int, cap: Int?) throws(LedgerError) -> ChannelAllocation {
    guard buffer >= 0 else { throw LedgerError(.invalidQuantity, "--buffer \(buffer): expected units ≥ 0 held back from the channel") }
    guard (0...100).contains(bufferPercent) else { throw LedgerError(.invalidQuantity, "--buffer-percent \(bufferPercent): expected a percentage 0–100") }
    if let cap, cap < 0 { throw LedgerError(.invalidQuantity, "--cap \(cap): expected units ≥ 0") }
    return ChannelAllocation(name: name, buffer: buffer, bufferPercent: bufferPercent, cap: cap)
  }

  public func publishable(_ atp: Int) -> Int {
    let percent = (atp * bufferPercent + 99) / 100
    var q = atp - buffer - max(0, percent)
    if let cap { q = min(q, cap) }
    return max(0, q)
  }
}

/// A purchase-order line as the ledger holds it.
public struct PurchaseOrderLine: Sendable, Equatable {
  public var po: String
  public var sku: String
  public var location: String
  public var ordered: Int
  public var received: Int
  public var unitCostMicros: Int
  /// open, received or cancelled.
  public var status: String
  /// Milliseconds since 1970 UTC.
  public var openedAt: Int64
}

extension LedgerStore {
  /// The PO lines of one SKU, open ones first, newest first.
  public func purchaseOrderLines(sku: String) throws -> [PurchaseOrderLine] {
    try read { db in
      try POLineRecord.fetchAll(db, sql: "SELECT * FROM po_lines WHERE sku = ? ORDER BY status != 'open', opened_at DESC, po", arguments: [sku]).map {
        PurchaseOrderLine(po: $0.po, sku: $0.sku, location: $0.location, ordered: $0.ordered, received: $0.received, unitCostMicros: $0.unitCostMicros,
                          status: $0.status.rawValue, openedAt: $0.openedAt)
      }
    }
  }
}
