import Foundation

/// A suggested purchase-order line that a buyer releases into the ledger: it becomes a `po_open` event
/// (inbound +quantity) and a release record saying who released it, at what quantity, against what was
/// suggested. The identity is (plan, line): a line is ordered once, however often or by however many
/// people it is released (`LedgerStore.perform` with `WriteRequest.releases`).
public struct PurchaseRelease: Sendable, Equatable {
  /// The plan the line comes from (`PurchasePlan.planID`) and the line within it (`sku@location`).
  public var planID: String
  public var lineID: String
  /// The ledger's PO number for the line (the plan's suggested PO id).
  public var po: String
  public var sku: String
  public var location: String
  public var supplier: String
  /// Units ordered: the suggestion, or the buyer's edit after MOQ / case-pack / multiple rounding.
  public var quantity: Int
  public var suggestedQuantity: Int
  public var unitCostMicros: Int
  /// What the buyer changed and how it was rounded ("buyer set 30 → 36 (MOQ 1, case pack 12, multiple 1;
  /// suggested 24)"), or "" when the
  /// suggestion was released as it was.
  public var adjustment: String
  public var releasedBy: String

  public init(planID: String, lineID: String, po: String, sku: String, location: String, supplier: String, quantity: Int,
              suggestedQuantity: Int, unitCostMicros: Int, adjustment: String, releasedBy: String) {
    (self.planID, self.lineID, self.po, self.sku, self.location, self.supplier) = (planID, lineID, po, sku, location, supplier)
    (self.quantity, self.suggestedQuantity, self.unitCostMicros, self.adjustment, self.releasedBy) = (quantity, suggestedQuantity, unitCostMicros, adjustment, releasedBy)
  }

  /// The idempotency identity of the line's `po_open` event.
  public static let eventSource = "po-release"
  var eventKey: String { "\(planID)/\(lineID)" }
}

/// A released line as the ledger keeps it.
public struct ReleaseRecord: Sendable, Equatable {
  public var release: PurchaseRelease
  /// Milliseconds since 1970 UTC.
  public var releasedAt: Int64
  public var eventID: Int64

  public init(release: PurchaseRelease, releasedAt: Int64, eventID: Int64) {
    (self.release, self.releasedAt, self.eventID) = (release, releasedAt, eventID)
  }
}

/// What releasing one line did.
public enum ReleaseOutcome: Sendable, Equatable {
  /// Ordered now.
  case released(ReleaseRecord)
  /// Ordered before (by this or another release): nothing changed; the earlier record.
  case alreadyReleased(ReleaseRecord)
  /// The ledger refused the `po_open` (an unknown SKU or location, a PO line that exists already …):
  /// nothing was recorded, so the line can be released again once the cause is fixed.
  case refused(lineID: String, LedgerError)

  public var lineID: String {
    switch self {
    case .released(let r), .alreadyReleased(let r): r.release.lineID
    case .refused(let id, _): id
    }
  }
}

extension LedgerStore {
  /// Releases one line inside the request's savepoint (see `perform`): an earlier release of the same
  /// (plan, line) answers with its record; otherwise the `po_open` is applied in its own savepoint and kept
  /// with its release record, or rolled back entirely when the ledger refuses it.
  func release(_ line: PurchaseRelease, now: Int64, db: any SQLConnection, moved: MovedPositions? = nil) throws -> (ReleaseOutcome, EventOutcome?) {
    if let earlier = try Self.releaseRecord(planID: line.planID, lineID: line.lineID, db: db) {
      return (.alreadyReleased(earlier), nil)
    }
    let event = LedgerEvent(source: PurchaseRelease.eventSource, key: line.eventKey, kind: .poOpen, sku: line.sku, location: line.location,
                            qty: line.quantity, po: line.po, unitCostMicros: line.unitCostMicros)
    try Self.validateIdentity(event)
    var result: (ReleaseOutcome, EventOutcome?) = (.refused(lineID: line.lineID, LedgerError(.missingField, "not applied")), nil)
    try db.savepoint("release") {
      // Another release of this line may commit between the look-up above and the event's (on PostgreSQL
      // each statement of a READ COMMITTED transaction sees what has committed before it): its event is
      // the one this replays — or, released with another quantity, the one whose key this reuses — and its
      // record answers.
      let outcome: EventOutcome
      do {
        outcome = try self.apply(event, db: db, moved: moved)
      } catch let error as LedgerError where error.code == .keyReused {
        guard let earlier = try Self.releaseRecord(planID: line.planID, lineID: line.lineID, db: db) else { throw error }
        result = (.alreadyReleased(earlier), nil)
        return .rollback
      }
      if outcome.replayed, let earlier = try Self.releaseRecord(planID: line.planID, lineID: line.lineID, db: db) {
        result = (.alreadyReleased(earlier), nil)
        return .rollback
      }
      guard outcome.succeeded, !outcome.replayed else {
        let error = outcome.error ?? LedgerError(.poExists, "PO \(line.po) line \(line.sku) was opened before under the same release key")
        result = (.refused(lineID: line.lineID, error), nil)
        return .rollback
      }
      try db.cached("""
        INSERT INTO purchase_releases (plan_id, line_id, po, sku, location, supplier, qty, suggested_qty, unit_cost_micros, adjustment, released_by, released_at, event_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """, arguments: [line.planID, line.lineID, line.po, line.sku, line.location, line.supplier, line.quantity, line.suggestedQuantity,
                         line.unitCostMicros, line.adjustment, line.releasedBy, now, outcome.eventID])
      result = (.released(ReleaseRecord(release: line, releasedAt: now, eventID: outcome.eventID)), outcome)
      return .commit
    }
    return result
  }

  static func releaseRecord(planID: String, lineID: String, db: any SQLConnection) throws -> ReleaseRecord? {
    try SQLRow.fetchOne(db, sql: "SELECT \(releaseColumns) FROM purchase_releases WHERE plan_id = ? AND line_id = ?",
                     arguments: [planID, lineID]).map(Self.releaseRecord)
  }

  /// Every line released from a plan, in PO and SKU order.
  public func releases(planID: String) throws -> [ReleaseRecord] {
    try read { db in
      try SQLRow.fetchAll(db, sql: "SELECT \(Self.releaseColumns) FROM purchase_releases WHERE plan_id = ? ORDER BY po, sku", arguments: [planID]).map(Self.releaseRecord)
    }
  }

  private static let releaseColumns =
    "plan_id, line_id, po, sku, location, supplier, qty, suggested_qty, unit_cost_micros, adjustment, released_by, released_at, event_id"

  private static func releaseRecord(_ row: SQLRow) -> ReleaseRecord {
    ReleaseRecord(
      release: PurchaseRelease(planID: row[0], lineID: row[1], po: row[2], sku: row[3], location: row[4], supplier: row[5], quantity: row[6],
                               suggestedQuantity: row[7], unitCostMicros: row[8], adjustment: row[9], releasedBy: row[10]),
      releasedAt: row[11], eventID: row[12])
  }
}

extension LedgerStore {
  /// Releases lines outside the HTTP service (the CLI): one transaction, each line on its own, with the same
  /// rules, change log and outbox as `perform`. The (plan, line) identity makes a retry safe, so no request
  /// record is kept.
  public func release(_ lines: [PurchaseRelease], source: String = "cli") throws -> [ReleaseOutcome] {
    let request = WriteRequest(source: source, key: "", fingerprint: "", events: [], atomicity: .perEvent, releases: lines) { _ in StoredResponse(status: 200, body: "") }
    return try write { db in try execute(request, now: clock(), db: db).releases }
  }
}

/// A buyer's decision on a suggested line before it is released: approved at a quantity (the suggestion
/// or an edit, rounded), or deferred to a later plan. The latest decision counts.
public struct LineDecision: Sendable, Equatable {
  public enum Kind: String, Sendable, CaseIterable { case approved, deferred }
  public var planID: String
  public var lineID: String
  public var kind: Kind
  public var quantity: Int
  public var adjustment: String
  public var decidedBy: String
  /// Milliseconds since 1970 UTC.
  public var decidedAt: Int64

  public init(planID: String, lineID: String, kind: Kind, quantity: Int, adjustment: String, decidedBy: String, decidedAt: Int64 = 0) {
    (self.planID, self.lineID, self.kind, self.quantity, self.adjustment, self.decidedBy, self.decidedAt) = (planID, lineID, kind, quantity, adjustment, decidedBy, decidedAt)
  }
}

extension LedgerStore {
  /// Records a decision (replacing the line's earlier one). A released line takes no more decisions:
  /// returns its release record instead.
  @discardableResult
  public func decide(_ decision: LineDecision) throws -> ReleaseRecord? {
    try Self.validateName(decision.lineID, what: "line")
    guard decision.quantity > 0, decision.quantity <= maximumEventQuantity else {
      throw LedgerError(.invalidQuantity, "quantity \(decision.quantity): expected a whole number from 1 to \(maximumEventQuantity)")
    }
    return try write { db in
      if let released = try Self.releaseRecord(planID: decision.planID, lineID: decision.lineID, db: db) { return released }
      try db.execute(sql: """
        INSERT INTO plan_line_decisions VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (plan_id, line_id) DO UPDATE SET decision = excluded.decision, qty = excluded.qty, adjustment = excluded.adjustment,
          decided_by = excluded.decided_by, decided_at = excluded.decided_at
        """, arguments: [decision.planID, decision.lineID, decision.kind.rawValue, decision.quantity, decision.adjustment, decision.decidedBy, clock()])
      return nil
    }
  }

  /// The decisions on a plan's lines, by line id.
  public func decisions(planID: String) throws -> [String: LineDecision] {
    try read { db in
      var out: [String: LineDecision] = [:]
      for row in try SQLRow.fetchAll(db, sql: "SELECT line_id, decision, qty, adjustment, decided_by, decided_at FROM plan_line_decisions WHERE plan_id = ?",
                                  arguments: [planID]) {
        let kind = LineDecision.Kind(rawValue: row[1]) ?? .approved
        out[row[0]] = LineDecision(planID: planID, lineID: row[0], kind: kind, quantity: row[2], adjustment: row[3], decidedBy: row[4], decidedAt: row[5])
      }
      return out
    }
  }
}
