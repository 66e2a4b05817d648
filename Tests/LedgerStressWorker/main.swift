// One worker of the hot-SKU concurrency test (LedgerProcessTests runs several as OS processes at once):
// reserves, ships, releases and receives one SKU through the ledger for a while. With --naive it uses a
// deliberately broken read-then-update reservation written straight against the schema, which the
// ledger's `verify` must catch. Test support only: not part of the shipped `replenish` binary.
//
//   ledger-stress-worker --db FILE --sku SKU --location LOC [--seconds 3] [--worker 0] [--seed 1] [--naive]
import Foundation
import GRDB
import Ledger
import Sampling

var options: [String: String] = [:]
var naive = false
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
  if flag == "--naive" { naive = true; continue }
  guard flag.hasPrefix("--"), let value = arguments.popFirst() else {
    FileHandle.standardError.write(Data("ledger-stress-worker: unexpected argument \(flag)\n".utf8))
    exit(64)
  }
  options[String(flag.dropFirst(2))] = value
}
guard let db = options["db"], let sku = options["sku"], let location = options["location"] else {
  FileHandle.standardError.write(Data("usage: ledger-stress-worker --db FILE --sku SKU --location LOC [--seconds S] [--worker N] [--seed N] [--naive]\n".utf8))
  exit(64)
}
let seconds = Double(options["seconds"] ?? "3") ?? 3
let worker = Int(options["worker"] ?? "0") ?? 0
let seed = UInt64(options["seed"] ?? "1") ?? 1

/// The broken reservation: read ATP in one transaction, write an absolute value in another, no guard.
func reserveNaively(_ queue: DatabaseQueue, order: String, qty: Int) throws -> Bool {
  let (sellable, committed) = try queue.read { db -> (Int, Int) in
    let row = try Row.fetchOne(db, sql: "SELECT sellable, committed FROM positions WHERE sku = ? AND location = ?", arguments: [sku, location])
    return (row?["sellable"] ?? 0, row?["committed"] ?? 0)
  }
  guard sellable - committed >= qty else { return false }
  usleep(200)
  return try queue.write { db in
    let now = currentMillis()
    try db.execute(sql: "INSERT INTO events (source, key, kind, payload, at, recorded_at, status) VALUES ('naive', ?, 'reserve', '{}', ?, ?, 'applied')",
                   arguments: ["\(order)/1", now, now])
    let id = db.lastInsertedRowID
    try db.execute(sql: "UPDATE positions SET committed = ? WHERE sku = ? AND location = ?", arguments: [committed + qty, sku, location])
    try db.execute(sql: "INSERT INTO movements (event_id, sku, location, bucket, qty, flow, at) VALUES (?, ?, ?, 'committed', ?, 'internal', ?)",
                   arguments: [id, sku, location, qty, now])
    try db.execute(sql: "INSERT INTO order_lines (order_id, line, component, sku, location, qty_per, reserved, seq) VALUES (?, '1', ?, ?, ?, 1, ?, ?)",
                   arguments: [order, sku, sku, location, qty, id])
    return true
  }
}

do {
  let store = try LedgerStore(path: db)
  var configuration = Configuration()
  configuration.busyMode = .timeout(10)
  let queue = naive ? try DatabaseQueue(path: db, configuration: configuration) : nil
  var rng = SeededGenerator(seed: seed &+ UInt64(worker) &* 0x9E37_79B9)
  let deadline = Date().addingTimeInterval(seconds)
  var reserved = 0, refused = 0, n = 0
  var open: [(String, Int)] = []
  while Date() < deadline {
    n += 1
    let order = "w\(worker)-\(n)"
    let q = Int(rng.next() % 3) + 1
    if let queue {
      if try reserveNaively(queue, order: order, qty: q) { reserved += 1 } else { refused += 1 }
      continue
    }
    let outcome = try store.apply(LedgerEvent(source: "stress", key: "\(order)/reserve", kind: .reserve, sku: sku, location: location, qty: q, order: order, line: "1"))
    if outcome.succeeded { reserved += 1; open.append((order, q)) } else { refused += 1 }
    // Churn: ship, partially ship, release, receive.
    if !open.isEmpty && rng.next() % 2 == 0 {
      let (o, oq) = open.removeFirst()
      switch rng.next() % 3 {
      case 0: _ = try store.apply(LedgerEvent(source: "stress", key: "\(o)/ship", kind: .ship, qty: oq, order: o, line: "1"))
      case 1:
        _ = try store.apply(LedgerEvent(source: "stress", key: "\(o)/ship1", kind: .ship, qty: 1, order: o, line: "1"))
        if oq > 1 { _ = try store.apply(LedgerEvent(source: "stress", key: "\(o)/release", kind: .release, qty: oq - 1, order: o, line: "1")) }
      default: _ = try store.apply(LedgerEvent(source: "stress", key: "\(o)/release", kind: .release, qty: oq, order: o, line: "1"))
      }
    }
    if rng.next() % 8 == 0 {
      _ = try store.apply(LedgerEvent(source: "stress", key: "\(order)/receive", kind: .receive, sku: sku, location: location, qty: 2))
    }
  }
  print("worker \(worker): \(reserved) reserved, \(refused) refused")
} catch {
  FileHandle.standardError.write(Data("ledger-stress-worker: \(error)\n".utf8))
  exit(error is LedgerError && (error as! LedgerError).code == .busy ? 75 : 65)
}
