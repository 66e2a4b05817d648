
/// Freight, duty and fees billed for a whole receipt after its lines arrived.
extension EventOperation {
  /// Allocates a receipt's freight, duty and fees to its lines in proportion to their value (largest
  /// remainder, so the parts add up to the total to the micro-unit), and raises each position's moving
  /// average by its share over the units on hand: avg' = (on-hand·avg + share) / on-hand, rounded
  /// (`movingAverageCost` with no units added). A line whose units are all gone keeps its share on record
  /// (cost of goods sold is outside the ledger).
  func landedCost() throws {
    let receipt = try field(event.receipt, "receipt")
    let parts = [event.freightMicros, event.dutyMicros, event.feesMicros].map { $0 ?? 0 }
    guard parts.allSatisfy({ $0 >= 0 }) else { throw LedgerError(.invalidMoney, "freight, duty and fees must be ≥ 0") }
    guard parts.allSatisfy({ $0 <= LedgerText.maximumAmountMicros }) else {
      throw LedgerError(.overflow, "freight, duty and fees must each be at most \(LedgerText.money(LedgerText.maximumAmountMicros)) per event")
    }
    let total = parts.reduce(0, +)
    guard total > 0 else { throw LedgerError(.invalidMoney, "landed_cost for receipt \(receipt) carries no amount (freight, duty or fees)") }
    let lines = try ReceiptLineRecord.fetchAll(db, sql: "SELECT * FROM receipt_lines WHERE receipt = ? ORDER BY event_id", arguments: [receipt])
    guard !lines.isEmpty else { throw LedgerError(.unknownReceipt, "receipt \(receipt) has no received lines") }
    for l in lines { _ = try sku(l.sku) }
    let values = lines.map { max(0, $0.valueMicros) }
    let weights = values.reduce(0, +) > 0 ? values : lines.map(\.qty)  // no costs known: by units
    let shares = largestRemainder(total, weights: weights)
    for (l, share) in zip(lines, shares) where share > 0 {
      try db.cached("UPDATE receipt_lines SET landed_micros = landed_micros + ? WHERE receipt = ? AND event_id = ?", arguments: [share, receipt, l.eventId])
      let p = try position(l.sku, l.location)
      if p.sellable > 0 {
        try setAverageCost(l.sku, l.location, movingAverageCost(onHand: p.sellable, average: p.avgCostMicros, addedUnits: 0, addedValue: Double(share)))
      }
    }
  }
}

/// Splits `total` into whole parts proportional to `weights` that add up to `total` exactly: each part
/// is ⌊total·w/Σw⌋, and the units left over go one each to the largest fractional remainders (Hamilton's
/// method).
func largestRemainder(_ total: Int, weights: [Int]) -> [Int] {
  let sum = weights.reduce(0, +)
  guard sum > 0 else { return weights.map { _ in 0 } }
  let exact = weights.map { Double(total) * Double($0) / Double(sum) }
  var shares = exact.map { Int($0.rounded(.down)) }
  var remainder = total - shares.reduce(0, +)
  let order = exact.indices.sorted { exact[$0].truncatingRemainder(dividingBy: 1) > exact[$1].truncatingRemainder(dividingBy: 1) }
  for i in order where remainder > 0 {
    shares[i] += 1
    remainder -= 1
  }
  return shares
}
