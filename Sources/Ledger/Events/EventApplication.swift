import Foundation
import TimeSeries

/// Milliseconds since 1970 UTC from the system clock (the ledger's default clock).
public func currentMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

/// The largest quantity one event may carry: keeps every sum far inside Int64 (SQLite would silently turn
/// an overflowing integer sum into a floating-point value).
public let maximumEventQuantity = 1_000_000_000_000

extension LedgerStore {
  /// Applies one event in its own transaction. Identity problems (bad key, reused key with another
  /// payload) throw and record nothing; any other refusal is recorded as a rejected event, returned, and
  /// returned again on replay (a rejected key stays rejected: resubmit under a new key).
  public func apply(_ event: LedgerEvent) throws -> EventOutcome {
    try Self.validateIdentity(event)
    return try write { db in try self.apply(event, db: db) }
  }

  /// Applies events in one transaction (group commit), each in its own savepoint. With `atomic`, one
  /// rejection rolls back the whole batch and the outcomes say which events were refused.
  public func apply(batch events: [LedgerEvent], atomic: Bool) throws -> (outcomes: [EventOutcome], committed: Bool) {
    for e in events { try Self.validateIdentity(e) }
    struct RolledBack: Error { let outcomes: [EventOutcome] }
    do {
      return try write { db in
        var outcomes: [EventOutcome] = []
        outcomes.reserveCapacity(events.count)
        for e in events { outcomes.append(try self.apply(e, db: db)) }
        if atomic && outcomes.contains(where: { !$0.succeeded && !$0.replayed }) { throw RolledBack(outcomes: outcomes) }
        return (outcomes, true)
      }
    } catch let rolled as RolledBack {
      return (rolled.outcomes, false)
    }
  }

  static func validateIdentity(_ e: LedgerEvent) throws {
    for (name, value) in [("source", e.source), ("key", e.key)] {
      guard !value.isEmpty else { throw LedgerError(.invalidKey, "the event has no idempotency \(name); every event needs a source and a key") }
      guard value.utf8.count <= 255 else { throw LedgerError(.invalidKey, "\(name) is \(value.utf8.count) bytes; expected at most 255") }
      guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
        throw LedgerError(.invalidKey, "\(name) \(LedgerText.excerpt(value)) contains control characters; expected printable text")
      }
    }
  }

  /// Applies one event inside the caller's transaction: recorded under its (source, key) — or, when that
  /// key was used before, answered with the earlier outcome — and its effect in a savepoint. `moved`, when
  /// given, learns the (SKU, location) pairs an applied event wrote movements at.
  func apply(_ e: LedgerEvent, db: any SQLConnection, moved: MovedPositions? = nil) throws -> EventOutcome {
    let payload = e.canonicalPayload
    let now = clock()
    let at = e.at ?? now
    // The event's row first (one statement when the key is new, the usual case); a key used before leaves
    // the table as it was and is answered from its row.
    guard let id = try db.insertIfAbsent(sql: """
      INSERT INTO events (source, key, kind, payload, at, recorded_at, status) VALUES (?, ?, ?, ?, ?, ?, 'applied')
      ON CONFLICT (source, key) DO NOTHING
      """, arguments: [e.source, e.key, e.kind.rawValue, payload, at, now], returning: "id") else {
      guard let earlier = try EventRecord.fetchOne(db, sql: "SELECT id, payload, status, error_code, error_message FROM events WHERE source = ? AND key = ?",
                                                   arguments: [e.source, e.key]) else {
        throw LedgerError(.cannotWrite, "source \(e.source) key \(e.key): the event's key conflicted, but no event has it")
      }
      guard earlier.payload == payload else {
        throw LedgerError(.keyReused, "source \(e.source) key \(e.key) was used for a different event (\(earlier.payload)); nothing changed")
      }
      let error = earlier.errorCode.map { LedgerError(LedgerError.Code(rawValue: $0) ?? .missingField, earlier.errorMessage ?? "") }
      return EventOutcome(eventID: earlier.id, status: earlier.status, error: error, replayed: true)
    }
    do {
      try db.savepoint("event") {
        var op = EventOperation(db: db, event: e, eventID: id, time: EventOperation.Time(at: at), now: now)
        try op.run()
        if op.at != at {
          // The ledger's clock was raised to a SKU's last event (`EventOperation.sku`): the event, all its
          // movements and every SKU it stamped before the raise carry the raised time.
          try db.cached("UPDATE events SET at = ? WHERE id = ?", arguments: [op.at, id])
          try db.cached("UPDATE movements SET at = ? WHERE event_id = ?", arguments: [op.at, id])
          for name in Set(op.time.stamped) {
            try db.cached("UPDATE skus SET last_at = ? WHERE sku = ? AND last_at < ?", arguments: [op.at, name, op.at])
          }
        }
        moved?.record(op.time.moved, event: id)
        return .commit
      }
      return EventOutcome(eventID: id, status: .applied, error: nil, replayed: false)
    } catch let error as LedgerError {
      try db.cached("UPDATE events SET status = 'rejected', error_code = ?, error_message = ? WHERE id = ?",
                    arguments: [error.code.rawValue, error.message, id])
      return EventOutcome(eventID: id, status: .rejected, error: error, replayed: false)
    }
  }
}

/// The (SKU, location) pairs each applied event wrote movements at, kept as they are written (the change
/// log reports their new levels without reading the movements back).
final class MovedPositions {
  private(set) var byEvent: [Int64: Set<StockKey>] = [:]

  func record(_ pairs: Set<StockKey>, event: Int64) { byEvent[event] = pairs }

  /// The pairs of these events.
  func pairs(of events: [Int64]) -> Set<StockKey> {
    events.reduce(into: Set<StockKey>()) { $0.formUnion(byEvent[$1] ?? []) }
  }
}

/// One event's effect, computed and written inside its savepoint. The handlers live by area in
/// `PurchaseOrderEvents`, `OrderLineEvents`, `StockEvents`, `TransferEvents` and `LandedCostEvents`.
struct EventOperation {
  let db: any SQLConnection
  let event: LedgerEvent
  let eventID: Int64
  let time: Time
  let now: Int64

  /// The event's time. A time the client gave is checked against each SKU's last event (a backdated event
  /// is refused); a time the ledger gave (its clock, for an event without one) is raised to the SKU's last
  /// event instead: the clock was read before the SKU's row lock was granted (PostgreSQL), or differs by
  /// milliseconds between servers, or stepped back — none of which is the client backdating anything.
  final class Time {
    var at: Int64
    /// The SKUs stamped with `at` so far (a raise restamps them).
    var stamped: [String] = []
    /// The (SKU, location) pairs a movement was written at so far.
    var moved = Set<StockKey>()
    init(at: Int64) { self.at = at }
  }

  var at: Int64 { time.at }

  mutating func run() throws {
    if at > now + 300_000 {
      throw LedgerError(.timeInFuture, "event time \(LedgerText.iso(at)) is more than 5 minutes ahead of the ledger clock \(LedgerText.iso(now))")
    }
    switch event.kind {
    case .poOpen: try poOpen()
    case .poChange: try poChange()
    case .poCancel: try poCancel()
    case .receive: try receive()
    case .reserve: try reserve()
    case .release: try release()
    case .ship: try ship()
    case .dropship: try dropship()
    case .transferOut: try transferOut()
    case .transferIn: try transferIn()
    case .return: try returnLine()
    case .inspect: try inspect()
    case .count: try count()
    case .adjust: try adjust()
    case .landedCost: try landedCost()
    }
  }

  // MARK: Field access

  func field(_ value: String?, _ name: String) throws -> String {
    guard let value, !value.isEmpty else { throw LedgerError(.missingField, "\(event.kind.rawValue) needs '\(name)'") }
    guard value.utf8.count <= 255 else {
      throw LedgerError(.invalidField, "'\(name)' \(LedgerText.excerpt(value)) is \(value.utf8.count) bytes long; expected 1–255 bytes without control characters")
    }
    guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
      throw LedgerError(.invalidField, "'\(name)' \(LedgerText.excerpt(value)) contains control characters; expected 1–255 bytes without control characters")
    }
    return value
  }

  func quantity(allowZero: Bool = false) throws -> Int {
    guard let q = event.qty else { throw LedgerError(.missingField, "\(event.kind.rawValue) needs 'qty'") }
    guard q >= (allowZero ? 0 : 1) else {
      throw LedgerError(.invalidQuantity, "qty \(q): expected a whole number \(allowZero ? "≥ 0" : "≥ 1") (the event kind gives the direction)")
    }
    guard q <= maximumEventQuantity else { throw LedgerError(.overflow, "qty \(q) exceeds the per-event maximum \(maximumEventQuantity)") }
    return q
  }

  /// The event's `reason` as the enum its kind takes (return reason, inspection result, adjustment reason).
  func reason<R: RawRepresentable & CaseIterable>(_ type: R.Type) throws -> R where R.RawValue == String {
    let text = try field(event.reason, "reason")
    guard let r = R(rawValue: text) else {
      throw LedgerError(.unknownReason, "reason \(LedgerText.excerpt(text)) for \(event.kind.rawValue); expected one of \(R.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return r
  }

  struct SKU { let name: String; let allowBackorder: Bool; let isKit: Bool }

  /// A known SKU, stamped with this event's time (refusing an event whose own time is older than the SKU's
  /// last one; raising the ledger's clock to it, see `Time`).
  func sku(_ name: String? = nil) throws -> SKU {
    let name = try field(name ?? event.sku, "sku")
    // Stamped and read in one statement: the SKU's last event becomes the later of its own and this
    // event's time. A later one than this event's means the event is backdated (refused; its savepoint
    // undoes the stamp) or, for a time the ledger gave, that the clock is raised to it — the stamp is then
    // already the raised time. On PostgreSQL the update locks the SKU's row until the transaction ends,
    // so that events of one SKU apply one at a time, each reading what the one before it committed
    // (SQLite has one writer anyway). Read to the end (`fetchAll`), as a statement that writes must be.
    guard let record = try SKURecord.fetchAll(db, sql: """
      UPDATE skus SET last_at = CASE WHEN last_at > ? THEN last_at ELSE ? END WHERE sku = ? RETURNING \(SKURecord.columns)
      """, arguments: [at, at, name]).first else {
      throw LedgerError(.unknownSKU, "SKU \(LedgerText.excerpt(name)) is not in the ledger; define it with `replenish ledger init --items`")
    }
    if at < record.lastAt {
      guard event.at == nil else {
        throw LedgerError(.timeOutOfOrder, "event time \(LedgerText.iso(at)) is before the last event for \(name) at \(LedgerText.iso(record.lastAt)); backdated events are refused so that no past balance changes")
      }
      time.at = record.lastAt
    }
    time.stamped.append(name)
    return SKU(name: name, allowBackorder: record.allowBackorder, isKit: record.isKit)
  }

  func location(_ name: String? = nil, _ label: String = "location") throws -> String {
    let name = try field(name ?? event.location, label)
    guard try db.cachedBool("SELECT 1 FROM locations WHERE location = ?", arguments: [name]) ?? false else {
      throw LedgerError(.unknownLocation, "location \(LedgerText.excerpt(name)) is not in the ledger; define it with `replenish ledger init --locations`")
    }
    return name
  }

  func components(of kit: SKU) throws -> [(sku: String, qty: Int)] {
    guard kit.isKit else { return [(kit.name, 1)] }
    return try KitComponentRecord.fetchAll(db, sql: "SELECT * FROM kit_components WHERE kit = ? ORDER BY component", arguments: [kit.name])
      .map { ($0.component, $0.qty) }
  }

  // MARK: Positions and movements

  /// Adds the (SKU, location) position with every bucket at zero unless it exists; true when it added it.
  @discardableResult
  func ensurePosition(_ sku: String, _ location: String) throws -> Bool {
    try db.cached("INSERT INTO positions (sku, location) VALUES (?, ?) ON CONFLICT DO NOTHING", arguments: [sku, location]) == 1
  }

  /// The position, added first when there is none.
  func position(_ sku: String, _ location: String) throws -> PositionRecord {
    let sql = "SELECT \(PositionRecord.columns) FROM positions WHERE sku = ? AND location = ?"
    if let record = try PositionRecord.fetchOne(db, sql: sql, arguments: [sku, location]) { return record }
    try ensurePosition(sku, location)
    return try PositionRecord.fetchOne(db, sql: sql, arguments: [sku, location])!
  }

  /// Runs `UPDATE positions … WHERE sku = ? AND location = ? …`; when it changed no row because the
  /// position did not exist yet, adds the position and runs it once more. Returns the rows changed (0 or 1).
  private func updatePosition(_ sql: String, _ arguments: [any SQLBindable], _ sku: String, _ location: String) throws -> Int {
    let changed = try db.cached(sql, arguments: arguments)
    guard changed == 0, try ensurePosition(sku, location) else { return changed }
    return try db.cached(sql, arguments: arguments)
  }

  private func writeMovement(_ sku: String, _ location: String, _ bucket: Bucket, _ qty: Int, _ flow: MovementFlow) throws {
    try db.cached("INSERT INTO movements (event_id, sku, location, bucket, qty, flow, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  arguments: [eventID, sku, location, bucket, qty, flow, at])
    time.moved.insert(StockKey(sku: sku, location: location))
  }

  func setAverageCost(_ sku: String, _ location: String, _ micros: Int) throws {
    try db.cached("UPDATE positions SET avg_cost_micros = ? WHERE sku = ? AND location = ?", arguments: [micros, sku, location])
  }

  func move(_ sku: String, _ location: String, _ bucket: Bucket, _ qty: Int, _ flow: MovementFlow) throws {
    guard qty != 0 else { return }
    _ = try updatePosition("UPDATE positions SET \(bucket.column) = \(bucket.column) + ? WHERE sku = ? AND location = ?", [qty, sku, location], sku, location)
    try writeMovement(sku, location, bucket, qty, flow)
  }

  /// What a guarded take may use: ATP, quarantined or damaged units.
  enum Available: String {
    case atp = "sellable - committed", quarantine, damaged
  }

  /// Takes `qty` from `bucket` only if the guard holds in the same statement (no read-then-write window).
  /// A refusal says what `what` held, then `refusalNote`.
  func guardedTake(_ sku: String, _ location: String, _ qty: Int, available: Available, into bucket: Bucket, sign: Int, what: String,
                   flow: MovementFlow = .internal, refusalNote: String = "") throws {
    let changed = try updatePosition("UPDATE positions SET \(bucket.column) = \(bucket.column) + ? WHERE sku = ? AND location = ? AND \(available.rawValue) >= ?",
                                     [sign * qty, sku, location, qty], sku, location)
    guard changed == 1 else {
      let have = try db.cachedInt("SELECT \(available.rawValue) FROM positions WHERE sku = ? AND location = ?", arguments: [sku, location]) ?? 0
      throw LedgerError(.insufficientStock, "\(sku) at \(location): \(what) is \(have), \(qty) needed\(refusalNote)")
    }
    try writeMovement(sku, location, bucket, sign * qty, flow)
  }

  /// Moves waiting backorders of `sku` at `location` into committed, oldest first, as ATP allows.
  func allocateBackorders(_ sku: String, _ location: String) throws {
    let lines = try OrderLineRecord.fetchAll(db, sql: """
      SELECT \(OrderLineRecord.columns) FROM order_lines WHERE component = ? AND location = ? AND backordered > 0 AND sku = component ORDER BY seq
      """, arguments: [sku, location])
    for l in lines {
      let take = min(try position(sku, location).availableToPromise, l.backordered)
      guard take > 0 else { return }
      try db.cached("UPDATE order_lines SET backordered = backordered - ? WHERE order_id = ? AND line = ? AND component = ?",
                    arguments: [take, l.orderId, l.line, sku])
      try move(sku, location, .backordered, -take, .internal)
      try move(sku, location, .committed, take, .internal)
    }
  }
}

