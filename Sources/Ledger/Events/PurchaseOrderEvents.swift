
/// Purchase-order lines (inbound) and receipts (on hand, with landed cost).
extension EventOperation {
  func poLine(_ po: String, _ sku: String) throws -> POLineRecord {
    guard let line = try POLineRecord.fetchOne(db, sql: "SELECT * FROM po_lines WHERE po = ? AND sku = ?", arguments: [po, sku]) else {
      throw LedgerError(.unknownPO, "PO \(po) has no line for \(sku)")
    }
    guard line.status == .open else {
      throw LedgerError(.poClosed, "PO \(po) line \(sku) is \(line.status.rawValue); it accepts no more changes or receipts")
    }
    return line
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
    try POLineRecord(po: po, sku: item.name, location: loc, ordered: q, unitCostMicros: event.unitCostMicros ?? 0, tolerancePercent: tolerance,
                     status: .open, openedAt: at).insert(db)
    try move(item.name, loc, .inbound, q, .internal)
  }

  func poChange() throws {
    let po = try field(event.po, "po")
    let item = try sku()
    let line = try poLine(po, item.name)
    let q = try quantity()
    guard q >= line.received else {
      throw LedgerError(.invalidQuantity, "PO \(po) \(item.name): new quantity \(q) is below the \(line.received) already received")
    }
    let status: POLineStatus = q == line.received ? .received : .open
    try db.cached("UPDATE po_lines SET ordered = ?, unit_cost_micros = COALESCE(?, unit_cost_micros), tolerance_percent = COALESCE(?, tolerance_percent), status = ? WHERE po = ? AND sku = ?",
                  arguments: [q, event.unitCostMicros, event.tolerancePercent, status, po, item.name])
    try move(item.name, line.location, .inbound, max(0, q - line.received) - max(0, line.remaining), .internal)
  }

  func poCancel() throws {
    let po = try field(event.po, "po")
    let item = try sku()
    let line = try poLine(po, item.name)
    try db.cached("UPDATE po_lines SET status = ?, closed_at = ? WHERE po = ? AND sku = ?", arguments: [POLineStatus.cancelled, at, po, item.name])
    try move(item.name, line.location, .inbound, -max(0, line.remaining), .internal)
  }

  /// Receipt with landed cost: unit landed cost = (qty·unit cost + freight + duty + fees) / qty, and the
  /// moving average unit cost = (on-hand·average + qty·landed) / (on-hand + qty), rounded to the micro
  /// (`movingAverageCost`).
  func receive() throws {
    let item = try sku()
    guard !item.isKit else { throw LedgerError(.kitNotAllowed, "\(item.name) is a kit; receive its components") }
    let q = try quantity()
    var loc: String
    var unitCost = event.unitCostMicros
    if let po = event.po {
      let line = try poLine(po, item.name)
      loc = line.location
      if let given = event.location, given != loc {
        throw LedgerError(.unknownLocation, "PO \(po) \(item.name) ships to \(loc), not \(given)")
      }
      let allowed = line.remaining + line.ordered * line.tolerancePercent / 100
      guard q <= allowed else {
        throw LedgerError(.overReceipt, "PO \(po) \(item.name): receiving \(q) but \(line.remaining) remain open (tolerance \(line.tolerancePercent)% allows \(allowed))")
      }
      let closes = line.received + q >= line.ordered
      try db.cached("UPDATE po_lines SET received = received + ?, status = ?, closed_at = ? WHERE po = ? AND sku = ?",
                    arguments: [q, closes ? POLineStatus.received : .open, closes ? at : nil, po, item.name])
      try move(item.name, loc, .inbound, -min(q, line.remaining), .internal)
      if unitCost == nil { unitCost = line.unitCostMicros }
    } else {
      loc = try location()
    }
    let extras = [event.freightMicros, event.dutyMicros, event.feesMicros].map { $0 ?? 0 }
    guard (unitCost ?? 0) >= 0, extras.allSatisfy({ $0 >= 0 }) else { throw LedgerError(.invalidMoney, "costs must not be negative") }
    let (value, o1) = (unitCost ?? 0).multipliedReportingOverflow(by: q)
    guard !o1, value < Int.max / 4, extras.allSatisfy({ $0 <= LedgerText.maximumAmountMicros }) else {
      throw LedgerError(.overflow, "receipt value overflows: quantity × unit cost must stay below \(LedgerText.money(Int.max / 4)) and freight, duty and fees at most \(LedgerText.money(LedgerText.maximumAmountMicros)) each")
    }
    let landed = (value + extras.reduce(0, +) + q / 2) / q
    let p = try position(item.name, loc)
    try setAverageCost(item.name, loc, movingAverageCost(onHand: p.sellable, average: p.avgCostMicros, addedUnits: q, addedValue: Double(q) * Double(landed)))
    try move(item.name, loc, .sellable, q, .receipt)
    if let receipt = event.receipt {
      _ = try field(receipt, "receipt")
      try ReceiptLineRecord(receipt: receipt, eventId: eventID, sku: item.name, location: loc, qty: q, valueMicros: value).insert(db)
    }
    try allocateBackorders(item.name, loc)
  }
}
