
/// What a logged change is about (the webhook topics, named as Shopify names its own).
public enum ChangeTopic: String, Sendable, Codable, CaseIterable {
  case inventoryLevels = "inventory_levels/update"
  case orders = "orders/updated"
}

/// One entry of the change log: `seq` is the cursor (strictly increasing, never reused), `payload` the JSON
/// of the `InventoryLevel` or `OrderState` after the change.
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

  static let columns = "seq, at, topic, sku, location, order_id, channel, payload"
}

extension LedgerStore {
  /// The changes after `cursor` a channel may see (every inventory change, its own orders' changes), oldest
  /// first, at most `limit`; with `channel` nil, every change (admin).
  public func changes(after cursor: Int64, channel: String?, limit: Int) throws -> [Change] {
    try read { db in
      try SQLRow.fetchAll(db, sql: """
        SELECT \(Change.columns) FROM changes WHERE seq > ? AND (? IS NULL OR channel IS NULL OR channel = ?) ORDER BY seq LIMIT ?
        """, arguments: [cursor, channel, channel, limit]).map { try Change(row: $0) }
    }
  }

  /// The last change's cursor (0 when none).
  public func lastChangeSeq() throws -> Int64 {
    try read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM changes")! }
  }
}
