import Foundation

/// The result of `verify`: each invariant with the number of violations and the first few examples.
public struct VerificationReport: Sendable, Codable {
  public struct Check: Sendable, Codable {
    public let name: String
    public let description: String
    public let violations: Int
    public let examples: [String]
  }
  public let checks: [Check]
  public let movements: Int
  public let positions: Int
  public let appliedEvents: Int
  public let rejectedEvents: Int
  public let seconds: Double
  public var passed: Bool { checks.allSatisfy { $0.violations == 0 } }
}

extension LedgerStore {
  /// Rebuilds every balance from the movements and checks the ledger's invariants (I1–I8 of
  /// docs/RELIABILITY.md), plus SQLite's own `integrity_check` on SQLite (PostgreSQL checks its pages
  /// itself as it reads them). Read-only; runs in one read transaction so it sees a consistent snapshot
  /// while writers continue.
  public func verify() throws -> VerificationReport {
    let start = Date()
    return try read { db in
      var checks: [VerificationReport.Check] = []
      func check(_ name: String, _ description: String, _ sql: String, _ render: (SQLRow) -> String) throws {
        let rows = try SQLRow.fetchAll(db, sql: sql)
        checks.append(.init(name: name, description: description, violations: rows.count, examples: rows.prefix(5).map(render)))
      }
      if db.dialect == .sqlite {
        let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
        checks.append(.init(name: "integrity", description: "PRAGMA integrity_check is ok",
                            violations: integrity == ["ok"] ? 0 : integrity.count, examples: Array(integrity.prefix(5))))
      }
      let json = { (column: String, key: String) in db.dialect.jsonText(column, key) }
      let jsonInteger = { (column: String, key: String) in db.dialect.jsonInteger(column, key) }

      // I2: cached balances = Σ movements per (SKU, location, bucket).
      let bucketSums = Bucket.allCases.map { "COALESCE(SUM(CASE WHEN bucket = '\($0.rawValue)' THEN qty END), 0) AS \($0.column)" }.joined(separator: ", ")
      let mismatch = Bucket.allCases.map { "p.\($0.column) <> COALESCE(m.\($0.column), 0)" }.joined(separator: " OR ")
      try check("I2 projection", "balances equal the sum of movements (rebuild)", """
        SELECT p.sku, p.location, \(Bucket.allCases.map { "p.\($0.column) AS c_\($0.column), COALESCE(m.\($0.column), 0) AS m_\($0.column)" }.joined(separator: ", "))
        FROM positions p LEFT JOIN (SELECT sku, location, \(bucketSums) FROM movements GROUP BY sku, location) m
          ON m.sku = p.sku AND m.location = p.location
        WHERE \(mismatch)
        UNION ALL
        SELECT m.sku, m.location, \(Bucket.allCases.map { _ in "0, 0" }.joined(separator: ", ")) FROM movements m
          LEFT JOIN positions p ON p.sku = m.sku AND p.location = m.location WHERE p.sku IS NULL GROUP BY m.sku, m.location
        """) { r in
        "\(r["sku"] as String)@\(r["location"] as String): " + Bucket.allCases.compactMap { b in
          let c: Int = r["c_\(b.column)"], m: Int = r["m_\(b.column)"]
          return c == m ? nil : "\(b.rawValue) cached \(c) vs movements \(m)"
        }.joined(separator: ", ")
      }

      // I3: no oversell, no negative bucket.
      try check("I3 no oversell", "committed ≤ sellable and no bucket below zero", """
        SELECT sku, location, sellable, committed FROM positions
        WHERE committed > sellable OR \(Bucket.allCases.map { "\($0.column) < 0" }.joined(separator: " OR "))
        """) { "\($0["sku"] as String)@\($0["location"] as String): sellable \($0["sellable"] as Int), committed \($0["committed"] as Int)" }

      // I3/I6: what open order lines hold equals the committed and backordered buckets, and no line is
      // fulfilled beyond its reservation.
      try check("I6 reservations", "Σ open order lines = committed and backordered per (SKU, location)", """
        SELECT p.sku, p.location, p.committed, p.backordered, COALESCE(l.committed, 0) AS lc, COALESCE(l.backordered, 0) AS lb
        FROM positions p LEFT JOIN (
          SELECT component, location, SUM((reserved - shipped - released - backordered) * qty_per) AS committed,
                 SUM(backordered * qty_per) AS backordered FROM order_lines GROUP BY component, location) l
          ON l.component = p.sku AND l.location = p.location
        WHERE p.committed <> COALESCE(l.committed, 0) OR p.backordered <> COALESCE(l.backordered, 0)
        UNION ALL
        SELECT component, location, -1, -1, reserved, shipped + released FROM order_lines
        WHERE shipped + released + backordered > reserved OR returned > shipped
        """) { "\($0["sku"] as String)@\($0["location"] as String): committed \($0["committed"] as Int) vs open lines \($0["lc"] as Int), backordered \($0["backordered"] as Int) vs \($0["lb"] as Int)" }

      try check("inbound", "inbound = Σ open purchase-order remainders", """
        SELECT p.sku, p.location, p.inbound, COALESCE(o.open, 0) AS open FROM positions p LEFT JOIN (
          SELECT sku, location, SUM(CASE WHEN ordered > received THEN ordered - received ELSE 0 END) AS open FROM po_lines WHERE status = 'open' GROUP BY sku, location) o
          ON o.sku = p.sku AND o.location = p.location WHERE p.inbound <> COALESCE(o.open, 0)
        """) { "\($0["sku"] as String)@\($0["location"] as String): inbound \($0["inbound"] as Int) vs open PO \($0["open"] as Int)" }

      try check("in transit", "in transit = Σ unreceived transfer quantities at the destination", """
        SELECT p.sku, p.location, p.in_transit, COALESCE(t.open, 0) AS open FROM positions p LEFT JOIN (
          SELECT sku, to_location, SUM(qty - received) AS open FROM transfers GROUP BY sku, to_location) t
          ON t.sku = p.sku AND t.to_location = p.location WHERE p.in_transit <> COALESCE(t.open, 0)
        """) { "\($0["sku"] as String)@\($0["location"] as String): in transit \($0["in_transit"] as Int) vs open transfers \($0["open"] as Int)" }

      // I1: conservation. Internal events move units between buckets/locations without creating any;
      // per SKU, physical stock = receipts − shipments + returns ± adjustments; shipments agree with lines.
      let physical = Bucket.allCases.filter(\.isPhysical).map { "'\($0.rawValue)'" }.joined(separator: ", ")
      try check("I1 conservation", "internal movements net to zero per event and SKU", """
        SELECT event_id, sku, SUM(qty) AS net FROM movements WHERE flow = 'internal' AND bucket IN (\(physical))
        GROUP BY event_id, sku HAVING SUM(qty) <> 0
        """) { "event \($0["event_id"] as Int64) \($0["sku"] as String): internal physical movements net \($0["net"] as Int)" }
      try check("I1 shipments", "units shipped = Σ shipped order lines × quantity per kit", """
        SELECT s.sku, s.shipped, COALESCE(l.shipped, 0) AS lines FROM
          (SELECT sku, -SUM(qty) AS shipped FROM movements WHERE flow = 'shipment' GROUP BY sku) s
          LEFT JOIN (SELECT component, SUM(shipped * qty_per) AS shipped FROM order_lines GROUP BY component) l ON l.component = s.sku
        WHERE s.shipped <> COALESCE(l.shipped, 0)
        """) { "\($0["sku"] as String): shipment movements \($0["shipped"] as Int) vs order lines \($0["lines"] as Int)" }
      try check("I1 boundary", "physical stock per SKU = receipts − shipments + returns ± adjustments", """
        SELECT p.sku, p.total, COALESCE(f.total, 0) AS flows FROM
          (SELECT sku, SUM(sellable + in_transit + quarantine + damaged) AS total FROM positions GROUP BY sku) p
          LEFT JOIN (SELECT sku, SUM(qty) AS total FROM movements WHERE flow <> 'internal' AND bucket IN (\(physical)) GROUP BY sku) f
          ON f.sku = p.sku WHERE p.total <> COALESCE(f.total, 0)
        """) { "\($0["sku"] as String): physical \($0["total"] as Int) vs boundary flows \($0["flows"] as Int)" }

      try check("landed cost", "freight, duty and fees allocated to receipt lines = what landed_cost events billed", """
        SELECT r.receipt, r.allocated, COALESCE(e.billed, 0) AS billed FROM
          (SELECT receipt, SUM(landed_micros) AS allocated FROM receipt_lines GROUP BY receipt) r
          LEFT JOIN (SELECT \(json("payload", "receipt")) AS receipt,
                            SUM(COALESCE(\(jsonInteger("payload", "freight_micros")), 0) + COALESCE(\(jsonInteger("payload", "duty_micros")), 0)
                                + COALESCE(\(jsonInteger("payload", "fees_micros")), 0)) AS billed
                     FROM events WHERE kind = 'landed_cost' AND status = 'applied' GROUP BY 1) e ON e.receipt = r.receipt
        WHERE r.allocated <> COALESCE(e.billed, 0)
        """) { "receipt \($0["receipt"] as String): allocated \($0["allocated"] as Int) µ vs billed \($0["billed"] as Int) µ" }

      // I8: every released plan line is the applied po_open of its own release key, for its PO, SKU, ship-to and quantity.
      try check("I8 releases", "each released plan line is one applied po_open (source po-release, key plan/line) with its PO, SKU, ship-to and quantity", """
        SELECT r.plan_id, r.line_id FROM purchase_releases r LEFT JOIN events e ON e.id = r.event_id
        WHERE e.id IS NULL OR e.kind <> 'po_open' OR e.status <> 'applied' OR e.source <> 'po-release' OR e.key <> r.plan_id || '/' || r.line_id
          OR \(json("e.payload", "po")) IS DISTINCT FROM r.po OR \(json("e.payload", "sku")) IS DISTINCT FROM r.sku
          OR \(json("e.payload", "location")) IS DISTINCT FROM r.location OR \(jsonInteger("e.payload", "qty")) IS DISTINCT FROM r.qty
        """) { "plan \($0["plan_id"] as String) line \($0["line_id"] as String): no matching applied po_open" }

      // I4: a rejected event has no movements.
      try check("I4 all-or-nothing", "rejected events left no movements", """
        SELECT e.id, e.source, e.key, COUNT(m.id) AS n FROM events e JOIN movements m ON m.event_id = e.id
        WHERE e.status = 'rejected' GROUP BY e.id, e.source, e.key
        """) { "event \($0["id"] as Int64) (\($0["source"] as String)/\($0["key"] as String)) rejected but has \($0["n"] as Int) movements" }

      // I7: every component row of a kit line moved together.
      try check("I7 kits", "all components of a kit line are reserved, shipped and released together", """
        SELECT order_id, line, sku FROM order_lines WHERE sku <> component GROUP BY order_id, line, sku
        HAVING COUNT(DISTINCT reserved) > 1 OR COUNT(DISTINCT shipped) > 1 OR COUNT(DISTINCT released) > 1
            OR COUNT(DISTINCT backordered) > 1 OR COUNT(DISTINCT returned) > 1
            OR COUNT(*) <> (SELECT COUNT(*) FROM kit_components k WHERE k.kit = order_lines.sku)
        """) { "order \($0["order_id"] as String) line \($0["line"] as String) (kit \($0["sku"] as String)) components disagree" }

      let movements = try Int.fetchOne(db, sql: "SELECT count(*) FROM movements")!
      let positions = try Int.fetchOne(db, sql: "SELECT count(*) FROM positions")!
      let applied = try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE status = 'applied'")!
      let rejected = try Int.fetchOne(db, sql: "SELECT count(*) FROM events WHERE status = 'rejected'")!
      return VerificationReport(checks: checks, movements: movements, positions: positions, appliedEvents: applied, rejectedEvents: rejected,
                                seconds: Date().timeIntervalSince(start))
    }
  }
}
