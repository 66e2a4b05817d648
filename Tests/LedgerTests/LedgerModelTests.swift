import Foundation
import Sampling
import Testing
import TestSupport

@testable import Ledger

/// A small in-memory model of the ledger's rules, written independently of the SQL, for the model-based
/// test: the same random event sequence goes to both and every balance is compared after every step.
struct LedgerModel {
  struct Line { var sku: String; var loc: String; var reserved: Int; var shipped = 0; var released = 0; var backordered = 0; var returned = 0; var seq: Int }
  struct PO { var sku: String; var loc: String; var ordered: Int; var received = 0; var open = true }
  struct Transfer { var sku: String; var to: String; var qty: Int; var received = 0 }

  var stock: [String: [Bucket: Int]] = [:]  // "sku@loc"
  var lines: [String: Line] = [:]
  var pos: [String: PO] = [:]
  var transfers: [String: Transfer] = [:]
  let backorderable: Set<String> = ["B"]
  var seq = 0

  func get(_ sku: String, _ loc: String, _ b: Bucket) -> Int { stock["\(sku)@\(loc)"]?[b] ?? 0 }
  mutating func add(_ sku: String, _ loc: String, _ b: Bucket, _ q: Int) { stock["\(sku)@\(loc)", default: [:]][b, default: 0] += q }
  func atp(_ sku: String, _ loc: String) -> Int { get(sku, loc, .sellable) - get(sku, loc, .committed) }

  mutating func allocate(_ sku: String, _ loc: String) {
    for key in lines.keys.sorted(by: { lines[$0]!.seq < lines[$1]!.seq }) where lines[key]!.sku == sku && lines[key]!.loc == loc {
      let take = min(atp(sku, loc), lines[key]!.backordered)
      if take <= 0 { continue }
      lines[key]!.backordered -= take
      add(sku, loc, .backordered, -take)
      add(sku, loc, .committed, take)
    }
  }

  /// Applies `e`; returns whether the model accepts it.
  mutating func apply(_ e: LedgerEvent) -> Bool {
    seq += 1
    let q = e.qty ?? 0
    switch e.kind {
    case .receive:
      if let po = e.po {
        guard var p = pos[po], p.open, p.sku == e.sku, q <= p.ordered - p.received else { return false }
        add(p.sku, p.loc, .inbound, -min(q, p.ordered - p.received))
        p.received += q
        p.open = p.received < p.ordered
        pos[po] = p
        add(p.sku, p.loc, .sellable, q)
        allocate(p.sku, p.loc)
      } else {
        add(e.sku!, e.location!, .sellable, q)
        allocate(e.sku!, e.location!)
      }
    case .poOpen:
      guard pos[e.po!] == nil else { return false }
      pos[e.po!] = PO(sku: e.sku!, loc: e.location!, ordered: q)
      add(e.sku!, e.location!, .inbound, q)
    case .poCancel:
      guard var p = pos[e.po!], p.open else { return false }
      add(p.sku, p.loc, .inbound, -(p.ordered - p.received))
      p.open = false
      pos[e.po!] = p
    case .reserve:
      let key = e.order! + "/" + e.line!
      guard lines[key] == nil else { return false }
      let sku = e.sku!, loc = e.location!
      let a = atp(sku, loc)
      var back = 0
      if a >= q {
        add(sku, loc, .committed, q)
      } else if backorderable.contains(sku) {
        back = q - max(0, a)
        add(sku, loc, .committed, max(0, a))
        add(sku, loc, .backordered, back)
      } else {
        return false
      }
      lines[key] = Line(sku: sku, loc: loc, reserved: q, backordered: back, seq: seq)
    case .release:
      let key = e.order! + "/" + e.line!
      guard var l = lines[key], q <= l.reserved - l.shipped - l.released else { return false }
      let fromBack = min(q, l.backordered)
      l.backordered -= fromBack
      l.released += q
      lines[key] = l
      add(l.sku, l.loc, .backordered, -fromBack)
      add(l.sku, l.loc, .committed, -(q - fromBack))
      allocate(l.sku, l.loc)
    case .ship:
      let key = e.order! + "/" + e.line!
      guard var l = lines[key], q <= l.reserved - l.shipped - l.released - l.backordered else { return false }
      l.shipped += q
      lines[key] = l
      add(l.sku, l.loc, .committed, -q)
      add(l.sku, l.loc, .sellable, -q)
    case .return:
      let key = e.order! + "/" + e.line!
      guard var l = lines[key], q <= l.shipped - l.returned else { return false }
      l.returned += q
      lines[key] = l
      if e.reason == "restock" { add(l.sku, l.loc, .quarantine, q) }
    case .inspect:
      guard get(e.sku!, e.location!, .quarantine) >= q else { return false }
      add(e.sku!, e.location!, .quarantine, -q)
      add(e.sku!, e.location!, e.reason == "pass" ? .sellable : .damaged, q)
      if e.reason == "pass" { allocate(e.sku!, e.location!) }
    case .transferOut:
      guard transfers[e.transfer!] == nil, e.location != e.toLocation, atp(e.sku!, e.location!) >= q else { return false }
      add(e.sku!, e.location!, .sellable, -q)
      add(e.sku!, e.toLocation!, .inTransit, q)
      transfers[e.transfer!] = Transfer(sku: e.sku!, to: e.toLocation!, qty: q)
    case .transferIn:
      guard var t = transfers[e.transfer!], q <= t.qty - t.received else { return false }
      t.received += q
      transfers[e.transfer!] = t
      add(t.sku, t.to, .inTransit, -q)
      add(t.sku, t.to, .sellable, q)
      allocate(t.sku, t.to)
    case .count:
      let sku = e.sku!, loc = e.location!
      var excess = get(sku, loc, .committed) - q
      for key in lines.keys.sorted(by: { lines[$0]!.seq > lines[$1]!.seq }) where excess > 0 && lines[key]!.sku == sku && lines[key]!.loc == loc {
        let l = lines[key]!
        let units = min(l.reserved - l.shipped - l.released - l.backordered, excess)
        if units <= 0 { continue }
        lines[key]!.backordered += units
        add(sku, loc, .committed, -units)
        add(sku, loc, .backordered, units)
        excess -= units
      }
      add(sku, loc, .sellable, q - get(sku, loc, .sellable))
    case .adjust:
      let sku = e.sku!, loc = e.location!
      switch e.reason! {
      case "shrink", "damage":
        guard atp(sku, loc) >= q else { return false }
        add(sku, loc, .sellable, -q)
        if e.reason == "damage" { add(sku, loc, .damaged, q) }
      case "found":
        add(sku, loc, .sellable, q)
        allocate(sku, loc)
      default:
        guard get(sku, loc, .damaged) >= q else { return false }
        add(sku, loc, .damaged, -q)
      }
    default:
      return false
    }
    return true
  }
}

/// A random but valid-looking event (some will be refused by the rules, which is part of the test).
func randomEvent(_ rng: inout SeededGenerator, _ n: Int, orders: inout [String], pos: inout [String], transfers: inout [String]) -> LedgerEvent {
  let skus = ["A", "B", "C"], locs = ["WH1", "WH2", "US1"]
  func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
  let sku = pick(skus), loc = pick(locs), q = Int(rng.next() % 5) + 1
  var e = LedgerEvent(source: "model", key: "e\(n)", kind: .receive, sku: sku, location: loc, qty: q)
  switch rng.next() % 14 {
  case 0, 1: e.qty = q * 2
  case 2:
    e.kind = .poOpen; e.po = "P\(n)"; pos.append(e.po!)
  case 3:
    guard !pos.isEmpty else { break }
    let p = pick(pos)
    e.kind = rng.next() % 3 == 0 ? .poCancel : .receive; e.po = p; e.location = nil
    e.sku = nil  // filled below from the PO's SKU by the caller's model lookup
  case 4, 5:
    e.kind = .reserve; e.order = "O\(n)"; e.line = "1"; orders.append(e.order!)
  case 6, 7:
    guard !orders.isEmpty else { break }
    e.kind = .ship; e.order = pick(orders); e.line = "1"; e.sku = nil; e.location = nil; e.qty = Int(rng.next() % 3) + 1
  case 8:
    guard !orders.isEmpty else { break }
    e.kind = .release; e.order = pick(orders); e.line = "1"; e.sku = nil; e.location = nil; e.qty = Int(rng.next() % 3) + 1
  case 9:
    guard !orders.isEmpty else { break }
    e.kind = .return; e.order = pick(orders); e.line = "1"; e.sku = nil; e.location = nil; e.qty = 1; e.reason = pick(["restock", "scrap"])
  case 10:
    e.kind = .inspect; e.reason = pick(["pass", "fail"]); e.qty = 1
  case 11:
    if !transfers.isEmpty && rng.next() % 2 == 0 {
      e.kind = .transferIn; e.transfer = pick(transfers); e.location = nil; e.sku = nil; e.qty = Int(rng.next() % 3) + 1
    } else {
      e.kind = .transferOut; e.transfer = "T\(n)"; e.toLocation = pick(locs); transfers.append(e.transfer!)
    }
  case 12:
    e.kind = .count; e.qty = Int(rng.next() % 8)
  default:
    e.kind = .adjust; e.reason = pick(["shrink", "damage", "found", "dispose"])
  }
  return e
}

@Suite("Ledger: model-based and replay tests")
struct LedgerModelTests {
  @Test("Random seeded event sequences: the ledger agrees with the model after every step", arguments: LedgerBackend.underTest, [1, 2, 3] as [UInt64])
  func modelBased(_ backend: LedgerBackend, seed: UInt64) throws {
    let store = try freshLedger(backend)
    var model = LedgerModel()
    var rng = SeededGenerator(seed: seed)
    var orders: [String] = [], pos: [String] = [], transfers: [String] = []
    for n in 0..<400 {
      var e = randomEvent(&rng, n, orders: &orders, pos: &pos, transfers: &transfers)
      if e.kind == .poCancel || (e.kind == .receive && e.po != nil) { e.sku = model.pos[e.po!]?.sku }
      if e.kind == .transferIn { e.sku = model.transfers[e.transfer!]?.sku }
      let expected = e.sku == nil && (e.kind == .receive || e.kind == .poCancel || e.kind == .transferIn) ? false : model.apply(e)
      let outcome = try store.apply(e)
      #expect(outcome.succeeded == expected, "seed \(seed) step \(n): \(e.kind.rawValue) model \(expected), ledger \(outcome.error?.description ?? "applied")")
      guard outcome.succeeded == expected else { return }
      for p in try store.positions() where !p.isKit {
        for b in Bucket.allCases where p[b] != model.get(p.sku, p.location, b) {
          Issue.record("seed \(seed) step \(n) after \(e.kind.rawValue): \(p.sku)@\(p.location) \(b.rawValue) ledger \(p[b]) model \(model.get(p.sku, p.location, b))")
          return
        }
      }
    }
    try expectVerified(store)
  }

  @Test("Every event applied twice (and the whole stream replayed shuffled) gives the balances of one application", arguments: LedgerBackend.underTest)
  func replay(_ backend: LedgerBackend) throws {
    var rng = SeededGenerator(seed: 42)
    var orders: [String] = [], pos: [String] = [], transfers: [String] = []
    let once = try freshLedger(backend), twice = try freshLedger(backend)
    var events: [LedgerEvent] = []
    var model = LedgerModel()
    for n in 0..<300 {
      var e = randomEvent(&rng, n, orders: &orders, pos: &pos, transfers: &transfers)
      if e.kind == .poCancel || (e.kind == .receive && e.po != nil) { e.sku = model.pos[e.po!]?.sku }
      if e.kind == .transferIn { e.sku = model.transfers[e.transfer!]?.sku }
      if e.sku != nil || e.order != nil { _ = model.apply(e) }
      e.at = 1_700_000_000_000 + Int64(n)
      events.append(e)
    }
    for e in events {
      let a = try once.apply(e)
      let b1 = try twice.apply(e), b2 = try twice.apply(e)
      #expect(a.succeeded == b1.succeeded && b2.replayed && b2.succeeded == b1.succeeded && b2.eventID == b1.eventID)
    }
    var shuffled = events
    shuffled.shuffle(using: &rng)
    for e in shuffled { #expect(try twice.apply(e).replayed) }
    #expect(try once.positions() == twice.positions())
    #expect(try once.eventCounts() == twice.eventCounts())
    try expectVerified(twice)
  }
}
