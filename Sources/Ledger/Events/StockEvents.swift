
/// Stock at one location: inspections of quarantined returns, cycle counts and adjustments.
extension EventOperation {
  func inspect() throws {
    let item = try sku()
    let loc = try location()
    let q = try quantity()
    let result = try reason(InspectionResult.self)
    try guardedTake(item.name, loc, q, available: .quarantine, into: .quarantine, sign: -1, what: "quarantine")
    try move(item.name, loc, result == .pass ? .sellable : .damaged, q, .internal)
    if result == .pass { try allocateBackorders(item.name, loc) }
  }

  /// Sets sellable on-hand to the counted quantity. When the count is below what is committed, the
  /// newest reservations are demoted to backorders (the stock is not there; they cannot ship).
  func count() throws {
    let item = try sku()
    guard !item.isKit else { throw LedgerError(.kitNotAllowed, "\(item.name) is a kit; count its components") }
    let loc = try location()
    let counted = try quantity(allowZero: true)
    let p = try position(item.name, loc)
    var excess = p.committed - counted
    if excess > 0 {
      let lines = try OrderLineRecord.fetchAll(db, sql: """
        SELECT \(OrderLineRecord.columns) FROM order_lines WHERE component = ? AND location = ? AND reserved - shipped - released - backordered > 0 ORDER BY seq DESC
        """, arguments: [item.name, loc])
      for l in lines where excess > 0 {
        let units = min(l.committed, (excess + l.qtyPer - 1) / l.qtyPer)
        // A kit line is demoted for every component together.
        let parts = try OrderLineRecord.fetchAll(db, sql: "SELECT \(OrderLineRecord.columns) FROM order_lines WHERE order_id = ? AND line = ?", arguments: [l.orderId, l.line])
        try db.cached("UPDATE order_lines SET backordered = backordered + ? WHERE order_id = ? AND line = ?", arguments: [units, l.orderId, l.line])
        for part in parts {
          try move(part.component, loc, .committed, -units * part.qtyPer, .internal)
          try move(part.component, loc, .backordered, units * part.qtyPer, .internal)
        }
        excess -= units * l.qtyPer
      }
    }
    try move(item.name, loc, .sellable, counted - p.sellable, .adjustment)
  }

  func adjust() throws {
    let item = try sku()
    guard !item.isKit else { throw LedgerError(.kitNotAllowed, "\(item.name) is a kit; adjust its components") }
    let loc = try location()
    let q = try quantity()
    switch try reason(AdjustmentReason.self) {
    case .shrink:
      try guardedTake(item.name, loc, q, available: .atp, into: .sellable, sign: -1, what: "uncommitted sellable stock", flow: .adjustment)
    case .damage:
      try guardedTake(item.name, loc, q, available: .atp, into: .sellable, sign: -1, what: "uncommitted sellable stock")
      try move(item.name, loc, .damaged, q, .internal)
    case .found:
      try move(item.name, loc, .sellable, q, .adjustment)
      try allocateBackorders(item.name, loc)
    case .dispose:
      try guardedTake(item.name, loc, q, available: .damaged, into: .damaged, sign: -1, what: "damaged stock", flow: .adjustment)
    }
  }
}
