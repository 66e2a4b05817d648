import Foundation
import Ledger
import Sampling

/// Ledger throughput: a mixed stream (receipts, reservations, shipments, releases, transfers, counts)
/// over `skus` × 5 locations, one event per transaction and group-committed, while `readers` threads
/// keep querying ATP; then the reservation latency distribution and a full rebuild (`verify`) of the
/// movements written.
func ledgerBenchmark(skus: Int, events: Int, readers: Int, batch: Int, modes: [String], folder: String) throws {
  let locations = ["L1", "L2", "L3", "L4", "L5"]
  func makeStream(seed: UInt64) -> [LedgerEvent] {
    var rng = SeededGenerator(seed: seed)
    var stream: [LedgerEvent] = []
    var open: [(String, Int)] = []
    stream.reserveCapacity(events)
    var n = 0
    // Opening stock so that reservations mostly succeed.
    for s in 0..<skus {
      for l in locations where stream.count < events / 5 {
        stream.append(LedgerEvent(source: "bench", key: "o\(s)\(l)", kind: .receive, sku: "S\(s)", location: l, qty: 50))
      }
    }
    while stream.count < events {
      n += 1
      let sku = "S\(Int(rng.next() % UInt64(skus)))", loc = locations[Int(rng.next() % 5)]
      switch rng.next() % 10 {
      case 0...3:
        let order = "O\(n)"
        stream.append(LedgerEvent(source: "bench", key: "r\(n)", kind: .reserve, sku: sku, location: loc, qty: Int(rng.next() % 3) + 1, order: order, line: "1"))
        open.append((order, stream.last!.qty!))
      case 4...5 where !open.isEmpty:
        let (order, q) = open.removeFirst()
        stream.append(LedgerEvent(source: "bench", key: "s\(n)", kind: .ship, qty: q, order: order, line: "1"))
      case 6 where !open.isEmpty:
        let (order, q) = open.removeFirst()
        stream.append(LedgerEvent(source: "bench", key: "x\(n)", kind: .release, qty: q, order: order, line: "1"))
      case 7:
        stream.append(LedgerEvent(source: "bench", key: "t\(n)", kind: .transferOut, sku: sku, location: loc, qty: 1, transfer: "T\(n)", toLocation: locations[(locations.firstIndex(of: loc)! + 1) % 5]))
      case 8:
        stream.append(LedgerEvent(source: "bench", key: "c\(n)", kind: .count, sku: sku, location: loc, qty: 40 + Int(rng.next() % 20)))
      default:
        stream.append(LedgerEvent(source: "bench", key: "g\(n)", kind: .receive, sku: sku, location: loc, qty: 10))
      }
    }
    return stream
  }

  func freshStore(_ name: String) throws -> LedgerStore {
    let path = folder + "/" + name
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    let store = try LedgerStore(path: path, create: true)
    try store.defineLocations(locations.map { ($0, $0 == "L1" || $0 == "L2" ? "EU" : "US") })
    try store.defineSKUs((0..<skus).map { ("S\($0)", false) })
    return store
  }

  let stream = makeStream(seed: 1)
  print("ledger benchmark: \(skus) SKUs × 5 locations, \(stream.count) events (mixed), \(readers) concurrent ATP reader thread(s); synchronous=NORMAL, WAL")
  for mode in modes {
    let store = try freshStore("ledger-\(mode).sqlite")
    let stop = Atomic(false)
    let reads = Atomic(0)
    let group = DispatchGroup()
    for r in 0..<readers {
      DispatchQueue.global().async(group: group) {
        var rng = SeededGenerator(seed: UInt64(100 + r))
        while !stop.load() {
          _ = try? store.positions(sku: "S\(Int(rng.next() % UInt64(skus)))")
          reads.add(1)
        }
      }
    }
    var latencies: [Double] = []
    latencies.reserveCapacity(stream.count)
    var refused = 0
    let start = now()
    if mode == "single" {
      for e in stream {
        let t0 = now()
        if !(try store.apply(e)).succeeded { refused += 1 }
        if e.kind == .reserve { latencies.append(now() - t0) }
      }
    } else {
      var i = 0
      while i < stream.count {
        let chunk = Array(stream[i..<min(stream.count, i + batch)])
        let t0 = now()
        let (outcomes, _) = try store.apply(batch: chunk, atomic: false)
        refused += outcomes.filter { !$0.succeeded }.count
        latencies.append(now() - t0)
        i += batch
      }
    }
    let seconds = now() - start
    stop.store(true)
    group.wait()
    latencies.sort()
    let p50 = latencies[latencies.count / 2] * 1e3, p99 = latencies[Int(Double(latencies.count) * 0.99)] * 1e3
    let wal = (try? FileManager.default.attributesOfItem(atPath: store.path + "-wal")[.size] as? Int) ?? 0
    print(String(format: "  %@: %.0f events/s (%d events in %.2f s, %d refused); %@ p50 %.3f ms, p99 %.3f ms; %d ATP reads (%.0f/s); WAL %.1f MiB",
                 mode == "single" ? "one event per transaction" : "group commit of \(batch)", Double(stream.count) / seconds, stream.count, seconds, refused,
                 mode == "single" ? "reservation latency" : "batch latency", p50, p99, reads.load(), Double(reads.load()) / seconds, Double(wal) / 1_048_576))
    let report = try store.verify()
    print(String(format: "  verify: %@, %d movements rebuilt in %.2f s", report.passed ? "all invariants hold" : "VIOLATIONS", report.movements, report.seconds))
    // What a plan's feedback from the ledger reads (`plan --feedback-from ledger`): every cycle ever.
    let (t0, peakBefore) = (now(), peakRSSMiB())
    let cycles = try store.realisedCycles(from: 0, until: Int64.max)
    print(String(format: "  realised cycles: %d cycles (%d ran out) at %d SKU × locations in %.2f s; peak RSS %.0f MiB before, %.0f MiB after",
                 cycles.values.reduce(0) { $0 + $1.cycles }, cycles.values.reduce(0) { $0 + $1.ranOut }, cycles.count, now() - t0, peakBefore, peakRSSMiB()))
  }
}

/// A tiny atomic for the reader threads (lock-based; contention is negligible at this rate).
final class Atomic<T>: @unchecked Sendable {
  private var value: T
  private let lock = NSLock()
  init(_ value: T) { self.value = value }
  func load() -> T { lock.lock(); defer { lock.unlock() }; return value }
  func store(_ v: T) { lock.lock(); value = v; lock.unlock() }
}

extension Atomic where T == Int {
  func add(_ d: Int) { lock.lock(); value += d; lock.unlock() }
}
