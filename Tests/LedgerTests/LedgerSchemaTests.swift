import Foundation
import GRDB
import Testing
import TestSupport

@testable import Ledger

@Suite("Ledger schema: migrations, the clock, read-only access")
struct LedgerSchemaTests {
  /// A copy of `Fixtures/ledger-schema-v1.sqlite`: made by the release before migrations were recorded
  /// (3 locations, SKUs A, B and kit K1 = 2 A; a PO, receipts, reservations, a shipment, a transfer, a
  /// return and one refused event), with its ATP as that release printed it in `ledger-schema-v1-atp.csv`.
  func v1Copy() throws -> String {
    let source = Bundle.module.path(forResource: "ledger-schema-v1", ofType: "sqlite", inDirectory: "Fixtures")!
    let path = temporaryFile("", name: "ledger-v1.sqlite")
    try FileManager.default.removeItem(atPath: path)
    try FileManager.default.copyItem(atPath: source, toPath: path)
    return path
  }

  @Test("A ledger made before migrations opens, migrates to the current schema, keeps every balance and replays its old events")
  func migratesV1() throws {
    let path = try v1Copy()
    let store = try LedgerStore(path: path)
    let applied = try DatabaseQueue(path: path).read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") }
    #expect(applied == LedgerSchema.migrations.map(\.name) && applied.count == LedgerStore.schemaVersion)
    let version = try DatabaseQueue(path: path).read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'schema_version'") }
    #expect(version == "\(LedgerStore.schemaVersion)")
    let expected = try String(contentsOfFile: Bundle.module.path(forResource: "ledger-schema-v1-atp", ofType: "csv", inDirectory: "Fixtures")!, encoding: .utf8)
    #expect(LedgerTables.positions(try store.positions()) == expected.trimmingCharacters(in: .newlines))
    try expectVerified(store)
    // The old events' payloads still match: a resubmission is a replay, not a key reused for something else.
    let resent = LedgerEvent(source: "ev.csv", key: "o1", kind: .reserve, at: LedgerText.time("2026-11-04T08:00:00Z"), sku: "A", location: "WH1", qty: 5,
                             order: "O1", line: "1")
    let outcome = try store.apply(resent)
    #expect(outcome.replayed && outcome.succeeded)
    // And it takes new events.
    #expect(try store.apply(LedgerEvent(source: "t", key: "n1", kind: .receive, sku: "A", location: "WH2", qty: 3)).succeeded)
    try expectVerified(store)
    // Opening again migrates nothing (and needs no write lock).
    _ = try LedgerStore(path: path)
  }

  @Test("A ledger from a newer release (a migration this build does not know) is refused, not written")
  func refusesNewer() throws {
    let path = try v1Copy()
    _ = try LedgerStore(path: path)
    try DatabaseQueue(path: path).write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99 from the future')") }
    for readOnly in [false, true] {
      let error = #expect(throws: LedgerError.self) { try LedgerStore(path: path, readOnly: readOnly) }
      #expect(error?.code == .notALedger && error?.message.contains("newer Replenish") == true)
    }
  }

  @Test("The clock is injected: events without a time are recorded at it; more than 5 minutes ahead of it is refused")
  func clock() throws {
    let path = temporaryFile("", name: "clock.sqlite")
    try FileManager.default.removeItem(atPath: path)
    let now = LedgerText.time("2026-06-01T12:00:00Z")!
    let store = try LedgerStore(path: path, create: true, clock: { now })
    try store.defineLocations([("WH1", "")])
    try store.defineSKUs([("A", false)])
    #expect(try store.apply(LedgerEvent(source: "t", key: "1", kind: .receive, sku: "A", location: "WH1", qty: 2)).succeeded)
    #expect(try store.history(sku: "A").map(\.at) == [now])
    #expect(try store.apply(LedgerEvent(source: "t", key: "2", kind: .receive, at: now + 240_000, sku: "A", location: "WH1", qty: 1)).succeeded)
    let late = try store.apply(LedgerEvent(source: "t", key: "3", kind: .receive, at: now + 360_000, sku: "A", location: "WH1", qty: 1))
    #expect(late.error?.code == .timeInFuture)
  }

  @Test("Queries and opening need no write lock: they run while another writer holds it")
  func readsDuringAWrite() throws {
    let store = try freshLedger()
    try apply(store, .receive, sku: "A", qty: 7)
    var configuration = Configuration()
    configuration.busyMode = .timeout(0.1)
    let writer = try DatabaseQueue(path: store.path, configuration: configuration)
    try writer.writeWithoutTransaction { db in
      try db.execute(sql: "BEGIN IMMEDIATE")
      defer { try? db.execute(sql: "ROLLBACK") }
      let reader = try LedgerStore(path: store.path, readOnly: true)
      #expect(try reader.positions(sku: "A").first?.sellable == 7)
      #expect(try reader.verify().passed)
      #expect(try LedgerStore(path: store.path).positions(sku: "A").count == 1)
    }
  }

  @Test("Reasons are typed by event kind; an unknown one is refused with the accepted values")
  func reasons() throws {
    let store = try freshLedger()
    try apply(store, .receive, sku: "A", qty: 5)
    let refused = try apply(store, .adjust, sku: "A", qty: 1, reason: "stolen")
    #expect(refused.error?.code == .unknownReason && refused.error?.message.contains("shrink, damage, found, dispose") == true)
    #expect(LedgerEvent(source: "s", key: "k", kind: .adjust, reason: "found").adjustmentReason == .found)
    #expect(LedgerEvent(source: "s", key: "k", kind: .return, reason: "found").returnReason == nil)
    #expect(LedgerEvent(source: "s", key: "k", kind: .inspect, reason: "pass").inspectionResult == .pass)
  }

  /// SQLite copies the WAL back only at 1,000 pages by itself; the background checkpointer copies it
  /// within its interval, so the database file itself holds the new SKUs without anyone reading the WAL.
  @Test("The background checkpointer copies committed pages into the database file while the writer goes on")
  func backgroundCheckpoint() throws {
    func skusInFile(_ path: String) throws -> Int {
      // A copy of the main file alone (no -wal): what a checkpoint has written back.
      let copy = path + ".copy"
      try? FileManager.default.removeItem(atPath: copy)
      try FileManager.default.copyItem(atPath: path, toPath: copy)
      defer { try? FileManager.default.removeItem(atPath: copy) }
      // A copy taken while the checkpointer writes pages may be torn: that round counts as nothing yet.
      return (try? DatabaseQueue(path: copy).read { db in try db.tableExists("skus") ? Int.fetchOne(db, sql: "SELECT COUNT(*) FROM skus") ?? -1 : 0 }) ?? 0
    }
    let path = temporaryFile("", name: "checkpoint.sqlite")
    try FileManager.default.removeItem(atPath: path)
    let store = try LedgerStore(path: path, create: true)
    try store.defineSKUs((0..<50).map { ("A\($0)", false) })
    #expect(try skusInFile(path) == 0, "50 SKUs are well under SQLite's own 1,000-page checkpoint: still only in the WAL")
    let checkpointer = try #require(try store.checkpointInBackground(interval: 0.02))
    defer { checkpointer.stop() }
    try store.defineSKUs((0..<50).map { ("B\($0)", false) })
    var inFile = 0
    for _ in 0..<100 where inFile < 100 {
      usleep(20_000)
      inFile = try skusInFile(path)
    }
    #expect(inFile == 100)
  }

  /// Past the writer's backstop (`writerThreshold` pages) the WAL file is cut back to it when the WAL
  /// restarts; below it the file keeps its size (no truncation, and no synchronous discard of its blocks,
  /// inside a commit). It used to be cut back to a fixed 64 MiB, whatever the backstop.
  @Test("The WAL file is cut back to the writer's backstop when it restarts, not below it")
  func walCutBackToBackstop() throws {
    let path = temporaryFile("", name: "wal-limit.sqlite")
    try FileManager.default.removeItem(atPath: path)
    let store = try LedgerStore(path: path, create: true)
    let threshold = 32
    let checkpointer = try #require(try store.checkpointInBackground(interval: 0.02, writerThreshold: threshold))
    defer { checkpointer.stop() }
    let pageSize = try #require(try store.write { db in try db.cachedInt("PRAGMA page_size") })
    func walBytes() throws -> Int { (try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0 }
    // One transaction far past the backstop: the WAL grows with it.
    try store.defineSKUs((0..<40_000).map { ("C\($0)", false) })
    let grown = try walBytes()
    #expect(grown > 4 * threshold * pageSize, "the test needs a WAL well past the backstop (\(grown) bytes)")
    // Once a checkpoint has copied it all back, the next commit restarts the WAL and cuts the file back.
    var after = grown
    for n in 0..<100 where after > threshold * pageSize + 64 * 1024 {
      usleep(20_000)
      try store.defineSKUs([("D\(n)", false)])
      after = try walBytes()
    }
    #expect(after <= threshold * pageSize + 64 * 1024, "WAL \(after) bytes after restarts; backstop \(threshold * pageSize)")
    #expect(after >= threshold * pageSize, "cut back to the backstop, not below it: \(after) bytes")
  }
}
