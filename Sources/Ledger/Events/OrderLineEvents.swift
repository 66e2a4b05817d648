
/// Order lines from sales channels: reserve (ATP falls, on hand stays), release, ship (the final
/// deduction; split and partial), drop-ship and returns. A kit's line has one row per component, and every
/// component moves together.
extension EventOperation {
  func orderLine() throws -> (order: String, line: String, rows: [OrderLineRecord]) {
    let order = try field(event.order, "order"), line = try field(event.line, "line")
    let rows = try OrderLineRecord.fetchAll(db, sql: "SELECT \(OrderLineRecord.columns) FROM order_lines WHERE order_id = ? AND line = ? ORDER BY component", arguments: [order, line])
    guard let first = rows.first else { throw LedgerError(.unknownLine, "order \(order) line \(line) was never reserved") }
    if let s = event.sku, s != first.sku {
      throw LedgerError(.unknownLine, "order \(order) line \(line) is for \(first.sku), not \(s)")
    }
    _ = try sku(first.sku)
    return (order, line, rows)
  }

  func reserve() throws {
    let order = try field(event.order, "order"), line = try field(event.line, "line")
    let item = try sku()
    let loc = try location()
    let q = try quantity()
    if try db.cachedBool("SELECT 1 FROM order_lines WHERE order_id = ? AND line = ?", arguments: [order, line]) ?? false {
      throw LedgerError(.lineExists, "order \(order) line \(line) is already reserved; change it with release or a new line")
    }
    let parts = try components(of: item)
    guard !parts.isEmpty else { throw LedgerError(.invalidKit, "kit \(item.name) has no components") }
    var backordered = 0
    if item.isKit {
      for part in parts {
        _ = try sku(part.sku)
        let (need, o) = q.multipliedReportingOverflow(by: part.qty)
        guard !o, need <= maximumEventQuantity else { throw LedgerError(.overflow, "kit quantity overflows") }
        try guardedTake(part.sku, loc, need, available: .atp, into: .committed, sign: 1, what: "ATP of kit component (\(part.qty) per \(item.name))")
      }
    } else if !item.allowBackorder {
      // The guarded update alone: it refuses when ATP is short, and the refusal reads what ATP was.
      try guardedTake(item.name, loc, q, available: .atp, into: .committed, sign: 1, what: "ATP",
                      refusalNote: " (backorders are not allowed for this SKU)")
    } else {
      // Backorders allowed: ATP commits what it covers, the rest waits as a backorder.
      let atp = try position(item.name, loc).availableToPromise
      let now = min(q, max(0, atp))
      backordered = q - now
      if now > 0 { try guardedTake(item.name, loc, now, available: .atp, into: .committed, sign: 1, what: "ATP") }
      try move(item.name, loc, .backordered, backordered, .internal)
    }
    for part in parts {
      try db.cached("""
        INSERT INTO order_lines (order_id, line, component, sku, location, qty_per, reserved, backordered, shipped, released, returned, seq)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?)
        """, arguments: [order, line, part.sku, item.name, loc, part.qty, q, backordered, eventID])
    }
  }

  func release() throws {
    let (order, line, rows) = try orderLine()
    let q = try quantity()
    let open = rows[0].open
    guard q <= open else { throw LedgerError(.exceedsOpen, "order \(order) line \(line): releasing \(q) but only \(open) are open") }
    for r in rows {
      let fromBackorder = min(q, r.backordered)
      try db.cached("UPDATE order_lines SET released = released + ?, backordered = backordered - ? WHERE order_id = ? AND line = ? AND component = ?",
                    arguments: [q, fromBackorder, order, line, r.component])
      try move(r.component, r.location, .backordered, -fromBackorder * r.qtyPer, .internal)
      try move(r.component, r.location, .committed, -(q - fromBackorder) * r.qtyPer, .internal)
      try allocateBackorders(r.component, r.location)
    }
  }

  func ship() throws {
    let (order, line, rows) = try orderLine()
    let q = try quantity()
    let first = rows[0]
    guard q <= first.open else { throw LedgerError(.exceedsOpen, "order \(order) line \(line): shipping \(q) but only \(first.open) are open") }
    guard q <= first.committed else {
      throw LedgerError(.backordered, "order \(order) line \(line): \(first.committed) committed can ship; \(first.backordered) are backordered awaiting stock")
    }
    if let given = event.location, given != first.location {
      throw LedgerError(.unknownLocation, "order \(order) line \(line) is reserved at \(first.location), not \(given)")
    }
    for r in rows {
      try db.cached("UPDATE order_lines SET shipped = shipped + ? WHERE order_id = ? AND line = ? AND component = ?", arguments: [q, order, line, r.component])
      try move(r.component, r.location, .committed, -q * r.qtyPer, .internal)
      try move(r.component, r.location, .sellable, -q * r.qtyPer, .shipment)
    }
  }

  /// A drop-shipped line: validated and recorded, never touches stock.
  func dropship() throws {
    _ = try field(event.order, "order")
    _ = try field(event.line, "line")
    _ = try sku()
    _ = try quantity()
  }

  func returnLine() throws {
    let (order, line, rows) = try orderLine()
    let q = try quantity()
    let why = try reason(ReturnReason.self)
    let first = rows[0]
    let returnable = first.shipped - first.returned
    guard q <= returnable else {
      throw LedgerError(.returnWithoutShipment, "order \(order) line \(line): returning \(q) but \(returnable) shipped units are not yet returned")
    }
    for r in rows {
      try db.cached("UPDATE order_lines SET returned = returned + ? WHERE order_id = ? AND line = ? AND component = ?", arguments: [q, order, line, r.component])
      if why == .restock { try move(r.component, r.location, .quarantine, q * r.qtyPer, .return) }
    }
  }
}
