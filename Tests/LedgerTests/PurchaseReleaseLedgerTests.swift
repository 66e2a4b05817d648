import Foundation
import GRDB
import Testing
import TestSupport

@testable import Ledger

/// Releasing plan lines into the ledger: each (plan, line) ordered once, who released it recorded, a
/// refused line leaving nothing behind, concurrent releases ordering once.
@Suite("Ledger: purchase-order lines released from plans")
struct PurchaseReleaseLedgerTests {
  static func line(_ sku: String, location: String = "WH1", quantity: Int, by: String = "anna", plan: String = "plan-1") -> PurchaseRelease {
    PurchaseRelease(planID: plan, lineID: "\(sku)@\(location)", po: "PO-1-S1-\(location)", sku: sku, location: location, supplier: "S1", quantity: quantity,
                    suggestedQuantity: 12, unitCostMicros: 1_500_000, adjustment: quantity == 12 ? "" : "buyer set \(quantity)", releasedBy: by)
  }

  @Test("A line is ordered once: again (by anyone, at any quantity) it answers with the first release and changes nothing", arguments: LedgerBackend.underTest)
  func once(_ backend: LedgerBackend) throws {
    let store = try freshLedger(backend)
    let first = try store.release([Self.line("A", quantity: 12), Self.line("C", quantity: 24)])
    guard case .released(let a) = first[0], case .released = first[1] else { Issue.record("\(first)"); return }
    #expect(a.release.releasedBy == "anna" && a.eventID > 0)
    #expect(try position(store, "A").inbound == 12)
    #expect(try position(store, "C").inbound == 24)
    let again = try store.release([Self.line("A", quantity: 36, by: "ben"), Self.line("B", quantity: 5, by: "ben")])
    guard case .alreadyReleased(let earlier) = again[0], case .released = again[1] else { Issue.record("\(again)"); return }
    #expect(earlier.release.releasedBy == "anna" && earlier.release.quantity == 12)
    #expect(try position(store, "A").inbound == 12)
    #expect(try position(store, "B").inbound == 5)
    let records = try store.releases(planID: "plan-1")
    #expect(records.map(\.release.lineID) == ["A@WH1", "B@WH1", "C@WH1"])
    #expect(records.first { $0.release.sku == "B" }?.release.releasedBy == "ben")
    // The same line of another plan is another release (a new week's plan), refused here only because the PO line exists.
    let nextWeek = try store.release([Self.line("A", quantity: 12, plan: "plan-2")])
    guard case .refused(_, let error) = nextWeek[0] else { Issue.record("\(nextWeek)"); return }
    #expect(error.code == .poExists)
    try expectVerified(store)
  }

  @Test("verify checks every release against its po_open (I8): a release row whose quantity was altered is caught")
  func verifyCatchesTampering() throws {
    let store = try freshLedger()
    _ = try store.release([Self.line("A", quantity: 12)])
    #expect(try store.verify().checks.first { $0.name == "I8 releases" }?.violations == 0)
    try DatabaseQueue(path: store.path).write { db in try db.execute(sql: "UPDATE purchase_releases SET qty = qty + 1") }
    let report = try store.verify()
    #expect(report.checks.first { $0.name == "I8 releases" }?.violations == 1 && !report.passed)
  }

  @Test("A refused line records nothing (no event, no release), so it can be released once its cause is fixed", arguments: LedgerBackend.underTest)
  func refusedLeavesNothing(_ backend: LedgerBackend) throws {
    let store = try freshLedger(backend)
    let counts = try store.eventCounts()
    let outcome = try store.release([Self.line("A", location: "NOWHERE", quantity: 12), Self.line("C", quantity: 6)])
    guard case .refused(let id, let error) = outcome[0], case .released = outcome[1] else { Issue.record("\(outcome)"); return }
    #expect(id == "A@NOWHERE" && error.code == .unknownLocation)
    let after = try store.eventCounts()
    #expect(after.applied == counts.applied + 1 && after.rejected == counts.rejected)
    #expect(try store.releases(planID: "plan-1").map(\.release.lineID) == ["C@WH1"])
    try store.defineLocations([("NOWHERE", "EU")])
    let retried = try store.release([Self.line("A", location: "NOWHERE", quantity: 18)])
    guard case .released(let r) = retried[0] else { Issue.record("\(retried)"); return }
    #expect(r.release.quantity == 18)
    #expect(try position(store, "A", "NOWHERE").inbound == 18)
    try expectVerified(store)
  }

  @Test("Eight threads release the same lines at once at different quantities: each line is ordered exactly once", arguments: LedgerBackend.underTest)
  func concurrent(_ backend: LedgerBackend) throws {
    let store = try freshLedger(backend)
    let outcomes = LockedList<[ReleaseOutcome]>()
    DispatchQueue.concurrentPerform(iterations: 8) { k in
      let mine = (try? store.release([Self.line("A", quantity: 12 + k), Self.line("C", quantity: 12 + k)], source: "thread\(k)")) ?? []
      outcomes.append(mine)
    }
    let all = outcomes.items.flatMap { $0 }
    #expect(all.count == 16)
    let released = all.compactMap { if case .released(let r) = $0 { r } else { nil } }
    #expect(released.count == 2, "\(all)")
    let records = try store.releases(planID: "plan-1")
    #expect(records.count == 2)
    for r in records { #expect(try position(store, r.release.sku).inbound == r.release.quantity) }
    for case .alreadyReleased(let r) in all { #expect(records.contains(r)) }
    try expectVerified(store)
  }
}

final class LockedList<T>: @unchecked Sendable {
  private var values: [T] = []
  private let lock = NSLock()
  func append(_ v: T) { lock.withLock { values.append(v) } }
  var items: [T] { lock.withLock { values } }
}
