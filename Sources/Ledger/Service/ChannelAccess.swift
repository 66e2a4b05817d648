
/// What an API key may do.
public enum APIScope: String, Sendable, Codable, CaseIterable, Comparable {
  /// Create, cancel, ship and return the channel's own orders.
  case ordersWrite = "orders:write"
  /// Read levels, the channel's availability, its orders and the change feed.
  case inventoryRead = "inventory:read"
  /// Purchase orders, receipts, transfers, counts, adjustments, inspections (warehouse and ERP connectors).
  case inventoryWrite = "inventory:write"
  /// The channel's own webhook subscriptions.
  case webhooksManage = "webhooks:manage"
  /// Everything, for every channel: channel rules, other channels' data.
  case admin

  public static func < (a: APIScope, b: APIScope) -> Bool { a.rawValue < b.rawValue }
}

/// An API key as stored: never the key itself, only its SHA-256 (the key carries 160 random bits, so a
/// fast hash is enough; what matters is that a leaked database does not leak usable keys).
public struct APIKeyRecord: Sendable, Equatable {
  public var id: String
  public var channel: String
  public var scopes: Set<APIScope>
  public var createdAt: Int64
  public var revokedAt: Int64?
}

extension LedgerStore {
  /// Adds or updates a channel and its allocation rule (buffer, percent, cap).
  public func defineChannel(_ allocation: ChannelAllocation) throws {
    try Self.validateName(allocation.name, what: "channel")
    _ = try write { db in
      try db.execute(sql: """
        INSERT INTO channels VALUES (?, ?, ?, ?) ON CONFLICT(channel) DO UPDATE SET
        buffer = excluded.buffer, buffer_percent = excluded.buffer_percent, cap = excluded.cap
        """, arguments: [allocation.name, allocation.buffer, allocation.bufferPercent, allocation.cap])
    }
  }

  public func channels() throws -> [ChannelAllocation] {
    try read { db in
      try SQLRow.fetchAll(db, sql: "SELECT channel, buffer, buffer_percent, cap FROM channels ORDER BY channel").map {
        ChannelAllocation(name: $0[0], buffer: $0[1], bufferPercent: $0[2], cap: $0[3])
      }
    }
  }

  public func channel(_ name: String) throws -> ChannelAllocation? {
    try channels().first { $0.name == name }
  }

  /// Stores a key's hash bound to a channel (which must exist) and scopes.
  public func addAPIKey(id: String, hash: String, channel: String, scopes: Set<APIScope>) throws {
    try write { db in
      guard try Bool.fetchOne(db, sql: "SELECT 1 FROM channels WHERE channel = ?", arguments: [channel]) ?? false else {
        throw LedgerError(.unknownChannel, "channel \(LedgerText.excerpt(channel)) is not defined; define it first (`replenish serve channel --name \(channel)`)")
      }
      try db.execute(sql: "INSERT INTO api_keys (id, hash, channel, scopes, created_at) VALUES (?, ?, ?, ?, ?)",
                     arguments: [id, hash, channel, scopes.sorted().map(\.rawValue).joined(separator: ","), clock()])
    }
  }

  /// The live (not revoked) key with this hash.
  public func apiKey(hash: String) throws -> APIKeyRecord? {
    try read { db in
      try SQLRow.fetchOne(db, sql: "SELECT id, channel, scopes, created_at, revoked_at FROM api_keys WHERE hash = ? AND revoked_at IS NULL", arguments: [hash])
        .map(Self.keyRecord)
    }
  }

  public func apiKeys() throws -> [APIKeyRecord] {
    try read { db in try SQLRow.fetchAll(db, sql: "SELECT id, channel, scopes, created_at, revoked_at FROM api_keys ORDER BY created_at, id").map(Self.keyRecord) }
  }

  /// Revokes a key by id; false when there is no such live key.
  public func revokeAPIKey(id: String) throws -> Bool {
    try write { db in
      try db.execute(sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [clock(), id]) == 1
    }
  }

  private static func keyRecord(_ row: SQLRow) -> APIKeyRecord {
    let scopes = (row[2] as String).split(separator: ",").compactMap { APIScope(rawValue: String($0)) }
    return APIKeyRecord(id: row[0], channel: row[1], scopes: Set(scopes), createdAt: row[3], revokedAt: row[4])
  }
}
