import Foundation
import TimeSeries

/// One write from a channel (one HTTP call): its events, applied all-or-nothing or one by one; its
/// idempotency identity (`source` = the authenticated channel, `key` = its Idempotency-Key, `fingerprint`
/// = a digest of the request); the checks that must hold before anything is applied; and how to render the
/// response, which is stored with the request so that a retry gets the same status and body.
public struct WriteRequest: Sendable {
  public enum Atomicity: Sendable {
    /// Every event applies or none does (the stored response names the refused ones).
    case allOrNothing
    /// Each event on its own: a refusal is recorded and the others still apply.
    case perEvent
  }

  /// Checked inside the transaction before the events; a failure refuses the whole request.
  public enum Precondition: Sendable, Equatable {
    /// Compare-and-swap for counts: the sellable shelf (available + committed) at (sku, location) must be
    /// `quantity` now (`change_from_quantity`).
    case shelfEquals(sku: String, location: String, quantity: Int)
    /// A new order: the id must be unused; it is recorded as the channel's.
    case newOrder(String)
    /// An existing order of this channel (another channel's order is reported as unknown).
    case ownOrder(String)
  }

  public var source: String
  public var key: String
  public var fingerprint: String
  public var events: [LedgerEvent]
  public var atomicity: Atomicity
  public var preconditions: [Precondition]
  /// The order whose state this request changes: an `orders/updated` change is logged for it.
  public var order: String?
  /// Suggested PO lines released from a plan, each on its own (a line released before answers with its
  /// record and changes nothing; a refused one is rolled back and recorded nowhere). With releases,
  /// `events` is empty: each release makes its own `po_open`.
  public var releases: [PurchaseRelease] = []
  /// The response for the outcome (computed inside the transaction, stored with the request record).
  public var render: @Sendable (WriteOutcome) -> StoredResponse

  public init(source: String, key: String, fingerprint: String, events: [LedgerEvent], atomicity: Atomicity,
              preconditions: [Precondition] = [], order: String? = nil, releases: [PurchaseRelease] = [],
              render: @escaping @Sendable (WriteOutcome) -> StoredResponse) {
    self.releases = releases
    self.source = source
    self.key = key
    self.fingerprint = fingerprint
    self.events = events
    self.atomicity = atomicity
    self.preconditions = preconditions
    self.order = order
    self.render = render
  }
}

/// What a write did: each event's outcome, whether anything was kept, the refusal of a precondition,
/// and the state after (the levels of every position it touched, the order it changed).
public struct WriteOutcome: Sendable {
  public var outcomes: [EventOutcome]
  public var committed: Bool
  public var refusal: LedgerError?
  public var levels: [InventoryLevel]
  public var order: OrderState?
  /// One outcome per `WriteRequest.releases` line, in order.
  public var releases: [ReleaseOutcome] = []
}

/// A response as stored for replays: HTTP status and JSON body. `appliedEvents` and `refusalCode` say
/// what a fresh response reports, for the server's metrics, without parsing the body again; they are not
/// stored (a replay has 0 and nil).
public struct StoredResponse: Sendable, Equatable {
  public var status: Int
  public var body: String
  public var appliedEvents: Int
  public var refusalCode: String?

  public init(status: Int, body: String, appliedEvents: Int = 0, refusalCode: String? = nil) {
    self.status = status
    self.body = body
    self.appliedEvents = appliedEvents
    self.refusalCode = refusalCode
  }
}

/// The result of one write request.
public enum WriteResult: Sendable, Equatable {
  /// Done now, or earlier (`replayed`): the stored response.
  case completed(StoredResponse, replayed: Bool)
  /// The key was used before for a different request (fingerprint differs); nothing changed.
  case keyReused(String)
  /// The ledger could not be written (locked, disk full): nothing changed, nothing stored; retry.
  case unavailable(LedgerError)
}

extension LedgerStore {
  /// Applies write requests in one SQLite transaction (group commit: one fsync for many requests), each
  /// in its own savepoint so that every request keeps its own all-or-nothing outcome and request record.
  /// For every request that changed stock, the new levels of the positions it touched (and of the kits
  /// built from them) are logged as `inventory_levels/update` changes, and its order's state as
  /// `orders/updated`, in the same transaction, with a delivery queued for each matching webhook
  /// subscription (the transactional outbox).
  public func perform(_ requests: [WriteRequest]) -> [WriteResult] {
    do {
      return try write { db in
        var results: [WriteResult] = []
        results.reserveCapacity(requests.count)
        for request in requests { results.append(try perform(request, db: db)) }
        return results
      }
    } catch let error as LedgerError {
      return requests.map { _ in .unavailable(error) }
    } catch {
      return requests.map { _ in .unavailable(LedgerError(.cannotWrite, "\(path): \(error)")) }
    }
  }

  private func perform(_ request: WriteRequest, db: any SQLConnection) throws -> WriteResult {
    if let earlier = try SQLRow.fetchOne(db, sql: "SELECT fingerprint, status, body FROM request_records WHERE source = ? AND key = ?",
                                      arguments: [request.source, request.key]) {
      guard (earlier[0] as String) == request.fingerprint else {
        return .keyReused("Idempotency-Key \(LedgerText.excerpt(request.key)) was used by \(request.source) for a different request; nothing changed")
      }
      return .completed(StoredResponse(status: earlier[1], body: earlier[2]), replayed: true)
    }
    let now = clock()
    let outcome = try execute(request, now: now, db: db)
    let response = request.render(outcome)
    try db.cached("INSERT INTO request_records (source, key, fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                  arguments: [request.source, request.key, request.fingerprint, response.status, response.body, now])
    return .completed(response, replayed: false)
  }

  /// A request's effect inside its own savepoint, without its idempotency record (the caller keeps that,
  /// or, like `release(_:)`, has its own identity per event): preconditions, events, releases, the change
  /// log and the outbox.
  func execute(_ request: WriteRequest, now: Int64, db: any SQLConnection) throws -> WriteOutcome {
    for e in request.events { try Self.validateIdentity(e) }
    struct RolledBack: Error { let outcome: WriteOutcome }
    var outcome: WriteOutcome
    let moved = MovedPositions()
    do {
      outcome = WriteOutcome(outcomes: [], committed: false, refusal: nil, levels: [], order: nil)
      try db.savepoint("request") {
        for condition in request.preconditions {
          if let refusal = try Self.check(condition, source: request.source, now: now, db: db) {
            throw RolledBack(outcome: WriteOutcome(outcomes: [], committed: false, refusal: refusal, levels: [], order: nil))
          }
        }
        for e in request.events { outcome.outcomes.append(try self.apply(e, db: db, moved: moved)) }
        for line in request.releases {
          let (released, event) = try self.release(line, now: now, db: db, moved: moved)
          outcome.releases.append(released)
          if let event { outcome.outcomes.append(event) }
        }
        if !request.releases.isEmpty {
          // Each line stands on its own: what was released is kept, whatever happened to the others.
          outcome.committed = !outcome.outcomes.isEmpty
          try logChanges(request, outcome: &outcome, moved: moved, now: now, db: db)
          return .commit
        }
        let refused = outcome.outcomes.contains { !$0.succeeded && !$0.replayed }
        // All-or-nothing with a refusal, or nothing applied at all: nothing is kept (not even the order's
        // owner row), so the same order can be sent again under a new key.
        if refused && (request.atomicity == .allOrNothing || !outcome.outcomes.contains { $0.succeeded }) {
          throw RolledBack(outcome: WriteOutcome(outcomes: outcome.outcomes, committed: false, refusal: nil, levels: [], order: nil))
        }
        outcome.committed = outcome.outcomes.contains { $0.succeeded }
        try logChanges(request, outcome: &outcome, moved: moved, now: now, db: db)
        return .commit
      }
    } catch let rolled as RolledBack {
      outcome = rolled.outcome
      // The refusal still answers with the order's and positions' state as they stand.
      if let order = request.order { outcome.order = try Self.orderState(order, db: db) }
    }
    return outcome
  }

  private static func check(_ condition: WriteRequest.Precondition, source: String, now: Int64, db: any SQLConnection) throws -> LedgerError? {
    switch condition {
    case .shelfEquals(let sku, let location, let quantity):
      let shelf = try Int.fetchOne(db, sql: "SELECT sellable FROM positions WHERE sku = ? AND location = ?", arguments: [sku, location]) ?? 0
      guard shelf == quantity else {
        return LedgerError(.changeFromQuantityStale, "change_from_quantity \(quantity) for \(sku) at \(location), but the shelf (available + committed) holds \(shelf) now; read the level again and resend with change_from_quantity \(shelf)")
      }
    case .newOrder(let order):
      // Claimed in one statement when the id is new (the usual case); otherwise the reads below say why not.
      if try db.cached("""
        INSERT INTO order_owners (order_id, channel, created_at) SELECT ?, ?, ?
        WHERE NOT EXISTS (SELECT 1 FROM order_lines WHERE order_id = ?) ON CONFLICT DO NOTHING
        """, arguments: [order, source, now, order]) == 1 {
        return nil
      }
      if let owner = try String.fetchOne(db, sql: "SELECT channel FROM order_owners WHERE order_id = ?", arguments: [order]) {
        return LedgerError(.orderExists, owner == source ? "order \(LedgerText.excerpt(order)) exists; change it through its cancel, shipments and returns"
                           : "order id \(LedgerText.excerpt(order)) is taken; choose another id")
      }
      return LedgerError(.orderExists, "order id \(LedgerText.excerpt(order)) is taken; choose another id")
    case .ownOrder(let order):
      let owner = try String.fetchOne(db, sql: "SELECT channel FROM order_owners WHERE order_id = ?", arguments: [order])
      guard owner == source else { return LedgerError(.unknownOrder, "order \(LedgerText.excerpt(order)) is not an order of channel \(source)") }
    }
    return nil
  }

  /// Logs the changes of an applied request and queues their webhook deliveries.
  private func logChanges(_ request: WriteRequest, outcome: inout WriteOutcome, moved: MovedPositions, now: Int64, db: any SQLConnection) throws {
    let applied = outcome.outcomes.filter { $0.succeeded && !$0.replayed }.map(\.eventID)
    if !applied.isEmpty {
      let touchedPairs = moved.pairs(of: applied)
      let touched = touchedPairs.sorted()
      let skus = Set(touched.map(\.sku))
      var kits = Set<String>()
      for sku in skus {
        kits.formUnion(try String.fetchAll(db, sql: "SELECT kit FROM kit_components WHERE component = ?", arguments: [sku]))
      }
      let locations = Set(touched.map(\.location))
      var levels: [InventoryLevel] = []
      for sku in skus.union(kits).sorted() {
        // A plain SKU's positions straight from the table (every location: `sku_available` sums them);
        // a kit's are derived from its components by `positions`.
        let all = kits.contains(sku) ? try Self.positions(db, sku: sku, location: nil, asOf: nil)
          : try SQLRow.fetchAll(db, sql: """
              SELECT \(PositionRecord.columns), (SELECT region FROM locations WHERE location = p.location) FROM positions p WHERE sku = ? ORDER BY location
              """, arguments: [sku]).map { Position(PositionRecord(row: $0), region: $0[10] ?? "") }
        levels += InventoryLevel.levels(all).filter { level in locations.contains(level.location) && (kits.contains(sku) || touchedPairs.contains(StockKey(sku: sku, location: level.location))) }
      }
      outcome.levels = levels
      for level in levels {
        try logChange(topic: .inventoryLevels, sku: level.sku, location: level.location, order: nil, channel: nil, payload: level.jsonText, now: now, db: db)
      }
    }
    if let order = request.order, let state = try Self.orderState(order, db: db) {
      outcome.order = state
      if !applied.isEmpty {
        try logChange(topic: .orders, sku: nil, location: nil, order: order, channel: state.channel, payload: state.jsonText, now: now, db: db)
      }
    }
  }

  /// Writes a change in the same transaction as the stock change it reports (the transactional outbox). On
  /// SQLite it takes the next feed position and is queued for the subscriptions now; on PostgreSQL it
  /// records its transaction and waits for `sequenceChanges` to position it and queue it.
  private func logChange(topic: ChangeTopic, sku: String?, location: String?, order: String?, channel: String?, payload: String, now: Int64, db: any SQLConnection) throws {
    let seq = try db.insert(sql: """
      INSERT INTO changes (at, topic, sku, location, order_id, channel, payload, xid, position)
      VALUES (?, ?, ?, ?, ?, ?, ?, \(db.dialect.changeTransaction), \(db.dialect.changePosition))
      """, arguments: [now, topic.rawValue, sku, location, order, channel, payload], returning: "seq")
    if db.dialect == .sqlite {
      try db.cached("""
        INSERT INTO webhook_deliveries (subscription_id, change_seq, next_at, status)
        SELECT id, ?, ?, 'pending' FROM webhook_subscriptions
        WHERE status = 'active' AND \(db.dialect.position(of: "',' || ? || ','", in: "',' || topics || ','")) > 0 AND (? IS NULL OR channel = ?)
        """, arguments: [seq, now, topic.rawValue, channel, channel])
    }
  }

  private static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
  }()

  static func json<T: Encodable>(_ value: T) throws -> String {
    String(decoding: try encoder.encode(value), as: UTF8.self)
  }

  /// An order's state, or nil when no line of it was ever reserved.
  public func order(_ id: String) throws -> OrderState? {
    try read { db in try Self.orderState(id, db: db) }
  }

  static func orderState(_ id: String, db: any SQLConnection) throws -> OrderState? {
    // The lines (a kit's by its first component) and, on each row, the owning channel.
    let found = try db.rows(sql: """
      SELECT \(OrderLineRecord.columns), (SELECT channel FROM order_owners WHERE order_id = o.order_id) FROM order_lines o WHERE order_id = ?
      AND component = (SELECT MIN(component) FROM order_lines WHERE order_id = o.order_id AND line = o.line) ORDER BY seq, line
      """, arguments: [id])
    guard let first = found.first else { return nil }
    let channel: String = first[12] ?? ""
    let rows = found.map(OrderLineRecord.init(row:))
    let lines = rows.map {
      OrderLineState(line: $0.line, sku: $0.sku, location: $0.location, ordered: $0.reserved, committed: $0.committed, backordered: $0.backordered,
                     shipped: $0.shipped, released: $0.released, returned: $0.returned)
    }
    let open = lines.contains { $0.committed + $0.backordered > 0 }
    let status: OrderState.Status = open ? .open : lines.contains { $0.shipped > 0 } ? .fulfilled : .cancelled
    return OrderState(order: id, channel: channel, status: status, lines: lines)
  }

  /// Deletes request records older than `olderThan` (milliseconds since 1970): the end of the
  /// Idempotency-Key retention window. Returns how many were deleted.
  @discardableResult
  public func purgeRequestRecords(olderThan: Int64) throws -> Int {
    try write { db in
      return try db.execute(sql: "DELETE FROM request_records WHERE created_at < ?", arguments: [olderThan])
    }
  }
}
