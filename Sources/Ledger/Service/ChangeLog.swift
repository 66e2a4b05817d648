
/// What a logged change is about (the webhook topics, named as Shopify names its own).
public enum ChangeTopic: String, Sendable, Codable, CaseIterable {
  case inventoryLevels = "inventory_levels/update"
  case orders = "orders/updated"
}

/// One entry of the change log: `seq` is the cursor (its feed position: strictly increasing in commit
/// order, never reused, the same on every server of one database), `payload` the JSON of the
/// `InventoryLevel` or `OrderState` after the change.
public struct Change: Sendable, Equatable {
  public var seq: Int64
  public var at: Int64
  public var topic: ChangeTopic
  public var sku: String?
  public var location: String?
  public var order: String?
  /// The channel an order change belongs to (inventory changes are for every channel).
  public var channel: String?
  public var payload: String

  init(row: SQLRow, offset i: Int = 0) throws {
    seq = row[i]
    at = row[i + 1]
    guard let t = ChangeTopic(rawValue: row[i + 2]) else { throw LedgerError(.notALedger, "change \(seq) has an unknown topic") }
    topic = t
    (sku, location, order, channel, payload) = (row[i + 3], row[i + 4], row[i + 5], row[i + 6], row[i + 7])
  }

  static let columns = "position, at, topic, sku, location, order_id, channel, payload"
}

extension SQLDialect {
  /// The writing transaction's id, stored with a change (PostgreSQL's 64-bit `xid8`; 0 on SQLite).
  var changeTransaction: String {
    switch self {
    case .sqlite: "0"
    case .postgres: "pg_current_xact_id()::text::bigint"
    }
  }

  /// A new change's feed position: the next one on SQLite, whose single writer commits in the order it
  /// writes; none yet on PostgreSQL (`LedgerStore.sequenceChanges` gives it).
  var changePosition: String {
    switch self {
    case .sqlite: "(SELECT COALESCE(MAX(position), 0) + 1 FROM changes)"
    case .postgres: "NULL"
    }
  }
}

extension LedgerStore {
  /// The changes after `cursor` a channel may see (every inventory change, its own orders' changes), oldest
  /// first, at most `limit`; with `channel` nil, every change (admin).
  public func changes(after cursor: Int64, channel: String?, limit: Int) throws -> [Change] {
    if isPostgres { _ = try write { db in try Self.sequenceChanges(db) } }
    return try read { db in
      try SQLRow.fetchAll(db, sql: """
        SELECT \(Change.columns) FROM changes WHERE position > ? AND (? IS NULL OR channel IS NULL OR channel = ?) ORDER BY position LIMIT ?
        """, arguments: [cursor, channel, channel, limit]).map { try Change(row: $0) }
    }
  }

  /// The last change's cursor (0 when none).
  public func lastChangeSeq() throws -> Int64 {
    try read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(position), 0) FROM changes")! }
  }

  /// Gives feed positions to the changes of ended transactions (PostgreSQL; on SQLite every change has
  /// its position when written) and queues them for the active subscriptions; returns how many.
  ///
  /// An identity value is taken when a row is inserted, not when it commits: a reader following `seq`
  /// could see 105 before 104 commits and never see 104. So a change records its transaction (`xid`), and
  /// positions go only to changes whose transaction is older than every transaction still running
  /// (`pg_snapshot_xmin` of the current snapshot): that set no longer grows, and whatever commits later
  /// is positioned after. They go in `seq` order, up to the first change of a transaction that has ended
  /// but is not that old yet: two changes of one SKU (or kit, or order) are written under the SKU's row
  /// lock, so their `seq` order is their commit order, and the later one must not be positioned first.
  /// One server positions at a time (the `change_sequencer` row lock; a server that finds it taken leaves
  /// the work to the holder); the statement after the lock sees every positioned row (READ COMMITTED). A
  /// change is in the feed once every older writing transaction on the server has ended (of any database:
  /// transaction ids are the cluster's) — milliseconds, unless a transaction is left open.
  ///
  /// With `wait` the caller waits for the lock instead of leaving the work to its holder, and holds it
  /// to the end of its transaction: no change enters the feed meanwhile, so the caller's statements all
  /// see the same feed (what `replay` needs to count what it queues).
  static func sequenceChanges(_ db: any SQLConnection, wait: Bool = false) throws -> Int {
    guard db.dialect == .postgres else { return 0 }
    // Another server positioning now will have positioned these changes when it commits.
    guard try db.firstRow(sql: "SELECT id FROM change_sequencer WHERE id = 1 FOR UPDATE\(wait ? "" : " SKIP LOCKED")", arguments: []) != nil else { return 0 }
    let base = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(position), 0) FROM changes")!
    let positioned = try db.execute(sql: """
      UPDATE changes c SET position = ? + o.n
      FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM changes
            WHERE position IS NULL AND xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
              AND seq < COALESCE((SELECT MIN(seq) FROM changes WHERE position IS NULL AND xid >= pg_snapshot_xmin(pg_current_snapshot())::text::bigint),
                                 9223372036854775807)
            ORDER BY seq LIMIT 10000) o
      WHERE c.seq = o.seq
      """, arguments: [base])
    guard positioned > 0 else { return 0 }
    try db.execute(sql: """
      INSERT INTO webhook_deliveries (subscription_id, change_seq, next_at, status)
      SELECT s.id, c.seq, c.at, 'pending' FROM changes c
      JOIN webhook_subscriptions s ON s.status = 'active' AND strpos(',' || s.topics || ',', ',' || c.topic || ',') > 0
        AND (c.channel IS NULL OR s.channel = c.channel)
      WHERE c.position > ? ORDER BY c.position, s.id
      """, arguments: [base])
    return positioned
  }
}
