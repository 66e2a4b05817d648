import Foundation
import TimeSeries

/// Replenishment cycles of one SKU × location as the ledger recorded them.
public struct RealisedCycles: Sendable, Equatable {
  /// Complete cycles: from one receipt to the next.
  public var cycles = 0
  /// Of those, the cycles that ran out (see `LedgerStore.realisedCycles`).
  public var ranOut = 0

  public init(cycles: Int = 0, ranOut: Int = 0) {
    self.cycles = cycles
    self.ranOut = ranOut
  }
}

extension LedgerStore {
  /// The cycle service a SKU × location realised in the ledger, for a plan's feedback (`replenish plan
  /// --service-feedback κ`, Hult, Zachariah & Stoica 2024): its replenishment cycles — from one receipt of
  /// stock (a `receive`, with or without a PO) to the next; the open cycle after the last receipt does not
  /// count, as in the policy backtest — and how many of them ran out. A cycle ran out when, after any event
  /// in it, the available stock (sellable − committed) was 0 or a line was backordered, or when a
  /// reservation in it was refused for stock. Available stock at 0 counts because a channel that lists
  /// what is available hides the item then, and the demand it loses is recorded nowhere (a refused
  /// all-or-nothing order over HTTP also leaves no event); a slow mover sold out a day before its receipt
  /// with no one asking in between counts too, so the figure errs towards shortfall (more stock).
  ///
  /// `from` and `until` (milliseconds since 1970): only cycles that begin in [from, until) count. Every
  /// balance is rebuilt from the SKU's movements since the first, in the order the ledger applied them.
  public func realisedCycles(from: Int64, until: Int64, skusPerQuery: Int = 1000) throws -> [StockKey: RealisedCycles] {
    precondition(skusPerQuery > 0)
    return try read { db in
      // Refusals for stock: the event row keeps the payload (sku, location) and its time.
      var refusals: [StockKey: [Int64]] = [:]
      for row in try SQLRow.fetchAll(db, sql: """
        SELECT \(db.dialect.jsonText("payload", "sku")), \(db.dialect.jsonText("payload", "location")), at FROM events
        WHERE status = 'rejected' AND error_code = 'insufficient_stock' AND kind = 'reserve' AND at < ?
        """, arguments: [until]) {
        guard let sku: String = row[0], let location: String = row[1] else { continue }
        refusals[StockKey(sku: sku, location: location), default: []].append(row[2])
      }
      var out: [StockKey: RealisedCycles] = [:]
      // One SKU × location at a time, its movements in the order they were applied (event by event).
      var key: StockKey?
      var sellable = 0, committed = 0
      var cycleStart: Int64?  // the receipt that opened the current cycle
      var ranOut = false
      var event: Int64 = -1, eventAt: Int64 = 0, eventReceived = false, eventBackordered = false
      var counts = RealisedCycles()
      func closeEvent() {
        guard event >= 0 else { return }
        if eventReceived {
          if let start = cycleStart, start >= from, start < until, eventAt < until {
            counts.cycles += 1
            let refused = refusals[key!]?.contains { $0 >= start && $0 < eventAt } ?? false
            if ranOut || refused { counts.ranOut += 1 }
          }
          cycleStart = eventAt
          ranOut = false
        }
        if cycleStart != nil && (sellable - committed <= 0 || eventBackordered) { ranOut = true }
        event = -1
        eventReceived = false
        eventBackordered = false
      }
      func closeKey() {
        closeEvent()
        if let key, counts.cycles > 0 { out[key] = counts }
        (sellable, committed, cycleStart, ranOut, counts) = (0, 0, nil, false, RealisedCycles())
      }
      // The movements `skusPerQuery` SKUs at a time (memory stays bounded by one chunk's rows), all in the
      // one snapshot this read transaction sees.
      let skus = try String.fetchAll(db, sql: "SELECT sku FROM skus ORDER BY sku")
      for chunk in stride(from: 0, to: skus.count, by: skusPerQuery) {
        for row in try SQLRow.fetchAll(db, sql: """
          SELECT sku, location, event_id, at, bucket, qty, flow FROM movements
          WHERE sku BETWEEN ? AND ? AND bucket IN ('sellable', 'committed', 'backordered') AND at < ? ORDER BY sku, location, id
          """, arguments: [skus[chunk], skus[min(skus.count, chunk + skusPerQuery) - 1], until]) {
          let rowKey = StockKey(sku: row[0], location: row[1])
          if rowKey != key {
            closeKey()
            key = rowKey
          }
          let id: Int64 = row[2]
          if id != event {
            closeEvent()
            (event, eventAt) = (id, row[3])
          }
          let qty: Int = row[5]
          switch row[4] as String {
          case Bucket.sellable.rawValue:
            sellable += qty
            if qty > 0 && (row[6] as String) == MovementFlow.receipt.rawValue { eventReceived = true }
          case Bucket.committed.rawValue: committed += qty
          default: if qty > 0 { eventBackordered = true }
          }
        }
      }
      closeKey()
      return out
    }
  }
}
