import Foundation
import Testing
import TestSupport

@testable import Ledger

@Suite("Ledger: concurrent writers on one hot SKU")
struct HotSKUTests {
  @Test("32 threads reserve one SKU with 100 units: never more reserved than stock, each acknowledged reservation once, verify clean",
        arguments: LedgerBackend.underTest)
  func hotSKU(_ backend: LedgerBackend) throws {
    let store = try freshLedger(backend)
    try apply(store, .receive, sku: "A", qty: 100, unitCost: 1_000_000)
    let acknowledged = LockedList<(key: String, qty: Int)>()
    let failures = LockedList<String>()
    DispatchQueue.concurrentPerform(iterations: 32) { thread in
      for n in 0..<8 {
        let key = "t\(thread)-\(n)"
        let qty = 1 + (thread + n) % 3
        do {
          let outcome = try store.apply(LedgerEvent(source: "race", key: key, kind: .reserve, sku: "A", location: "WH1", qty: qty, order: key, line: "1"))
          if outcome.succeeded { acknowledged.append((key, qty)) } else if outcome.error?.code != .insufficientStock { failures.append("\(key): \(outcome)") }
        } catch {
          failures.append("\(key): \(error)")
        }
      }
    }
    #expect(failures.items.isEmpty, "\(failures.items.prefix(3))")
    let reserved = acknowledged.items.reduce(0) { $0 + $1.qty }
    let a = try position(store, "A")
    #expect(reserved <= 100)
    #expect(a.committed == reserved, "committed \(a.committed) vs acknowledged \(reserved)")
    #expect(a.sellable == 100)
    // Every acknowledged reservation is in the ledger exactly once: replaying it answers with the first outcome.
    for (key, qty) in acknowledged.items.prefix(20) {
      let again = try store.apply(LedgerEvent(source: "race", key: key, kind: .reserve, sku: "A", location: "WH1", qty: qty, order: key, line: "1"))
      #expect(again.replayed && again.succeeded)
    }
    #expect(try position(store, "A").committed == reserved)
    #expect(try store.eventCounts().applied == acknowledged.items.count + 1)
    try expectVerified(store)
  }
}

@Suite("Ledger: event times when the clock steps back")
struct EventTimeTests {
  final class Clock: @unchecked Sendable {
    var now: Int64 = LedgerText.time("2026-06-01T12:00:00Z")!
  }

  @Test("An event without a time is raised to its SKU's last event (movements too); an earlier time the client gives is refused",
        arguments: LedgerBackend.underTest)
  func clockStepsBack(_ backend: LedgerBackend) throws {
    let clock = Clock()
    let store = try LedgerStore(path: try backend.newLocation(), create: true, clock: { clock.now })
    try store.defineLocations([("WH1", "")])
    try store.defineSKUs([("A", false)])
    let first = clock.now
    #expect(try store.apply(LedgerEvent(source: "t", key: "1", kind: .receive, sku: "A", location: "WH1", qty: 5)).succeeded)
    clock.now -= 2_000
    #expect(try store.apply(LedgerEvent(source: "t", key: "2", kind: .reserve, sku: "A", location: "WH1", qty: 2, order: "o", line: "1")).succeeded)
    // The receipt's movement and the reservation's, both at the first event's time (the clock read 2 s earlier).
    let times = try store.history(sku: "A").map(\.at)
    #expect(times == [first, first], "\(times.map { $0 - first })")
    let backdated = try store.apply(LedgerEvent(source: "t", key: "3", kind: .receive, at: first - 1, sku: "A", location: "WH1", qty: 1))
    #expect(backdated.error?.code == .timeOutOfOrder)
    #expect(try position(store, "A").committed == 2)
    try expectVerified(store)
  }

  @Test("A raise reaches every SKU the event touched: a kit reservation raised by its second component leaves the first no earlier",
        arguments: LedgerBackend.underTest)
  func raiseReachesEverySKU(_ backend: LedgerBackend) throws {
    let clock = Clock()
    let store = try LedgerStore(path: try backend.newLocation(), create: true, clock: { clock.now })
    try store.defineLocations([("WH1", "")])
    try store.defineSKUs([("A", false), ("C", false)])
    try store.defineKits([("K", "A", 1), ("K", "C", 2)])
    #expect(try store.apply(LedgerEvent(source: "t", key: "1", kind: .receive, sku: "A", location: "WH1", qty: 5)).succeeded)
    clock.now += 10_000
    let later = clock.now
    #expect(try store.apply(LedgerEvent(source: "t", key: "2", kind: .receive, sku: "C", location: "WH1", qty: 10)).succeeded)
    clock.now -= 2_000
    // Components in order: A is stamped with the clock, then C (last event later) raises the time.
    #expect(try store.apply(LedgerEvent(source: "t", key: "3", kind: .reserve, sku: "K", location: "WH1", qty: 1, order: "o", line: "1")).succeeded)
    // An event on A that the client dates before the kit reservation is backdated for A too.
    let backdated = try store.apply(LedgerEvent(source: "t", key: "4", kind: .receive, at: later - 1_000, sku: "A", location: "WH1", qty: 1))
    #expect(backdated.error?.code == .timeOutOfOrder)
    #expect(try store.history(sku: "A").map(\.at).last == later)
    try expectVerified(store)
  }
}

@Suite("Ledger on PostgreSQL: URLs and bad configuration")
struct PostgresConfigurationTests {
  @Test("A URL is read as libpq reads it, PG* variables fill what it leaves out, and the password never shows")
  func urls() throws {
    let full = try PostgresLocation(url: "postgres://ann:s3cret@db.example:6432/stock?sslmode=require&pool_size=4&statement_timeout=5000", environment: [:])
    #expect(full.host == "db.example" && full.port == 6432 && full.user == "ann" && full.password == "s3cret" && full.database == "stock")
    #expect(full.sslMode == .require && full.poolSize == 4 && full.statementTimeoutMillis == 5000)
    #expect(full.redacted == "postgres://ann@db.example:6432/stock")
    #expect(full.applicationName == "replenish")
    #expect(try PostgresLocation(url: "postgres://u@h/d?application_name=shop-sync", environment: [:]).applicationName == "shop-sync")
    let socket = try PostgresLocation(url: "postgresql://@/ledger?host=/run/pg", environment: ["PGUSER": "bob", "PGPASSWORD": "pw", "PGPORT": "5433"])
    #expect(socket.socketFolder == "/run/pg" && socket.host == nil && socket.user == "bob" && socket.password == "pw" && socket.port == 5433)
    #expect(!socket.redacted.contains("pw"))
    let bare = try PostgresLocation(url: "postgres://", environment: ["PGHOST": "h", "PGDATABASE": "d", "PGUSER": "u"])
    #expect(bare.host == "h" && bare.database == "d" && bare.port == 5432 && bare.sslMode == .prefer)
  }

  @Test("Bad URLs are refused with the parameter, the value and what is accepted, and without the password")
  func badURLs() {
    let cases: [(String, String)] = [
      ("postgres://u:hunter2@h/d?sslmode=maybe", "sslmode=\"maybe\"; expected one of disable, allow, prefer, require, verify-ca, verify-full"),
      ("postgres://u:hunter2@h/d?pool=3", "unknown URL parameter \"pool\"; accepted: sslmode"),
      ("postgres://u@h/d?pool_size=0", "pool_size=\"0\"; expected a whole number 1–256"),
      ("postgres://u@h/d?statement_timeout=soon", "statement_timeout=\"soon\""),
    ]
    for (url, expected) in cases {
      let error = #expect(throws: LedgerError.self) { try PostgresLocation(url: url, environment: [:]) }
      #expect(error?.code == .invalidConfiguration)
      #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
      #expect(error?.message.contains("hunter2") == false)
    }
  }

  @Test("A URL the store does not take for PostgreSQL is not taken for a SQLite file either: refused, without the password")
  func misreadURLs() throws {
    for text in ["postgres:/ann:hunter2@db/stock", "Postgres://ann:hunter2@db/stock", "mysql://ann:hunter2@db/stock", "pg://db/stock",
                 "host=db dbname=stock password=hunter2"] {
      let error = #expect(throws: LedgerError.self) { try LedgerStore(path: text, create: true) }
      #expect(error?.code == .invalidConfiguration, "\(text)")
      #expect(error?.message.contains("neither a SQLite file nor a PostgreSQL URL") == true, "\(error?.message ?? "")")
      #expect(error?.message.contains("hunter2") == false, "\(error?.message ?? "")")
      #expect(!FileManager.default.fileExists(atPath: text))
    }
    // Ordinary paths, colons and at signs included, are files.
    for path in ["ledger.sqlite", "/tmp/a:b/ledger.sqlite", "shop@2026.sqlite", "./postgres/ledger.sqlite"] {
      #expect(PostgresLocation.misreadURL(path) == nil, "\(path)")
    }
  }

  @Test("An unreachable server is a clear cannot_connect naming it, without the password")
  func unreachable() {
    // Port 1 on loopback: nothing listens there; the refusal is immediate.
    let error = #expect(throws: LedgerError.self) { try LedgerStore(path: "postgres://u:hunter2@127.0.0.1:1/d?sslmode=disable&connect_timeout=2") }
    #expect(error?.code == .cannotConnect)
    #expect(error?.message.hasPrefix("postgres://u@127.0.0.1:1/d: cannot connect") == true, "\(error?.message ?? "")")
    #expect(error?.message.contains("hunter2") == false)
  }

  @Test("On the test server: a missing database, a database without a ledger, and a ledger from a newer release are refused",
        .enabled(if: LedgerBackend.postgresURL != nil))
  func onServer() throws {
    var missing = URLComponents(string: LedgerBackend.postgresURL!)!
    missing.path = "/no_such_database"
    let noDatabase = #expect(throws: LedgerError.self) { try LedgerStore(path: missing.string!) }
    #expect(noDatabase?.code == .cannotConnect)
    #expect(noDatabase?.message.contains("the database no_such_database does not exist") == true, "\(noDatabase?.message ?? "")")

    let empty = try LedgerBackend.postgres.newLocation()
    let notALedger = #expect(throws: LedgerError.self) { try LedgerStore(path: empty) }
    #expect(notALedger?.code == .notALedger)
    #expect(notALedger?.message.contains("no Replenish ledger in this database") == true)

    let store = try LedgerStore(path: empty, create: true)
    try store.defineSKUs([("A", false)])
    guard case .postgres(let database) = store.backend else { Issue.record("not on PostgreSQL"); return }
    try database.write { db in try db.execute(sql: "INSERT INTO ledger_migrations (identifier) VALUES ('v99 from the future')") }
    for readOnly in [false, true] {
      let newer = #expect(throws: LedgerError.self) { try LedgerStore(path: empty, readOnly: readOnly) }
      #expect(newer?.message.contains("made by a newer Replenish") == true)
    }
  }

  @Test("The schema translated for PostgreSQL: 64-bit integers, identity keys, byte-order text, no SQLite-only clauses")
  func translatedSchema() {
    let statements = LedgerSchema.migrations.flatMap { LedgerSchema.postgres($0.sql) }
    let all = statements.joined(separator: "\n")
    #expect(!all.contains("WITHOUT ROWID") && !all.contains("INSERT OR IGNORE") && !all.contains("AUTOINCREMENT"))
    #expect(!all.contains(" INTEGER"))
    #expect(all.contains("seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"))
    #expect(all.contains("sku TEXT COLLATE \"C\" PRIMARY KEY"))
    #expect(statements.contains("INSERT INTO meta VALUES ('schema_version', '1') ON CONFLICT DO NOTHING"))
  }
}

@Suite("Ledger: the change feed in commit order")
struct ChangeFeedTests {
  /// A receipt of one unit of `sku` at WH1 as a service write (it logs the SKU's level as a change).
  static func receipt(_ key: String, sku: String = "A") -> WriteRequest {
    WriteRequest(source: "feed", key: key, fingerprint: key,
                 events: [LedgerEvent(source: "feed", key: key, kind: .receive, sku: sku, location: "WH1", qty: 1, unitCostMicros: 1_000_000)],
                 atomicity: .allOrNothing, render: { _ in StoredResponse(status: 201, body: "{}") })
  }

  /// Each writer receives its own SKU (so that commits interleave freely; one SKU's writers queue on its
  /// row lock) and every fourth receipt goes to the shared SKU H.
  @Test("16 writers and a follower reading the feed as they commit: the follower sees every change once, each SKU's levels in commit order",
        arguments: LedgerBackend.underTest)
  func followerMissesNothing(_ backend: LedgerBackend) throws {
    let store = try LedgerStore(path: try backend.newLocation(), create: true)
    try store.defineLocations([("WH1", "EU")])
    try store.defineSKUs((0..<16).map { ("S\($0)", false) } + [("H", false)])
    let followed = LockedList<Change>()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) {
      var cursor: Int64 = 0
      // Until every change is seen (on PostgreSQL a change is positioned once every older transaction of
      // the server has ended; other tests write at once), or 60 s.
      let deadline = Date().addingTimeInterval(60)
      while followed.items.count < 16 * 12, Date() < deadline {
        let page = (try? store.changes(after: cursor, channel: nil, limit: 7)) ?? []
        for change in page { followed.append(change) }
        cursor = page.last?.seq ?? cursor
        if page.isEmpty { Thread.sleep(forTimeInterval: 0.002) }
      }
    }
    DispatchQueue.concurrentPerform(iterations: 16) { writer in
      for k in 0..<12 {
        let result = store.perform([Self.receipt("w\(writer)-\(k)", sku: k % 4 == 3 ? "H" : "S\(writer)")])
        if case .completed(let response, _) = result[0] { #expect(response.status == 201) } else { Issue.record("\(result[0])") }
      }
    }
    group.wait()
    let all = try store.changes(after: 0, channel: nil, limit: 10_000)
    #expect(all.count == 16 * 12)
    #expect(all.map(\.seq) == Array(1...Int64(all.count)), "positions without gaps")
    #expect(followed.items.map(\.seq) == all.map(\.seq), "the follower saw \(followed.items.count) of \(all.count)")
    #expect(followed.items.map(\.payload) == all.map(\.payload))
    // Each change reports its SKU's level after the receipt: 1, 2, … per SKU, in feed order.
    var onHand: [String: [Int]] = [:]
    for change in all {
      onHand[change.sku!, default: []].append(Int(change.payload.split(separator: "\"on_hand\":").last?.prefix { $0.isNumber } ?? "") ?? -1)
    }
    #expect(onHand["H"] == Array(1...16 * 3))
    #expect((0..<16).allSatisfy { onHand["S\($0)"] == Array(1...9) }, "\(onHand)")
  }

  @Test("PostgreSQL: a change whose transaction is still open holds back later commits; then both come, oldest transaction first",
        .enabled(if: LedgerBackend.postgresURL != nil))
  func openTransactionHoldsBackTheFeed() throws {
    let location = try LedgerBackend.postgres.newLocation()
    let store = try LedgerStore(path: location, create: true)
    try store.defineLocations([("WH1", "EU")])
    try store.defineSKUs([("A", false)])
    let other = try LedgerStore(path: location)
    guard case .postgres(let database) = other.backend else { Issue.record("not on PostgreSQL"); return }
    try database.write { db in
      // The change a slow writer logged first (its identity is the lower one), not yet committed.
      _ = try db.insert(sql: """
        INSERT INTO changes (at, topic, sku, location, payload, xid, position)
        VALUES (1, 'inventory_levels/update', 'A', 'WH1', '{"slow":true}', \(db.dialect.changeTransaction), \(db.dialect.changePosition))
        """, arguments: [], returning: "seq")
      _ = store.perform([Self.receipt("fast")])
      #expect(try store.changes(after: 0, channel: nil, limit: 10).isEmpty, "a later commit is not given a position before an older open transaction ends")
    }
    // Both come once every older transaction on the server (of any database: other tests run at once) has ended.
    var feed = try store.changes(after: 0, channel: nil, limit: 10)
    let deadline = Date().addingTimeInterval(10)
    while feed.count < 2, Date() < deadline {
      Thread.sleep(forTimeInterval: 0.01)
      feed = try store.changes(after: 0, channel: nil, limit: 10)
    }
    #expect(feed.map(\.seq) == [1, 2])
    #expect(feed.first?.payload == #"{"slow":true}"#)
  }
}
