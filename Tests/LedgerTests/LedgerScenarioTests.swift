import Foundation
import Testing
import TestSupport
import TimeSeries

@testable import Ledger

/// The ledger backends a test runs on: embedded SQLite always; PostgreSQL too when
/// `REPLENISH_TEST_POSTGRES` names a server (`make test` starts a throwaway cluster and sets it), each
/// ledger in a database of its own. The same test, the same expectations, on both.
enum LedgerBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case sqlite, postgres

  static let postgresURL = ProcessInfo.processInfo.environment["REPLENISH_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
  static let underTest: [LedgerBackend] = postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
  var testDescription: String { rawValue }

  /// Where a new, empty ledger of this backend goes: a file that does not exist yet, or the URL of a
  /// database just created on the test server.
  func newLocation() throws -> String {
    switch self {
    case .sqlite:
      let path = temporaryFile("", name: "ledger.sqlite")
      try FileManager.default.removeItem(atPath: path)
      return path
    case .postgres:
      guard let url = Self.postgresURL else { throw LedgerError(.invalidConfiguration, "REPLENISH_TEST_POSTGRES is not set") }
      let name = "ledger_\(getpid())_\(Self.databases.next())"
      try PostgresLedgerDatabase(location: PostgresLocation(url: url)).withConnection { try $0.execute(sql: "CREATE DATABASE \(name)") }
      var components = URLComponents(string: url)!
      components.path = "/" + name
      return components.string!
    }
  }

  private static let databases = Counter()
  final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.withLock { value += 1; return value } }
  }
}

/// A fresh ledger with three locations (two in EU), SKUs A (no backorders), B (backorders), C, and kit K = 1 A + 2 C.
func freshLedger(_ backend: LedgerBackend = .sqlite) throws -> LedgerStore {
  let store = try LedgerStore(path: try backend.newLocation(), create: true)
  try store.defineLocations([("WH1", "EU"), ("WH2", "EU"), ("US1", "US")])
  try store.defineSKUs([("A", false), ("B", true), ("C", false)])
  try store.defineKits([("K", "A", 1), ("K", "C", 2)])
  return store
}

/// Applies an event and returns its outcome; `key` defaults to a fresh one.
@discardableResult
func apply(_ store: LedgerStore, _ kind: EventKind, key: String? = nil, sku: String? = nil, location: String? = "WH1", qty: Int? = nil,
           order: String? = nil, line: String? = "1", po: String? = nil, transfer: String? = nil, to: String? = nil, reason: String? = nil,
           unitCost: Int? = nil, freight: Int? = nil, tolerance: Int? = nil, at: Int64? = nil) throws -> EventOutcome {
  nextKey += 1
  return try store.apply(LedgerEvent(
    source: "test", key: key ?? "k\(nextKey)", kind: kind, at: at, sku: sku, location: location, qty: qty, order: order, line: line, po: po,
    transfer: transfer, toLocation: to, reason: reason, unitCostMicros: unitCost, freightMicros: freight, tolerancePercent: tolerance))
}
nonisolated(unsafe) var nextKey = 0

func position(_ store: LedgerStore, _ sku: String, _ location: String = "WH1") throws -> Position {
  try store.positions(sku: sku, location: location).first ?? Position(sku: sku, location: location, region: "")
}

/// Every test ends here: all invariants hold.
func expectVerified(_ store: LedgerStore, sourceLocation: SourceLocation = #_sourceLocation) throws {
  let report = try store.verify()
  for c in report.checks where c.violations > 0 {
    Issue.record("\(c.name): \(c.violations) violations: \(c.examples)", sourceLocation: sourceLocation)
  }
}

@Suite("Ledger: events and balances")
struct LedgerScenarioTests {
  @Test("PO → receipt with landed cost → moving average; partial and over-receipt within tolerance", arguments: LedgerBackend.underTest)
  func purchaseAndReceive(_ backend: LedgerBackend) throws {
    let store = try freshLedger(backend)
    try #require(apply(store, .poOpen, sku: "A", qty: 10, po: "P1", unitCost: 2_500_000, tolerance: 10).succeeded)
    #expect(try position(store, "A").inbound == 10)
    // 6 units at 2.50 plus 3.00 freight → landed 3.00 each.
    try #require(apply(store, .receive, sku: "A", location: nil, qty: 6, po: "P1", freight: 3_000_000).succeeded)
    var a = try position(store, "A")
    #expect(a.sellable == 6 && a.inbound == 4 && a.averageUnitCostMicros == 3_000_000)
    // Second receipt: 5 (4 open + 1 within the 10% tolerance) at 2.50 → average (6·3 + 5·2.5)/11.
    try #require(apply(store, .receive, sku: "A", location: nil, qty: 5, po: "P1").succeeded)
    a = try position(store, "A")
    #expect(a.sellable == 11 && a.inbound == 0)
    #expect(a.averageUnitCostMicros == Int(((6.0 * 3_000_000 + 5.0 * 2_500_000) / 11).rounded()))
    // The line is now received (closed): another receipt is refused.
    let closed = try apply(store, .receive, sku: "A", location: nil, qty: 1, po: "P1")
    #expect(closed.error?.code == .poClosed)
    try expectVerified(store)
  }

  @Test("Over-receipt beyond tolerance is refused; PO change and cancel move inbound", arguments: LedgerBackend.underTest)
  func overReceiptAndChanges(_ backend: LedgerBackend) throws {
    let store = try freshLedger(backend)
    try apply(store, .poOpen, sku: "C", qty: 10, po: "P2", tolerance: 10)
    #expect(try apply(store, .receive, sku: "C", location: nil, qty: 12, po: "P2").error?.code == .overReceipt)
    try apply(store, .receive, sku: "C", location: nil, qty: 4, po: "P2")
    #expect(try apply(store, .poChange, sku: "C", qty: 3, po: "P2").error?.code == .invalidQuantity)
    try apply(store, .poChange, sku: "C", qty: 8, po: "P2")
    #expect(try position(store, "C").inbound == 4)
    try apply(store, .poCancel, sku: "C", po: "P2")
    let c = try position(store, "C")
    #expect(c.inbound == 0 && c.sellable == 4)
    #expect(try apply(store, .receive, sku: "C", location: nil, qty: 1, po: "P2").error?.code == .poClosed)
    try expectVerified(store)
  }

  @Test("Reserve lowers ATP not on-hand; partial and split shipments; release; no double allocation", arguments: LedgerBackend.underTest)
  func orderLifecycle(_ backend: LedgerBackend) throws {
    let store = try freshLedger(backend)
    try apply(store, .receive, sku: "A", qty: 10)
    try apply(store, .reserve, sku: "A", qty: 6, order: "O1")
    var a = try position(store, "A")
    #expect(a.sellable == 10 && a.committed == 6 && a.availableToPromise == 4)
    #expect(try apply(store, .reserve, sku: "A", qty: 5, order: "O2").error?.code == .insufficientStock)
    #expect(try apply(store, .reserve, sku: "A", qty: 1, order: "O1").error?.code == .lineExists)
    try apply(store, .ship, location: nil, qty: 2, order: "O1")  // split shipment 1
    try apply(store, .ship, location: nil, qty: 3, order: "O1")  // split shipment 2
    a = try position(store, "A")
    #expect(a.sellable == 5 && a.committed == 1 && a.availableToPromise == 4)
    #expect(try apply(store, .ship, location: nil, qty: 2, order: "O1").error?.code == .exceedsOpen)
    #expect(try apply(store, .release, location: nil, qty: 2, order: "O1").error?.code == .exceedsOpen)
    try apply(store, .release, location: nil, qty: 1, order: "O1")  // short pick releases the rest
    a = try position(store, "A")
    #expect(a.committed == 0 && a.availableToPromise == 5)
    #expect(try apply(store, .ship, location: nil, qty: 1, order: "NOPE").error?.code == .unknownLine)
    try expectVerified(store)
  }

  @Test("Backorders: beyond ATP when allowed, allocated oldest first on receipt, cannot ship until allocated", arguments: LedgerBackend.underTest)
  func backorders(_ backend: LedgerBackend) throws {
    let store = try freshLedger(backend)
    try apply(store, .receive, sku: "B", qty: 2)
    try apply(store, .reserve, sku: "B", qty: 5, order: "O1")
    try apply(store, .reserve, sku: "B", qty: 2, order: "O2")
    var b = try position(store, "B")
    #expect(b.committed == 2 && b.backordered == 5)
    #expect(try apply(store, .ship, location: nil, qty: 3, order: "O1").error?.code == .backordered)
    try apply(store, .receive, sku: "B", qty: 4)
    b = try position(store, "B")
    #expect(b.committed == 6 && b.backordered == 1)  // O1 fully allocated (5), O2 got 1 of 2
    try apply(store, .ship, location: nil, qty: 5, order: "O1")
    try apply(store, .release, location: nil, qty: 1, order: "O2")  // releases the backordered unit first
    b = try position(store, "B")
    #expect(b.backordered == 0 && b.committed == 1 && b.sellable == 1)
    try expectVerified(store)
  }

  @Test("Returns: restock goes to quarantine until inspected; scrap; return without shipment refused", arguments: LedgerBackend.underTest)
  func returns(_ backend: LedgerBackend) throws {
    let store = try freshLedger(backend)
    try apply(store, .receive, sku: "A", qty: 5)
    try apply(store, .reserve, sku: "A", qty: 3, order: "O1")
    #expect(try apply(store, .return, location: nil, qty: 1, order: "O1", reason: "restock").error?.code == .returnWithoutShipment)
    try apply(store, .ship, location: nil, qty: 3, order: "O1")
    #expect(try apply(store, .return, location: nil, qty: 1, order: "O1", reason: "lost").error?.code == .unknownReason)
    try apply(store, .return, location: nil, qty: 2, order: "O1", reason: "restock")
    try apply(store, .return, location: nil, qty: 1, order: "O1", reason: "scrap")
    #expect(try apply(store, .return, location: nil, qty: 1, order: "O1", reason: "scrap").error?.code == .returnWithoutShipment)
    var a = try position(store, "A")
    #expect(a.sellable == 2 && a.quarantine == 2 && a.availableToPromise == 2)
    try apply(store, .inspect, sku: "A", qty: 1, reason: "pass")
    try apply(store, .inspect, sku: "A", qty: 1, reason: "fail")
    #expect(try apply(store, .inspect, sku: "A", qty: 1, reason: "pass").error?.code == .insufficientStock)
    a = try position(store, "A")
    #expect(a.sellable == 3 && a.quarantine == 0 && a.damaged == 1)
    try apply(store, .adjust, sku: "A", qty: 1, reason: "dispose")
    #expect(try position(store, "A").damaged == 0)
    try expectVerified(store)
  }

  @Test("Transfers move through in-transit; same-location transfer refused", arguments: LedgerBackend.underTest)
  func transfers(_ backend: LedgerBackend) throws {
    let store = try freshLedger(backend)
    try apply(store, .receive, sku: "C", qty: 10, unitCost: 1_000_000)
    #expect(try apply(store, .transferOut, sku: "C", qty: 1, transfer: "T0", to: "WH1").error?.code == .sameLocation)
    try apply(store, .transferOut, sku: "C", qty: 4, transfer: "T1", to: "US1")
    #expect(try position(store, "C").sellable == 6)
    #expect(try position(store, "C", "US1").inTransit == 4)
    try apply(store, .transferIn, sku: "C", location: nil, qty: 3, transfer: "T1")
    #expect(try apply(store, .transferIn, sku: "C", location: nil, qty: 2, transfer: "T1").error?.code == .exceedsOpen)
    let us = try position(store, "C", "US1")
    #expect(us.inTransit == 1 && us.sellable == 3 && us.averageUnitCostMicros == 1_000_000)
    // Region EU holds WH1 and WH2: ATP by region is their sum.
    let eu = try store.positions(sku: "C").filter { $0.region == "EU" }.map(\.availableToPromise).reduce(0, +)
    #expect(eu == 6)
    try expectVerified(store)
  }

  @Test("Cycle count posts the difference; a count below committed demotes the newest reservations to backorder", arguments: LedgerBackend.underTest)
  func cycleCount(_ backend: LedgerBackend) throws {
    let store = try freshLedger(backend)
    try apply(store, .receive, sku: "A", qty: 10)
    try apply(store, .reserve, sku: "A", qty: 4, order: "O1")
    try apply(store, .reserve, sku: "A", qty: 4, order: "O2")
    try apply(store, .count, sku: "A", qty: 5)
    let a = try position(store, "A")
    #expect(a.sellable == 5 && a.committed == 5 && a.backordered == 3)
    #expect(try apply(store, .ship, location: nil, qty: 4, order: "O1").succeeded)
    #expect(try apply(store, .ship, location: nil, qty: 2, order: "O2").error?.code == .backordered)
    try apply(store, .count, sku: "C", qty: 0)  // counting zero where nothing was is a no-op
    try apply(store, .adjust, sku: "A", qty: 2, reason: "found")
    #expect(try position(store, "A").backordered == 1)  // found stock goes to waiting backorders
    #expect(try apply(store, .adjust, sku: "A", qty: 1, reason: "shrink").error?.code == .insufficientStock)
    try expectVerified(store)
  }

  @Test("Kits: ATP = min ⌊component ATP / qty⌋; reserve and ship move every component or none", arguments: LedgerBackend.underTest)
  func kits(_ backend: LedgerBackend) throws {
    let store = try freshLedger(backend)
    try apply(store, .receive, sku: "A", qty: 5)
    try apply(store, .receive, sku: "C", qty: 7)
    #expect(try position(store, "K").availableToPromise == 3)  // min(5/1, 7/2 = 3)
    try apply(store, .reserve, sku: "K", qty: 2, order: "O1")
    #expect(try position(store, "A").committed == 2 && position(store, "C").committed == 4)
    #expect(try position(store, "K").availableToPromise == 1)
    // Needs 2 A (3 left) and 4 C (3 left): refused as a whole — A untouched.
    #expect(try apply(store, .reserve, sku: "K", qty: 2, order: "O2").error?.code == .insufficientStock)
    #expect(try position(store, "A").committed == 2)
    try apply(store, .ship, location: nil, qty: 1, order: "O1")
    #expect(try position(store, "A").sellable == 4 && position(store, "C").sellable == 5)
    #expect(try apply(store, .receive, sku: "K", qty: 1).error?.code == .kitNotAllowed)
    try expectVerified(store)
  }

  @Test("Kit definitions: missing component, self-cycle, mutual cycle and nesting are refused", arguments: LedgerBackend.underTest)
  func kitDefinitions(_ backend: LedgerBackend) throws {
    let store = try freshLedger(backend)
    #expect(throws: LedgerError.self) { try store.defineKits([("K2", "NOPE", 1)]) }
    #expect(throws: LedgerError.self) { try store.defineKits([("K3", "K3", 1)]) }
    #expect(throws: LedgerError.self) { try store.defineKits([("K4", "K5", 1), ("K5", "K4", 1)]) }
    #expect(throws: LedgerError.self) { try store.defineKits([("K6", "K", 1)]) }
    #expect(throws: LedgerError.self) { try store.defineKits([("K7", "A", 0)]) }
  }

  @Test("Balances as of a past time sum the movements up to it", arguments: LedgerBackend.underTest)
  func asOf(_ backend: LedgerBackend) throws {
    let store = try freshLedger(backend)
    let t0: Int64 = 1_700_000_000_000
    try apply(store, .receive, sku: "A", qty: 5, at: t0)
    try apply(store, .reserve, sku: "A", qty: 2, order: "O1", at: t0 + 1000)
    try apply(store, .receive, sku: "A", qty: 3, at: t0 + 2000)
    let then = try store.positions(sku: "A", location: "WH1", asOf: t0 + 1500).first!
    #expect(then.sellable == 5 && then.committed == 2 && then.availableToPromise == 3)
    #expect(try position(store, "A").sellable == 8)
    #expect(try apply(store, .receive, sku: "A", qty: 1, at: t0 + 500).error?.code == .timeOutOfOrder)
    #expect(try apply(store, .receive, sku: "A", qty: 1, at: currentMillis() + 3_600_000).error?.code == .timeInFuture)
    #expect(try store.history(sku: "A").count == 3)
  }

  @Test("Channel feed: buffer, percentage buffer and cap")
  func channelAllocation() {
    let marketplace = ChannelAllocation(name: "amazon", buffer: 2, bufferPercent: 10, cap: 50)
    #expect(marketplace.publishable(100) == 50)
    #expect(marketplace.publishable(20) == 16)  // 20 − 2 − 2
    #expect(marketplace.publishable(2) == 0)
    #expect(ChannelAllocation(name: "web").publishable(7) == 7)
  }
}

@Suite("Ledger: landed cost of a multi-line receipt")
struct LandedCostTests {
  @Test("Freight for a whole receipt is split by line value to the micro-unit and raises each moving average", arguments: LedgerBackend.underTest)
  func allocation(_ backend: LedgerBackend) throws {
    let store = try freshLedger(backend)
    try apply(store, .receive, sku: "A", qty: 10, unitCost: 2_000_000, at: nil)
    var e = LedgerEvent(source: "test", key: "rA", kind: .receive, sku: "A", location: "WH1", qty: 10, unitCostMicros: 2_000_000)
    e.receipt = "R1"
    try #require(store.apply(e).succeeded)
    e = LedgerEvent(source: "test", key: "rC", kind: .receive, sku: "C", location: "WH1", qty: 5, unitCostMicros: 4_000_000)
    e.receipt = "R1"
    try #require(store.apply(e).succeeded)
    // Lines worth 20.00 and 20.00: 10.00 of freight + 0.000001 of fees → 5.000001 and 5.00 (largest remainder).
    var landed = LedgerEvent(source: "test", key: "lc", kind: .landedCost, freightMicros: 10_000_000, feesMicros: 1)
    landed.receipt = "R1"
    try #require(store.apply(landed).succeeded)
    // A: 20 units on hand at 2.00, + 5.000001 over 20 units → 2.25; C: 5 units at 4.00 + 5.00/5 → 5.00.
    #expect(try position(store, "A").averageUnitCostMicros == 2_250_000)
    #expect(try position(store, "C").averageUnitCostMicros == 5_000_000)
    landed.key = "lc2"
    landed.receipt = "R9"
    #expect(try store.apply(landed).error?.code == .unknownReceipt)
    var empty = LedgerEvent(source: "test", key: "lc3", kind: .landedCost)
    empty.receipt = "R1"
    #expect(try store.apply(empty).error?.code == .invalidMoney)
    try expectVerified(store)
  }
}

@Suite("Ledger: realised replenishment cycles (a plan's feedback from live service)")
struct RealisedCyclesTests {
  static func day(_ d: Int) -> Int64 { Int64(20_000 + d) * 86_400_000 }

  /// A (no backorders): receipts on days 0, 5, 9 and 12 close three cycles. Days 0–5: 2 of 5 sold, never
  /// out. Days 5–9: 8 reserved on day 6, available 0 — ran out. Days 9–12: 4 on hand, an order for 5
  /// refused for stock on day 10 — ran out. The cycle from day 12 is open: not counted. B (backorders
  /// allowed): 2 received, 3 reserved on day 1 (1 backordered), received again on day 3 — one cycle, ran out.
  /// C: one receipt, no complete cycle, no row. From day 3 only the cycles that began on days 5 and 9 count;
  /// until day 11 the one that began on day 9 has not ended.
  @Test("Cycles run receipt to receipt; a cycle ran out when available stock hit 0, a line was backordered or an order refused for stock",
        arguments: LedgerBackend.underTest)
  func cycles(_ backend: LedgerBackend) throws {
    let store = try freshLedger(backend)
    let d = Self.day
    try apply(store, .receive, sku: "A", qty: 5, at: d(0))
    try apply(store, .reserve, sku: "A", qty: 2, order: "o1", at: d(1))
    try apply(store, .ship, sku: "A", qty: 2, order: "o1", at: d(2))
    try apply(store, .receive, sku: "A", qty: 5, at: d(5))
    try apply(store, .reserve, sku: "A", qty: 8, order: "o2", at: d(6))
    try apply(store, .ship, sku: "A", qty: 8, order: "o2", at: d(7))
    try apply(store, .receive, sku: "A", qty: 4, at: d(9))
    let refused = try apply(store, .reserve, sku: "A", qty: 5, order: "o3", at: d(10))
    #expect(refused.status == .rejected && refused.error?.code == .insufficientStock)
    try apply(store, .receive, sku: "A", qty: 4, at: d(12))
    try apply(store, .reserve, sku: "A", qty: 1, order: "o4", at: d(13))
    try apply(store, .receive, sku: "B", qty: 2, at: d(0))
    try apply(store, .reserve, sku: "B", qty: 3, order: "o5", at: d(1))
    #expect(try position(store, "B").backordered == 1)
    try apply(store, .receive, sku: "B", qty: 5, at: d(3))
    try apply(store, .receive, sku: "C", qty: 3, at: d(0))

    let all = try store.realisedCycles(from: d(0), until: d(30))
    #expect(all[StockKey(sku: "A", location: "WH1")] == RealisedCycles(cycles: 3, ranOut: 2), "\(all)")
    #expect(all[StockKey(sku: "B", location: "WH1")] == RealisedCycles(cycles: 1, ranOut: 1), "\(all)")
    #expect(all[StockKey(sku: "C", location: "WH1")] == nil && all.count == 2, "\(all)")
    // Read one SKU per query, or two (the chunks' edges inside the list): the same cycles.
    #expect(try store.realisedCycles(from: d(0), until: d(30), skusPerQuery: 1) == all && store.realisedCycles(from: d(0), until: d(30), skusPerQuery: 2) == all)
    #expect(try store.realisedCycles(from: d(3), until: d(30))[StockKey(sku: "A", location: "WH1")] == RealisedCycles(cycles: 2, ranOut: 2))
    #expect(try store.realisedCycles(from: d(3), until: d(11))[StockKey(sku: "A", location: "WH1")] == RealisedCycles(cycles: 1, ranOut: 1))
    try expectVerified(store)
  }
}
