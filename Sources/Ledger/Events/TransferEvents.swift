
/// Transfers between locations: out of the origin's ATP into in-transit at the destination, then arrival.
extension EventOperation {
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
    try guardedTake(item.name, from, q, available: .atp, into: .sellable, sign: -1, what: "ATP")
    try move(item.name, to, .inTransit, q, .internal)
    let cost = try position(item.name, from).avgCostMicros
    try TransferRecord(transfer: transfer, sku: item.name, fromLocation: from, toLocation: to, qty: q, costMicros: cost).insert(db)
  }

  /// The arrival blends the origin's unit cost into the destination's moving average (`movingAverageCost`).
  func transferIn() throws {
    let transfer = try field(event.transfer, "transfer")
    let item = try sku()
    let q = try quantity()
    guard let t = try TransferRecord.fetchOne(db, sql: "SELECT * FROM transfers WHERE transfer = ? AND sku = ?", arguments: [transfer, item.name]) else {
      throw LedgerError(.unknownTransfer, "transfer \(transfer) does not move \(item.name)")
    }
    guard q <= t.inTransit else { throw LedgerError(.exceedsOpen, "transfer \(transfer) \(item.name): receiving \(q) but \(t.inTransit) are in transit") }
    let to = t.toLocation
    if let given = event.location, given != to { throw LedgerError(.unknownLocation, "transfer \(transfer) goes to \(to), not \(given)") }
    let p = try position(item.name, to)
    try setAverageCost(item.name, to, movingAverageCost(onHand: p.sellable, average: p.avgCostMicros, addedUnits: q, addedValue: Double(q) * Double(t.costMicros)))
    try db.cached("UPDATE transfers SET received = received + ? WHERE transfer = ? AND sku = ?", arguments: [q, transfer, item.name])
    try move(item.name, to, .inTransit, -q, .internal)
    try move(item.name, to, .sellable, q, .internal)
    try allocateBackorders(item.name, to)
  }
}
