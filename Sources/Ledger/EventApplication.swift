import Foundation
import GRDB

/// Stock buckets of a position. Physical ones hold units that exist at (or are travelling to) a
/// location; the others are claims on or promises of stock.
public enum Bucket: String, CaseIterable, Sendable, Codable {
  case sellable, committed, backordered, inbound, inTransit = "in_transit", quarantine, damaged
  public var isPhysical: Bool { self == .sellable || self == .inTransit || self == .quarantine || self == .damaged }
  var column: String { rawValue }
}

/// Why a movement happened, for conservation checks: receipts, shipments, returns and adjustments cross
/// the ledger's boundary; internal movements only move units between buckets or locations.
enum Flow: String { case receipt, shipment, `return`, adjustment, `internal` }

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
        throw LedgerError(.invalidKey, "\(name) \(value.debugDescription) contains control characters; expected printable text")
      }
    }
  }

  func apply(_ e: LedgerEvent, db: Database) throws -> EventOutcome {
    let payload = e.canonicalPayload
    if let row = try db.cachedRow("SELECT id, payload, status, error_code, error_message FROM events WHERE source = ? AND key = ?", arguments: [e.source, e.key]) {
      guard (row["payload"] as String) == payload else {
        throw LedgerError(.keyReused, "source \(e.source) key \(e.key) was used for a different event (\(row["payload"] as String)); nothing changed")
      }
      let status = EventOutcome.Status(rawValue: row["status"])!
      let error = (row["error_code"] as String?).map { LedgerError(LedgerError.Code(rawValue: $0) ?? .missingField, row["error_message"] ?? "") }
      return EventOutcome(eventID: row["id"], status: status, error: error, replayed: true)
    }
    let now = currentMillis()
    let at = e.at ?? now
    try db.cached("INSERT INTO events (source, key, kind, payload, at, recorded_at, status) VALUES (?, ?, ?, ?, ?, ?, 'applied')",
                   arguments: [e.source, e.key, e.kind.rawValue, payload, at, now])
    let id = db.lastInsertedRowID
    do {
      try db.inSavepoint {
        var op = Operation(db: db, event: e, eventID: id, at: at, now: now)
        try op.run()
        return .commit
      }
      return EventOutcome(eventID: id, status: .applied, error: nil, replayed: false)
    } catch let error as LedgerError {
      try db.cached("UPDATE events SET status = 'rejected', error_code = ?, error_message = ? WHERE id = ?",
                     arguments: [error.code.rawValue, error.message, id])
      return EventOutcome(eventID: id, status: .rejected, error: error, replayed: false)
    }
  }

  /// The deliberately broken reservation (read ATP in one transaction, write an absolute value in
  /// another, no guard): exists only so that the concurrency test can show the invariant checker
  /// catches lost updates and oversell. Never used by the CLI outside that test.
  public func reserveNaively(order: String, line: String, sku: String, location: String, qty: Int) throws -> Bool {
    let (sellable, committed) = try read { db -> (Int, Int) in
      let row = try db.cachedRow("SELECT sellable, committed FROM positions WHERE sku = ? AND location = ?", arguments: [sku, location])
      return (row?["sellable"] ?? 0, row?["committed"] ?? 0)
    }
    guard sellable - committed >= qty else { return false }
    usleep(200)
    return try write { db in
      let now = currentMillis()
      try db.cached("INSERT INTO events (source, key, kind, payload, at, recorded_at, status) VALUES ('naive', ?, 'reserve', '{}', ?, ?, 'applied')",
                     arguments: ["\(order)/\(line)", now, now])
      let id = db.lastInsertedRowID
      try db.cached("UPDATE positions SET committed = ? WHERE sku = ? AND location = ?", arguments: [committed + qty, sku, location])
      try db.cached("INSERT INTO movements (event_id, sku, location, bucket, qty, flow, at) VALUES (?, ?, ?, 'committed', ?, 'internal', ?)",
                     arguments: [id, sku, location, qty, now])
      try db.cached("INSERT INTO order_lines (order_id, line, component, sku, location, qty_per, reserved, seq) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
                     arguments: [order, line, sku, sku, location, qty, id])
      return true
    }
  }
}

/// One event's effect, computed and written inside its savepoint.
private struct Operation {
  let db: Database
  let event: LedgerEvent
  let eventID: Int64
  let at: Int64
  let now: Int64

  init(db: Database, event: LedgerEvent, eventID: Int64, at: Int64, now: Int64) {
    self.db = db
    self.event = event
    self.eventID = eventID
    self.at = at
    self.now = now
  }

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
    guard value.utf8.count <= 255, !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
      throw LedgerError(.missingField, "'\(name)' \(value.debugDescription): expected 1–255 bytes without control characters")
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

  func reason(_ accepted: [String]) throws -> String {
    let r = try field(event.reason, "reason")
    guard accepted.contains(r) else {
      throw LedgerError(.unknownReason, "reason \(r.debugDescription) for \(event.kind.rawValue); expected one of \(accepted.joined(separator: ", "))")
    }
    return r
  }

  struct SKU { let name: String; let allowBackorder: Bool; let isKit: Bool }

  /// A known SKU, stamped with this event's time (refusing events older than the SKU's last one).
  func sku(_ name: String? = nil) throws -> SKU {
    let name = try field(name ?? event.sku, "sku")
    guard let row = try db.cachedRow("SELECT allow_backorder, is_kit, last_at FROM skus WHERE sku = ?", arguments: [name]) else {
      throw LedgerError(.unknownSKU, "SKU \(name.debugDescription) is not in the ledger; define it with `replenish ledger init --items`")
    }
    let last: Int64 = row["last_at"]
    if at < last {
      throw LedgerError(.timeOutOfOrder, "event time \(LedgerText.iso(at)) is before the last event for \(name) at \(LedgerText.iso(last)); backdated events are refused so that no past balance changes")
    }
    try db.cached("UPDATE skus SET last_at = ? WHERE sku = ?", arguments: [at, name])
    return SKU(name: name, allowBackorder: row["allow_backorder"], isKit: row["is_kit"])
  }

  func location(_ name: String? = nil, _ label: String = "location") throws -> String {
    let name = try field(name ?? event.location, label)
    guard try db.cachedBool("SELECT 1 FROM locations WHERE location = ?", arguments: [name]) ?? false else {
      throw LedgerError(.unknownLocation, "location \(name.debugDescription) is not in the ledger; define it with `replenish ledger init --locations`")
    }
    return name
  }

  func components(of kit: SKU) throws -> [(sku: String, qty: Int)] {
    guard kit.isKit else { return [(kit.name, 1)] }
    return try db.cachedRows("SELECT component, qty FROM kit_components WHERE kit = ? ORDER BY component", arguments: [kit.name])
      .map { ($0["component"], $0["qty"]) }
  }

  // MARK: Positions and movements

  func ensurePosition(_ sku: String, _ location: String) throws {
    try db.cached("INSERT OR IGNORE INTO positions (sku, location) VALUES (?, ?)", arguments: [sku, location])
  }

  func position(_ sku: String, _ location: String) throws -> Row {
    try ensurePosition(sku, location)
    return try db.cachedRow("SELECT * FROM positions WHERE sku = ? AND location = ?", arguments: [sku, location])!
  }

  func move(_ sku: String, _ location: String, _ bucket: Bucket, _ qty: Int, _ flow: Flow) throws {
    guard qty != 0 else { return }
    try ensurePosition(sku, location)
    try db.cached("UPDATE positions SET \(bucket.column) = \(bucket.column) + ? WHERE sku = ? AND location = ?", arguments: [qty, sku, location])
    try db.cached("INSERT INTO movements (event_id, sku, location, bucket, qty, flow, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   arguments: [eventID, sku, location, bucket.rawValue, qty, flow.rawValue, at])
  }

  /// Takes `qty` from `bucket` only if the guard holds in the same statement (no read-then-write window).
  func guardedTake(_ sku: String, _ location: String, _ qty: Int, available: String, into bucket: Bucket, sign: Int, what: String, flow: Flow = .internal) throws {
    try ensurePosition(sku, location)
    try db.cached("UPDATE positions SET \(bucket.column) = \(bucket.column) + ? WHERE sku = ? AND location = ? AND \(available) >= ?",
                   arguments: [sign * qty, sku, location, qty])
    guard db.changesCount == 1 else {
      let have = try db.cachedInt("SELECT \(available) FROM positions WHERE sku = ? AND location = ?", arguments: [sku, location]) ?? 0
      throw LedgerError(.insufficientStock, "\(sku) at \(location): \(what) is \(have), \(qty) needed")
    }
    try db.cached("INSERT INTO movements (event_id, sku, location, bucket, qty, flow, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   arguments: [eventID, sku, location, bucket.rawValue, sign * qty, flow.rawValue, at])
  }

  /// Moves waiting backorders of `sku` at `location` into committed, oldest first, as ATP allows.
  func allocateBackorders(_ sku: String, _ location: String) throws {
    let lines = try db.cachedRows("""
      SELECT order_id, line, qty_per, backordered FROM order_lines
      WHERE component = ? AND location = ? AND backordered > 0 AND sku = component ORDER BY seq
      """, arguments: [sku, location])
    for l in lines {
      let p = try position(sku, location)
      let atp = (p["sellable"] as Int) - (p["committed"] as Int)
      let take = min(atp, l["backordered"] as Int)
      guard take > 0 else { return }
      try db.cached("UPDATE order_lines SET backordered = backordered - ? WHERE order_id = ? AND line = ? AND component = ?",
                     arguments: [take, l["order_id"], l["line"], sku])
      try move(sku, location, .backordered, -take, .internal)
      try move(sku, location, .committed, take, .internal)
    }
  }

  // MARK: Purchase orders and receipts

  func poLine(_ po: String, _ sku: String) throws -> Row {
    guard let row = try db.cachedRow("SELECT * FROM po_lines WHERE po = ? AND sku = ?", arguments: [po, sku]) else {
      throw LedgerError(.unknownPO, "PO \(po) has no line for \(sku)")
    }
    guard (row["status"] as String) == "open" else {
      throw LedgerError(.poClosed, "PO \(po) line \(sku) is \(row["status"] as String); it accepts no more changes or receipts")
    }
    return row
  }

  func poOpen() throws {
    let po = try field(event.po, "po")
    let item = try sku()
    guard !item.isKit else { throw LedgerError(.kitNotAllowed, "\(item.name) is a kit; purchase its components") }
    let loc = try location()
    let q = try quantity()
    let tolerance = event.tolerancePercent ?? 0
    guard (0...100).contains(tolerance) else { throw LedgerError(.invalidQuantity, "tolerance_percent \(tolerance): expected 0–100") }
    guard (event.unitCostMicros ?? 0) >= 0 else { throw LedgerError(.invalidMoney, "unit cost must not be negative") }
    if try db.cachedBool("SELECT 1 FROM po_lines WHERE po = ? AND sku = ?", arguments: [po, item.name]) ?? false {
      throw LedgerError(.poExists, "PO \(po) already has a line for \(item.name); use po_change")
    }
    try db.cached("INSERT INTO po_lines (po, sku, location, ordered, unit_cost_micros, tolerance_percent, status, opened_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?)",
                   arguments: [po, item.name, loc, q, event.unitCostMicros ?? 0, tolerance, at])
    try move(item.name, loc, .inbound, q, .internal)
  }

  func poChange() throws {
    let po = try field(event.po, "po")
    let item = try sku()
    let line = try poLine(po, item.name)
    let q = try quantity()
    let ordered: Int = line["ordered"], received: Int = line["received"]
    guard q >= received else { throw LedgerError(.invalidQuantity, "PO \(po) \(item.name): new quantity \(q) is below the \(received) already received") }
    try db.cached("UPDATE po_lines SET ordered = ?, unit_cost_micros = COALESCE(?, unit_cost_micros), tolerance_percent = COALESCE(?, tolerance_percent), status = ? WHERE po = ? AND sku = ?",
                   arguments: [q, event.unitCostMicros, event.tolerancePercent, q == received ? "received" : "open", po, item.name])
    try move(item.name, line["location"], .inbound, max(0, q - received) - max(0, ordered - received), .internal)
  }

  func poCancel() throws {
    let po = try field(event.po, "po")
    let item = try sku()
    let line = try poLine(po, item.name)
    let open = max(0, (line["ordered"] as Int) - (line["received"] as Int))
    try db.cached("UPDATE po_lines SET status = 'cancelled', closed_at = ? WHERE po = ? AND sku = ?", arguments: [at, po, item.name])
    try move(item.name, line["location"], .inbound, -open, .internal)
  }

  /// Receipt with landed cost: unit landed cost = (qty·unit cost + freight + duty + fees) / qty, and the
  /// moving average unit cost = (on-hand·average + qty·landed) / (on-hand + qty), rounded to the micro.
  func receive() throws {
    let item = try sku()
    guard !item.isKit else { throw LedgerError(.kitNotAllowed, "\(item.name) is a kit; receive its components") }
    let q = try quantity()
    var loc: String
    var unitCost = event.unitCostMicros
    if let po = event.po {
      let line = try poLine(po, item.name)
      loc = line["location"]
      if let given = event.location, given != loc {
        throw LedgerError(.unknownLocation, "PO \(po) \(item.name) ships to \(loc), not \(given)")
      }
      let ordered: Int = line["ordered"], received: Int = line["received"], tolerance: Int = line["tolerance_percent"]
      let remaining = ordered - received
      let allowed = remaining + ordered * tolerance / 100
      guard q <= allowed else {
        throw LedgerError(.overReceipt, "PO \(po) \(item.name): receiving \(q) but \(remaining) remain open (tolerance \(tolerance)% allows \(allowed))")
      }
      try db.cached("UPDATE po_lines SET received = received + ?, status = CASE WHEN received + ? >= ordered THEN 'received' ELSE 'open' END, closed_at = CASE WHEN received + ? >= ordered THEN ? END WHERE po = ? AND sku = ?",
                     arguments: [q, q, q, at, po, item.name])
      try move(item.name, loc, .inbound, -min(q, remaining), .internal)
      if unitCost == nil { unitCost = line["unit_cost_micros"] }
    } else {
      loc = try location()
    }
    let extras = [event.freightMicros, event.dutyMicros, event.feesMicros].map { $0 ?? 0 }
    guard (unitCost ?? 0) >= 0, extras.allSatisfy({ $0 >= 0 }) else { throw LedgerError(.invalidMoney, "costs must not be negative") }
    let (value, o1) = (unitCost ?? 0).multipliedReportingOverflow(by: q)
    guard !o1, value < Int.max / 4, extras.allSatisfy({ $0 < Int.max / 8 }) else { throw LedgerError(.overflow, "receipt value overflows") }
    let landed = (value + extras.reduce(0, +) + q / 2) / q
    let p = try position(item.name, loc)
    let onHand: Int = p["sellable"], average: Int = p["avg_cost_micros"]
    let total = Double(onHand) * Double(average) + Double(q) * Double(landed)
    let newAverage = Int((total / Double(onHand + q)).rounded())
    try db.cached("UPDATE positions SET avg_cost_micros = ? WHERE sku = ? AND location = ?", arguments: [newAverage, item.name, loc])
    try move(item.name, loc, .sellable, q, .receipt)
    if let receipt = event.receipt {
      _ = try field(receipt, "receipt")
      try db.cached("INSERT INTO receipt_lines (receipt, event_id, sku, location, qty, value_micros) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [receipt, eventID, item.name, loc, q, value])
    }
    try allocateBackorders(item.name, loc)
  }

  /// Allocates a receipt's freight, duty and fees to its lines in proportion to their value (largest
  /// remainder, so the parts add up to the total to the micro-unit), and raises each position's moving
  /// average by its share over the units on hand: avg' = avg + share / on-hand (rounded). A line whose
  /// units are all gone keeps its share on record (cost of goods sold is outside the ledger).
  func landedCost() throws {
    let receipt = try field(event.receipt, "receipt")
    let parts = [event.freightMicros, event.dutyMicros, event.feesMicros].map { $0 ?? 0 }
    guard parts.allSatisfy({ $0 >= 0 && $0 < Int.max / 8 }) else { throw LedgerError(.invalidMoney, "freight, duty and fees must be ≥ 0") }
    let total = parts.reduce(0, +)
    guard total > 0 else { throw LedgerError(.invalidMoney, "landed_cost for receipt \(receipt) carries no amount (freight, duty or fees)") }
    let lines = try db.cachedRows("SELECT event_id, sku, location, qty, value_micros FROM receipt_lines WHERE receipt = ? ORDER BY event_id", arguments: [receipt])
    guard !lines.isEmpty else { throw LedgerError(.unknownReceipt, "receipt \(receipt) has no received lines") }
    for l in lines { _ = try sku(l["sku"]) }
    let values = lines.map { max(0, $0["value_micros"] as Int) }
    let weights = values.reduce(0, +) > 0 ? values : lines.map { $0["qty"] as Int }  // no costs known: by units
    let weightTotal = weights.reduce(0, +)
    var shares = weights.map { Int((Double(total) * Double($0) / Double(weightTotal)).rounded(.down)) }
    var remainder = total - shares.reduce(0, +)
    let order = weights.indices.sorted { (Double(total) * Double(weights[$0]) / Double(weightTotal)).truncatingRemainder(dividingBy: 1) > (Double(total) * Double(weights[$1]) / Double(weightTotal)).truncatingRemainder(dividingBy: 1) }
    for i in order where remainder > 0 {
      shares[i] += 1
      remainder -= 1
    }
    for (l, share) in zip(lines, shares) where share > 0 {
      let skuName: String = l["sku"], loc: String = l["location"]
      try db.cached("UPDATE receipt_lines SET landed_micros = landed_micros + ? WHERE receipt = ? AND event_id = ?", arguments: [share, receipt, l["event_id"]])
      let p = try position(skuName, loc)
      let onHand: Int = p["sellable"]
      if onHand > 0 {
        let average: Int = p["avg_cost_micros"]
        try db.cached("UPDATE positions SET avg_cost_micros = ? WHERE sku = ? AND location = ?",
                      arguments: [average + Int((Double(share) / Double(onHand)).rounded()), skuName, loc])
      }
    }
  }

  // MARK: Order lines

  func orderLine() throws -> (order: String, line: String, rows: [Row]) {
    let order = try field(event.order, "order"), line = try field(event.line, "line")
    let rows = try db.cachedRows("SELECT * FROM order_lines WHERE order_id = ? AND line = ? ORDER BY component", arguments: [order, line])
    guard let first = rows.first else { throw LedgerError(.unknownLine, "order \(order) line \(line) was never reserved") }
    if let s = event.sku, s != (first["sku"] as String) {
      throw LedgerError(.unknownLine, "order \(order) line \(line) is for \(first["sku"] as String), not \(s)")
    }
    _ = try sku(first["sku"])
    return (order, line, rows)
  }

  func reserve() throws {
    let order = try field(event.order, "order"), line = try field(event.line, "line")
    let item = try sku()
    let loc = try location()
    let q = try quantity()
    if try db.cachedBool("SELECT 1 FROM order_lines WHERE order_id = ? AND line = ?", arguments: [order, line]) ?? false {
      throw LedgerError(.lineExists, "order \(order) line \(line) is already reserved; change it with release or a new line")
    }
    let parts = try components(of: item)
    guard !parts.isEmpty else { throw LedgerError(.invalidKit, "kit \(item.name) has no components") }
    var backordered = 0
    if item.isKit {
      for part in parts {
        _ = try sku(part.sku)
        let (need, o) = q.multipliedReportingOverflow(by: part.qty)
        guard !o, need <= maximumEventQuantity else { throw LedgerError(.overflow, "kit quantity overflows") }
        try guardedTake(part.sku, loc, need, available: "sellable - committed", into: .committed, sign: 1, what: "ATP of kit component (\(part.qty) per \(item.name))")
      }
    } else {
      let p = try position(item.name, loc)
      let atp = (p["sellable"] as Int) - (p["committed"] as Int)
      if atp >= q {
        try guardedTake(item.name, loc, q, available: "sellable - committed", into: .committed, sign: 1, what: "ATP")
      } else if item.allowBackorder {
        let now = max(0, atp)
        backordered = q - now
        if now > 0 { try guardedTake(item.name, loc, now, available: "sellable - committed", into: .committed, sign: 1, what: "ATP") }
        try move(item.name, loc, .backordered, backordered, .internal)
      } else {
        throw LedgerError(.insufficientStock, "\(item.name) at \(loc): ATP is \(atp), \(q) needed (backorders are not allowed for this SKU)")
      }
    }
    for part in parts {
      try db.cached("INSERT INTO order_lines (order_id, line, component, sku, location, qty_per, reserved, backordered, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     arguments: [order, line, part.sku, item.name, loc, part.qty, q, backordered, eventID])
    }
  }

  func release() throws {
    let (order, line, rows) = try orderLine()
    let q = try quantity()
    let first = rows[0]
    let open = (first["reserved"] as Int) - (first["shipped"] as Int) - (first["released"] as Int)
    guard q <= open else { throw LedgerError(.exceedsOpen, "order \(order) line \(line): releasing \(q) but only \(open) are open") }
    for r in rows {
      let k: Int = r["qty_per"], component: String = r["component"], loc: String = r["location"]
      let fromBackorder = min(q, r["backordered"] as Int)
      try db.cached("UPDATE order_lines SET released = released + ?, backordered = backordered - ? WHERE order_id = ? AND line = ? AND component = ?",
                     arguments: [q, fromBackorder, order, line, component])
      try move(component, loc, .backordered, -fromBackorder * k, .internal)
      try move(component, loc, .committed, -(q - fromBackorder) * k, .internal)
      try allocateBackorders(component, loc)
    }
  }

  func ship() throws {
    let (order, line, rows) = try orderLine()
    let q = try quantity()
    let first = rows[0]
    let open = (first["reserved"] as Int) - (first["shipped"] as Int) - (first["released"] as Int)
    let committed = open - (first["backordered"] as Int)
    guard q <= open else { throw LedgerError(.exceedsOpen, "order \(order) line \(line): shipping \(q) but only \(open) are open") }
    guard q <= committed else {
      throw LedgerError(.backordered, "order \(order) line \(line): \(committed) committed can ship; \(first["backordered"] as Int) are backordered awaiting stock")
    }
    if let given = event.location, given != (first["location"] as String) {
      throw LedgerError(.unknownLocation, "order \(order) line \(line) is reserved at \(first["location"] as String), not \(given)")
    }
    for r in rows {
      let k: Int = r["qty_per"], component: String = r["component"], loc: String = r["location"]
      try db.cached("UPDATE order_lines SET shipped = shipped + ? WHERE order_id = ? AND line = ? AND component = ?", arguments: [q, order, line, component])
      try move(component, loc, .committed, -q * k, .internal)
      try move(component, loc, .sellable, -q * k, .shipment)
    }
  }

  func dropship() throws {
    _ = try field(event.order, "order")
    _ = try field(event.line, "line")
    _ = try sku()
    _ = try quantity()
  }

  func returnLine() throws {
    let (order, line, rows) = try orderLine()
    let q = try quantity()
    let why = try reason(["restock", "scrap"])
    let first = rows[0]
    let returnable = (first["shipped"] as Int) - (first["returned"] as Int)
    guard q <= returnable else {
      throw LedgerError(.returnWithoutShipment, "order \(order) line \(line): returning \(q) but \(returnable) shipped units are not yet returned")
    }
    for r in rows {
      let k: Int = r["qty_per"], component: String = r["component"]
      try db.cached("UPDATE order_lines SET returned = returned + ? WHERE order_id = ? AND line = ? AND component = ?", arguments: [q, order, line, component])
      if why == "restock" { try move(component, r["location"], .quarantine, q * k, .return) }
    }
  }

  // MARK: Stock at a location

  func inspect() throws {
    let item = try sku()
    let loc = try location()
    let q = try quantity()
    let result = try reason(["pass", "fail"])
    try guardedTake(item.name, loc, q, available: "quarantine", into: .quarantine, sign: -1, what: "quarantine")
    try move(item.name, loc, result == "pass" ? .sellable : .damaged, q, .internal)
    if result == "pass" { try allocateBackorders(item.name, loc) }
  }

  /// Sets sellable on-hand to the counted quantity. When the count is below what is committed, the
  /// newest reservations are demoted to backorders (the stock is not there; they cannot ship).
  func count() throws {
    let item = try sku()
    guard !item.isKit else { throw LedgerError(.kitNotAllowed, "\(item.name) is a kit; count its components") }
    let loc = try location()
    let counted = try quantity(allowZero: true)
    let p = try position(item.name, loc)
    var excess = (p["committed"] as Int) - counted
    if excess > 0 {
      let lines = try db.cachedRows("""
        SELECT order_id, line, sku, qty_per, reserved - shipped - released - backordered AS open FROM order_lines
        WHERE component = ? AND location = ? AND reserved - shipped - released - backordered > 0 ORDER BY seq DESC
        """, arguments: [item.name, loc])
      for l in lines where excess > 0 {
        let k: Int = l["qty_per"], open: Int = l["open"]
        let units = min(open, (excess + k - 1) / k)
        // A kit line is demoted for every component together.
        let parts = try db.cachedRows("SELECT component FROM order_lines WHERE order_id = ? AND line = ?", arguments: [l["order_id"], l["line"]])
        try db.cached("UPDATE order_lines SET backordered = backordered + ? WHERE order_id = ? AND line = ?", arguments: [units, l["order_id"], l["line"]])
        for part in parts {
          let component: String = part["component"]
          let kk = try db.cachedInt("SELECT qty_per FROM order_lines WHERE order_id = ? AND line = ? AND component = ?", arguments: [l["order_id"], l["line"], component])!
          try move(component, loc, .committed, -units * kk, .internal)
          try move(component, loc, .backordered, units * kk, .internal)
        }
        excess -= units * k
      }
    }
    let difference = counted - (p["sellable"] as Int)
    try move(item.name, loc, .sellable, difference, .adjustment)
  }

  func adjust() throws {
    let item = try sku()
    guard !item.isKit else { throw LedgerError(.kitNotAllowed, "\(item.name) is a kit; adjust its components") }
    let loc = try location()
    let q = try quantity()
    switch try reason(["shrink", "damage", "found", "dispose"]) {
    case "shrink":
      try guardedTake(item.name, loc, q, available: "sellable - committed", into: .sellable, sign: -1, what: "uncommitted sellable stock", flow: .adjustment)
    case "damage":
      try guardedTake(item.name, loc, q, available: "sellable - committed", into: .sellable, sign: -1, what: "uncommitted sellable stock")
      try move(item.name, loc, .damaged, q, .internal)
    case "found":
      try move(item.name, loc, .sellable, q, .adjustment)
      try allocateBackorders(item.name, loc)
    default:
      try guardedTake(item.name, loc, q, available: "damaged", into: .damaged, sign: -1, what: "damaged stock", flow: .adjustment)
    }
  }

  // MARK: Transfers

  func transferOut() throws {
    let transfer = try field(event.transfer, "transfer")
    let item = try sku()
    guard !item.isKit else { throw LedgerError(.kitNotAllowed, "\(item.name) is a kit; transfer its components") }
    let from = try location()
    let to = try location(event.toLocation, "to_location")
    guard from != to else { throw LedgerError(.sameLocation, "transfer \(transfer): origin and destination are both \(from)") }
    let q = try quantity()
    if try db.cachedBool("SELECT 1 FROM transfers WHERE transfer = ? AND sku = ?", arguments: [transfer, item.name]) ?? false {
      throw LedgerError(.transferExists, "transfer \(transfer) already moves \(item.name)")
    }
    try guardedTake(item.name, from, q, available: "sellable - committed", into: .sellable, sign: -1, what: "ATP")
    try move(item.name, to, .inTransit, q, .internal)
    let cost = try db.cachedInt("SELECT avg_cost_micros FROM positions WHERE sku = ? AND location = ?", arguments: [item.name, from]) ?? 0
    try db.cached("INSERT INTO transfers (transfer, sku, from_location, to_location, qty, cost_micros) VALUES (?, ?, ?, ?, ?, ?)",
                   arguments: [transfer, item.name, from, to, q, cost])
  }

  func transferIn() throws {
    let transfer = try field(event.transfer, "transfer")
    let item = try sku()
    let q = try quantity()
    guard let t = try db.cachedRow("SELECT * FROM transfers WHERE transfer = ? AND sku = ?", arguments: [transfer, item.name]) else {
      throw LedgerError(.unknownTransfer, "transfer \(transfer) does not move \(item.name)")
    }
    let open = (t["qty"] as Int) - (t["received"] as Int)
    guard q <= open else { throw LedgerError(.exceedsOpen, "transfer \(transfer) \(item.name): receiving \(q) but \(open) are in transit") }
    let to: String = t["to_location"]
    if let given = event.location, given != to { throw LedgerError(.unknownLocation, "transfer \(transfer) goes to \(to), not \(given)") }
    let p = try position(item.name, to)
    let onHand: Int = p["sellable"], average: Int = p["avg_cost_micros"], cost: Int = t["cost_micros"]
    let blended = Int(((Double(onHand) * Double(average) + Double(q) * Double(cost)) / Double(onHand + q)).rounded())
    try db.cached("UPDATE positions SET avg_cost_micros = ? WHERE sku = ? AND location = ?", arguments: [blended, item.name, to])
    try db.cached("UPDATE transfers SET received = received + ? WHERE transfer = ? AND sku = ?", arguments: [q, transfer, item.name])
    try move(item.name, to, .inTransit, -q, .internal)
    try move(item.name, to, .sellable, q, .internal)
    try allocateBackorders(item.name, to)
  }
}

extension Database {
  /// Statement helpers that reuse prepared statements: an event runs a dozen small statements, and
  /// compiling each one every time cost more than executing it.
  func cached(_ sql: String, arguments: StatementArguments = []) throws {
    try cachedStatement(sql: sql).execute(arguments: arguments)
  }
  func cachedRow(_ sql: String, arguments: StatementArguments = []) throws -> Row? {
    try Row.fetchOne(cachedStatement(sql: sql), arguments: arguments)
  }
  func cachedRows(_ sql: String, arguments: StatementArguments = []) throws -> [Row] {
    try Row.fetchAll(cachedStatement(sql: sql), arguments: arguments)
  }
  func cachedInt(_ sql: String, arguments: StatementArguments = []) throws -> Int? {
    try Int.fetchOne(cachedStatement(sql: sql), arguments: arguments)
  }
  func cachedBool(_ sql: String, arguments: StatementArguments = []) throws -> Bool? {
    try Bool.fetchOne(cachedStatement(sql: sql), arguments: arguments)
  }
}
