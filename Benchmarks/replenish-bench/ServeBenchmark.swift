import Foundation
import Ledger
import StockService

/// `serve-setup`: the ledger `make bench-serve` loads: `skus` SKUs plus `HOT` at WH1, each with a billion
/// units (no request is refused for stock, so every 2xx is one reservation), the channel `bench` and an
/// API key written to FOLDER/key. `database`: a PostgreSQL URL (an empty database) instead of FOLDER/serve.sqlite.
func serveSetup(folder: String, skus: Int, database: String? = nil) throws -> LedgerStore {
  let path = database ?? folder + "/serve.sqlite"
  if database == nil { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
  let store = try LedgerStore(path: path, create: true)
  try store.defineLocations([("WH1", "EU")])
  try store.defineSKUs((0..<skus).map { ("S\($0)", false) } + [("HOT", false)])
  let stock = (0..<skus).map { LedgerEvent(source: "setup", key: "r\($0)", kind: .receive, sku: "S\($0)", location: "WH1", qty: 1_000_000_000) }
    + [LedgerEvent(source: "setup", key: "hot", kind: .receive, sku: "HOT", location: "WH1", qty: 1_000_000_000)]
  for chunk in stride(from: 0, to: stock.count, by: 1000) {
    _ = try store.apply(batch: Array(stock[chunk..<min(chunk + 1000, stock.count)]), atomic: true)
  }
  try store.defineChannel(ChannelAllocation(name: "bench"))
  let key = try APIKeys.create(on: store, channel: "bench", scopes: [.ordersWrite, .inventoryRead]).key
  try key.write(toFile: folder + "/key", atomically: true, encoding: .utf8)
  return store
}

/// The store's own ceiling: one-line order reservations through `LedgerStore.perform` — the call the
/// server's writer makes, with a request record, the change log and the server's background checkpoints — one request per transaction and in
/// groups of 64, across SKUs and on the hot SKU. No HTTP, no JSON parsing, no threads.
func serveStoreCeiling(folder: String, skus: Int, requests: Int) throws {
  let store = try serveSetup(folder: folder, skus: skus)
  // As the server runs it: WAL checkpoints on a background connection.
  let checkpointer = try store.checkpointInBackground()
  defer { checkpointer?.stop() }
  print("store ceiling: \(requests) one-line reservations through LedgerStore.perform (request record + change log, background checkpoints as in the server), \(skus) SKUs")
  var serial = 0
  for (label, hot) in [("across SKUs", false), ("hot SKU", true)] {
    for group in [1, 64] {
      var n = 0
      let start = now()
      while n < requests {
        var batch: [WriteRequest] = []
        for _ in 0..<group where n < requests {
          serial += 1
          n += 1
          let sku = hot ? "HOT" : "S\((serial &* 7919) % skus)"
          let event = LedgerEvent(source: "bench", key: "k\(serial)/0", kind: .reserve, sku: sku, location: "WH1", qty: 1, order: "o\(serial)", line: "1")
          batch.append(WriteRequest(source: "bench", key: "k\(serial)", fingerprint: "f", events: [event], atomicity: .allOrNothing,
                                    preconditions: [.newOrder("o\(serial)")], order: "o\(serial)") { outcome in
            StoredResponse(status: outcome.committed ? 201 : 409, body: "{\"event_id\":\(outcome.outcomes.first?.eventID ?? 0)}")
          })
        }
        for r in store.perform(batch) {
          guard case .completed(let s, _) = r, s.status == 201 else { fail("store ceiling: a reservation was not applied: \(r)") }
        }
      }
      let seconds = now() - start
      print(String(format: "  %@, %3d per transaction: %8.0f reservations/s (%d in %.2f s)", label, group, Double(requests) / seconds, requests, seconds))
    }
  }
  let report = try store.verify()
  print("  verify: \(report.checks.allSatisfy { $0.violations == 0 } ? "all invariants hold" : "VIOLATIONS")")
}
