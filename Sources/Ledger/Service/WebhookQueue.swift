import Foundation

/// A channel's subscription to change topics, delivered to `url` signed with `secret`.
public struct WebhookSubscription: Sendable, Equatable {
  public enum Status: String, Sendable, Codable { case active, disabled }
  public var id: String
  public var channel: String
  public var url: String
  public var secret: String
  public var topics: [ChangeTopic]
  public var status: Status
  public var consecutiveFailures: Int
  public var createdAt: Int64
  public var disabledReason: String?

  static let columns = "id, channel, url, secret, topics, status, consecutive_failures, created_at, disabled_reason"

  init(row: SQLRow, offset: Int = 0) {
    id = row[offset]
    channel = row[offset + 1]
    url = row[offset + 2]
    secret = row[offset + 3]
    topics = (row[offset + 4] as String).split(separator: ",").compactMap { ChangeTopic(rawValue: String($0)) }
    status = Status(rawValue: row[offset + 5]) ?? .disabled
    consecutiveFailures = row[offset + 6]
    createdAt = row[offset + 7]
    disabledReason = row[offset + 8]
  }
}

/// A change waiting to be delivered to one subscription.
public struct PendingDelivery: Sendable {
  public var id: Int64
  public var attempts: Int
  public var subscription: WebhookSubscription
  public var change: Change
}

extension LedgerStore {
  public func addSubscription(id: String, channel: String, url: String, secret: String, topics: [ChangeTopic]) throws -> WebhookSubscription {
    try write { db in
      guard try Bool.fetchOne(db, sql: "SELECT 1 FROM channels WHERE channel = ?", arguments: [channel]) ?? false else {
        throw LedgerError(.unknownChannel, "channel \(LedgerText.excerpt(channel)) is not defined")
      }
      try db.execute(sql: "INSERT INTO webhook_subscriptions (id, channel, url, secret, topics, status, created_at) VALUES (?, ?, ?, ?, ?, 'active', ?)",
                     arguments: [id, channel, url, secret, topics.map(\.rawValue).joined(separator: ","), clock()])
      return WebhookSubscription(row: try SQLRow.fetchOne(db, sql: "SELECT \(WebhookSubscription.columns) FROM webhook_subscriptions WHERE id = ?", arguments: [id])!)
    }
  }

  /// Subscriptions of one channel, or all (nil).
  public func subscriptions(channel: String?) throws -> [WebhookSubscription] {
    try read { db in
      try SQLRow.fetchAll(db, sql: "SELECT \(WebhookSubscription.columns) FROM webhook_subscriptions WHERE ? IS NULL OR channel = ? ORDER BY created_at, id",
                       arguments: [channel, channel]).map { WebhookSubscription(row: $0) }
    }
  }

  /// Deletes a subscription (of `channel`, unless nil) and its queued deliveries; false when there is none.
  public func deleteSubscription(id: String, channel: String?) throws -> Bool {
    try write { db in
      guard try Bool.fetchOne(db, sql: "SELECT 1 FROM webhook_subscriptions WHERE id = ? AND (? IS NULL OR channel = ?)", arguments: [id, channel, channel]) ?? false else { return false }
      try db.execute(sql: "DELETE FROM webhook_deliveries WHERE subscription_id = ?", arguments: [id])
      try db.execute(sql: "DELETE FROM webhook_subscriptions WHERE id = ?", arguments: [id])
      return true
    }
  }

  /// Re-enables a disabled subscription (its failure count reset); the changes missed while it was
  /// disabled come back with `replay`.
  public func enableSubscription(id: String, channel: String?) throws -> WebhookSubscription? {
    try write { db in
      try db.execute(sql: "UPDATE webhook_subscriptions SET status = 'active', consecutive_failures = 0, disabled_reason = NULL WHERE id = ? AND (? IS NULL OR channel = ?)",
                     arguments: [id, channel, channel])
      return try SQLRow.fetchOne(db, sql: "SELECT \(WebhookSubscription.columns) FROM webhook_subscriptions WHERE id = ? AND (? IS NULL OR channel = ?)", arguments: [id, channel, channel])
        .map { WebhookSubscription(row: $0) }
    }
  }

  /// Queues again every change from `from` to `to` (milliseconds since 1970, inclusive) that the
  /// subscription's topics and channel match, unless it is already queued for it; returns how many
  /// changes of the range it will receive. They are delivered after what is queued.
  /// On PostgreSQL a change not yet in the feed (`sequenceChanges`) is not queued here: it is queued for
  /// every active subscription, this one included, when it enters the feed; it is counted (when this
  /// subscription is active). The replay holds the feed's sequencer, so that no change enters the feed
  /// between what it queues and what it counts.
  public func replay(subscription id: String, channel: String?, from: Int64, to: Int64) throws -> Int? {
    try write { db in
      guard let s = try SQLRow.fetchOne(db, sql: "SELECT \(WebhookSubscription.columns) FROM webhook_subscriptions WHERE id = ? AND (? IS NULL OR channel = ?)",
                                     arguments: [id, channel, channel]).map({ WebhookSubscription(row: $0) }) else { return nil }
      _ = try Self.sequenceChanges(db, wait: true)
      let matching = "at BETWEEN ? AND ? AND \(db.dialect.position(of: "',' || topic || ','", in: "',' || ? || ','")) > 0 AND (channel IS NULL OR channel = ?)"
      let topics = s.topics.map(\.rawValue).joined(separator: ",")
      let pending = try Int.fetchOne(db, sql: """
        SELECT count(*) FROM changes c WHERE position IS NOT NULL AND \(matching)
        AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.subscription_id = ? AND d.change_seq = c.seq AND d.status = 'pending')
        """, arguments: [from, to, topics, s.channel, s.id]) ?? 0
      let queued = try db.execute(sql: """
        INSERT INTO webhook_deliveries (subscription_id, change_seq, next_at, status)
        SELECT ?, seq, ?, 'pending' FROM changes c WHERE position IS NOT NULL AND \(matching)
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.subscription_id = ? AND d.change_seq = c.seq AND d.status = 'pending')
        ORDER BY position
        """, arguments: [s.id, clock(), from, to, topics, s.channel, s.id])
      guard s.status == .active else { return pending + queued }
      let entering = try Int.fetchOne(db, sql: "SELECT count(*) FROM changes WHERE position IS NULL AND \(matching)", arguments: [from, to, topics, s.channel]) ?? 0
      return pending + queued + entering
    }
  }

  /// Claims the next delivery of each active subscription that is due at `now` and not claimed by another
  /// server (one per subscription, oldest first, so that a subscription receives its changes in order), at
  /// most `limit`, until `leaseUntil`: until then no other server sends it; a server that dies holding it
  /// lets it go when the lease ends. On PostgreSQL the candidates are locked `FOR UPDATE SKIP LOCKED`, so
  /// that servers claiming at once take different ones, and changes are positioned first
  /// (`sequenceChanges`, which also queues them).
  public func claimDueDeliveries(now: Int64, limit: Int, leaseUntil: Int64) throws -> [PendingDelivery] {
    // On SQLite nothing needs positioning: an idle poll (every 200 ms) reads, and takes the one writer's
    // lock only when a delivery is due.
    if !isPostgres {
      let due = try read { db in
        try Bool.fetchOne(db, sql: "SELECT 1 FROM webhook_deliveries WHERE status = 'pending' AND next_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?) LIMIT 1",
                          arguments: [now, now])
      }
      guard due != nil else { return [] }
    }
    return try write { db in
      _ = try Self.sequenceChanges(db)
      let due = try SQLRow.fetchAll(db, sql: """
        SELECT d.id, d.attempts, \(WebhookSubscription.columns.split(separator: ",").map { "s." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")),
               \(Change.columns.split(separator: ",").map { "c." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
        FROM webhook_subscriptions s
        JOIN webhook_deliveries d ON d.id = (SELECT MIN(id) FROM webhook_deliveries WHERE subscription_id = s.id AND status = 'pending')
        JOIN changes c ON c.seq = d.change_seq
        WHERE s.status = 'active' AND d.next_at <= ? AND (d.claimed_until IS NULL OR d.claimed_until <= ?) ORDER BY d.id LIMIT ?
        \(db.dialect == .postgres ? "FOR UPDATE OF d SKIP LOCKED" : "")
        """, arguments: [now, now, limit]).map { row in
        let change = try Change(row: row, offset: 11)
        return PendingDelivery(id: row[0], attempts: row[1], subscription: WebhookSubscription(row: row, offset: 2), change: change)
      }
      for delivery in due {
        try db.execute(sql: "UPDATE webhook_deliveries SET claimed_until = ? WHERE id = ?", arguments: [leaseUntil, delivery.id])
      }
      return due
    }
  }

  /// Records a delivery attempt: delivered, or failed with the time of the next attempt; after
  /// `maximumFailures` consecutive failures the subscription is disabled (its queue kept for a replay).
  public func recordAttempt(delivery id: Int64, subscription: String, delivered: Bool, error: String?, nextAt: Int64, maximumFailures: Int) throws {
    try write { db in
      if delivered {
        try db.execute(sql: "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL, claimed_until = NULL WHERE id = ?", arguments: [clock(), id])
        try db.execute(sql: "UPDATE webhook_subscriptions SET consecutive_failures = 0 WHERE id = ?", arguments: [subscription])
      } else {
        try db.execute(sql: "UPDATE webhook_deliveries SET attempts = attempts + 1, next_at = ?, last_error = ?, claimed_until = NULL WHERE id = ?", arguments: [nextAt, error, id])
        try db.execute(sql: """
          UPDATE webhook_subscriptions SET consecutive_failures = consecutive_failures + 1,
            status = CASE WHEN consecutive_failures + 1 >= ? THEN 'disabled' ELSE status END,
            disabled_reason = CASE WHEN consecutive_failures + 1 >= ? THEN ? ELSE disabled_reason END
          WHERE id = ?
          """, arguments: [maximumFailures, maximumFailures, "\(maximumFailures) consecutive failed deliveries; last: \(error ?? "")", subscription])
      }
    }
  }

  /// Deliveries waiting, and the age of the oldest (milliseconds), over active subscriptions.
  public func outboxLag(now: Int64) throws -> (pending: Int, oldestMillis: Int64) {
    try read { db in
      let row = try SQLRow.fetchOne(db, sql: """
        SELECT count(*), MIN(c.at) FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
        JOIN changes c ON c.seq = d.change_seq WHERE d.status = 'pending' AND s.status = 'active'
        """)!
      let oldest: Int64? = row[1]
      return (row[0], oldest.map { max(0, now - $0) } ?? 0)
    }
  }
}
