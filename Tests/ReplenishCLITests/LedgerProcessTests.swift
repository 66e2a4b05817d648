import Foundation
import Testing
import TestSupport

/// Starts `replenish` with stdout and stderr going to files (so a killed process leaves what it printed).
func launch(_ arguments: [String], output: String, program: String = "replenish") throws -> Process {
  guard let binary = replenishBinary()?.deletingLastPathComponent().appendingPathComponent(program),
    FileManager.default.isExecutableFile(atPath: binary.path)
  else { throw CLITestError("\(program) binary not found; run `swift build` first") }
  FileManager.default.createFile(atPath: output, contents: nil)
  let process = Process()
  process.executableURL = binary
  process.arguments = arguments
  process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
  process.standardError = FileHandle.nullDevice
  try process.run()
  return process
}

func temporaryFolder() -> String {
  let path = FileManager.default.temporaryDirectory.appendingPathComponent("replenish-ledger-\(UUID().uuidString)").path
  try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

@Suite("Ledger across OS processes: hot SKU and kill -9", .serialized)
struct LedgerProcessTests {
  /// 8 processes reserve 1–3 units of one SKU with churn (ship, partial ship + release, release, receive)
  /// for 3 s. The correct ledger never oversells and every invariant holds; the same load through the
  /// naive read-then-update reservation breaks the invariants, which proves the check can fail.
  @Test("Hot SKU: 8 processes, zero oversell; the naive read-then-update variant is caught")
  func hotSKU() throws {
    for naive in [false, true] {
      let folder = temporaryFolder()
      let db = folder + "/hot.sqlite"
      try #require(run(["ledger", "init", "--db", db, "--locations", "WH1"]).status == 0)
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      let items = folder + "/items.csv"
      try "sku\nHOT\n".write(toFile: items, atomically: true, encoding: .utf8)
      try #require(run(["ledger", "init", "--db", db, "--items", items]).status == 0)
      try #require(run(["ledger", "receive", "--db", db, "--key", "stock", "--sku", "HOT", "--location", "WH1", "--qty", naive ? "400" : "10"]).status == 0)
      var workers: [Process] = []
      for w in 0..<8 {
        var args = ["--db", db, "--sku", "HOT", "--location", "WH1", "--seconds", "3", "--worker", "\(w)", "--seed", "7"]
        if naive { args.append("--naive") }
        workers.append(try launch(args, output: folder + "/worker\(w).txt", program: "ledger-stress-worker"))
      }
      for p in workers { p.waitUntilExit() }
      var reserved = 0
      for w in 0..<8 {
        #expect(workers[w].terminationStatus == 0, "worker \(w) failed")
        let text = (try? String(contentsOfFile: folder + "/worker\(w).txt", encoding: .utf8)) ?? ""
        if let n = text.split(separator: " ").dropFirst(2).first.flatMap({ Int($0) }) { reserved += n }
      }
      #expect(reserved > 8, "the workers reserved almost nothing (\(reserved)); the test would prove nothing")
      let verify = try run(["ledger", "verify", "--db", db])
      if naive {
        #expect(verify.status == 65 && verify.stdout.contains("FAIL I6 reservations"), "the naive variant was not caught:\n\(verify.stdout)")
      } else {
        #expect(verify.status == 0, "invariants broken under concurrency:\n\(verify.stdout)")
      }
    }
  }

  /// A 100,000-event import is killed with SIGKILL three times at random points and resumed by replaying
  /// the file: every acknowledged event is in the ledger, none is half-applied, the final balances are
  /// exactly those of one application, and SQLite's integrity check passes after each kill.
  @Test("Crash: kill -9 during a 100,000-event import, resume by replaying the file")
  func killDuringImport() throws {
    let folder = temporaryFolder()
    let db = folder + "/crash.sqlite"
    var items = "sku\n"
    for s in 0..<200 { items += "S\(s)\n" }
    try items.write(toFile: folder + "/items.csv", atomically: true, encoding: .utf8)
    // Cycle per SKU: receive 4, reserve 2, ship those 2, reserve 1 → +2 sellable and +1 committed per cycle.
    var events = "key,kind,sku,location,qty,order,line\n"
    for i in 0..<100_000 {
      let sku = "S\(i / 4 % 200)", cycle = i / 4
      switch i % 4 {
      case 0: events += "e\(i),receive,\(sku),WH1,4,,\n"
      case 1: events += "e\(i),reserve,\(sku),WH1,2,O\(cycle)a,1\n"
      case 2: events += "e\(i),ship,,,2,O\(cycle)a,1\n"
      default: events += "e\(i),reserve,\(sku),WH1,1,O\(cycle)b,1\n"
      }
    }
    let file = folder + "/events.csv"
    try events.write(toFile: file, atomically: true, encoding: .utf8)
    try #require(run(["ledger", "init", "--db", db, "--locations", "WH1", "--items", folder + "/items.csv"]).status == 0)

    var generator = SystemRandomNumberGenerator()
    for attempt in 0..<3 {
      let log = folder + "/import\(attempt).txt"
      let process = try launch(["ledger", "import", "--db", db, file, "--batch", "250"], output: log)
      usleep(UInt32.random(in: 700_000...2_500_000, using: &generator))
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      let printed = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
      let acknowledged = printed.split(separator: "\n").compactMap { $0.hasPrefix("acknowledged ") ? Int($0.dropFirst(13)) : nil }.max() ?? 0
      let status = try run(["ledger", "verify", "--db", db, "--format", "json"])
      #expect(status.status == 0, "attempt \(attempt): invariants or integrity broken after kill -9:\n\(status.stdout)")
      // Every acknowledged event is there (the ledger may hold more: committed but not yet printed).
      let applied = try appliedEvents(db)
      #expect(applied >= acknowledged, "attempt \(attempt): \(acknowledged) acknowledged but only \(applied) in the ledger")
    }
    let finish = try run(["ledger", "import", "--db", db, file])
    #expect(finish.status == 0, "\(finish.stderr)")
    #expect(try appliedEvents(db) == 100_000)
    let verify = try run(["ledger", "verify", "--db", db])
    #expect(verify.status == 0, "\(verify.stdout)")
    let atp = try run(["ledger", "atp", "--db", db, "--format", "csv"])
    let rows = atp.stdout.split(separator: "\n").dropFirst().map { splitCSV(String($0)) }
    #expect(rows.count == 200)
    // 125 cycles per SKU: sellable 250, committed 125.
    #expect(rows.allSatisfy { $0[3] == "250" && $0[4] == "125" }, "balances differ from one application: \(rows.prefix(3))")
  }

  /// Applied events counted by `ledger verify --format json`.
  func appliedEvents(_ db: String) throws -> Int {
    let summary = try run(["ledger", "verify", "--db", db, "--format", "json"])
    guard let data = summary.stdout.data(using: .utf8),
      let json = try JSONSerialization.jsonObject(with: data) as? [String: Any], let applied = json["appliedEvents"] as? Int
    else { return -1 }
    return applied
  }
}

@Suite("replenish ledger and policy on the command line")
struct LedgerCLITests {
  @Test("Refusals exit 65 with the reason; a replay prints the original outcome with its exit status; bad flags exit 64 with the value")
  func exitStatuses() throws {
    let folder = temporaryFolder()
    let db = folder + "/l.sqlite"
    try "sku,allow_backorder\nA,0\n".write(toFile: folder + "/items.csv", atomically: true, encoding: .utf8)
    #expect(try run(["ledger", "init", "--db", db, "--locations", "WH", "--items", folder + "/items.csv"]).status == 0)
    #expect(try run(["ledger", "receive", "--db", db, "--key", "r1", "--sku", "A", "--location", "WH", "--qty", "5"]).status == 0)
    let short = try run(["ledger", "reserve", "--db", db, "--key", "o1", "--order", "O1", "--line", "1", "--sku", "A", "--location", "WH", "--qty", "9"])
    #expect(short.status == 65 && short.stderr.contains("insufficient_stock") && short.stderr.contains("ATP is 5"))
    let replay = try run(["ledger", "reserve", "--db", db, "--key", "o1", "--order", "O1", "--line", "1", "--sku", "A", "--location", "WH", "--qty", "9"])
    #expect(replay.status == 65 && replay.stderr.contains("replay of event"))
    let reused = try run(["ledger", "receive", "--db", db, "--key", "r1", "--sku", "A", "--location", "WH", "--qty", "6"])
    #expect(reused.status == 65 && reused.stderr.contains("key_reused_with_different_payload"))
    let thousands = try run(["ledger", "receive", "--db", db, "--key", "r2", "--sku", "A", "--location", "WH", "--qty", "1,000"])
    #expect(thousands.status == 64 && thousands.stderr.contains("\"1,000\""))
    let noKey = try run(["ledger", "receive", "--db", db, "--sku", "A", "--location", "WH", "--qty", "1"])
    #expect(noKey.status == 64 && noKey.stderr.contains("--key is required"))
    let unknown = try run(["ledger", "receive", "--db", db, "--key", "r3", "--sku", "Ä", "--location", "WH", "--qty", "1"])
    #expect(unknown.status == 65 && unknown.stderr.contains("unknown_sku"))
    let noLedger = try run(["ledger", "atp", "--db", folder + "/missing.sqlite"])
    #expect(noLedger.status == 65 && noLedger.stderr.contains("no ledger here"))
    let atp = try run(["ledger", "atp", "--db", db, "--format", "csv"])
    #expect(atp.stdout.contains("A,WH,,5,0,5,"))
    let verify = try run(["ledger", "verify", "--db", db])
    #expect(verify.status == 0 && verify.stdout.contains("events: 1 applied, 2 refused"), "\(verify.stdout)")
  }

  @Test("Two processes importing the same file at once: every event applied once, balances of one pass")
  func concurrentReplay() throws {
    let folder = temporaryFolder()
    let db = folder + "/c.sqlite"
    var items = "sku\n", events = "key,kind,sku,location,qty\n"
    for s in 0..<50 { items += "S\(s)\n" }
    for i in 0..<10_000 { events += "e\(i),receive,S\(i % 50),WH,\(1 + i % 3)\n" }
    try items.write(toFile: folder + "/items.csv", atomically: true, encoding: .utf8)
    try events.write(toFile: folder + "/events.csv", atomically: true, encoding: .utf8)
    #expect(try run(["ledger", "init", "--db", db, "--locations", "WH", "--items", folder + "/items.csv"]).status == 0)
    let a = try launch(["ledger", "import", "--db", db, folder + "/events.csv", "--batch", "100"], output: folder + "/a.txt")
    let b = try launch(["ledger", "import", "--db", db, folder + "/events.csv", "--batch", "100"], output: folder + "/b.txt")
    a.waitUntilExit()
    b.waitUntilExit()
    #expect(a.terminationStatus == 0 && b.terminationStatus == 0)
    let summary = try run(["ledger", "verify", "--db", db])
    #expect(summary.status == 0 && summary.stdout.contains("events: 10000 applied, 0 refused"), "\(summary.stdout)")
    let atp = try run(["ledger", "atp", "--db", db, "--format", "csv"])
    let total = atp.stdout.split(separator: "\n").dropFirst().map { Int(splitCSV(String($0))[3])! }.reduce(0, +)
    #expect(total == (0..<10_000).reduce(0) { $0 + 1 + $1 % 3 })
  }

  @Test("replenish policy from a forecast file: d over the exposure, σ from the 80 % interval, service level from the item master")
  func policyFromForecasts() throws {
    let folder = temporaryFolder()
    try """
      sku,date,method,model,mean,lo-80,hi-80
      A,2024-01-01,ets,ETS,10,7.4369,12.5631
      A,2024-01-08,ets,ETS,10,6,14
      A,2024-01-15,ets,ETS,10,6,14

      """.write(toFile: folder + "/f.csv", atomically: true, encoding: .utf8)
    try "sku,lead_time_days,review_period_days,service_level,case_pack,safety_stock_method\nA,14,7,0.95,12,cycle-service\n".write(toFile: folder + "/items.csv", atomically: true, encoding: .utf8)
    let result = try run(["policy", "--forecasts", folder + "/f.csv", "--items", folder + "/items.csv", "--out", folder + "/p.csv"])
    try #require(result.status == 0, "\(result.stderr)")
    let lines = try String(contentsOfFile: folder + "/p.csv", encoding: .utf8).split(separator: "\n").map(String.init)
    let row = Dictionary(uniqueKeysWithValues: zip(splitCSV(lines[0]), splitCSV(lines[1])))
    // σ = (12.5631 − 10)/1.28155 = 2.0000; E = 3 weeks → σ_E = 2√3; SS = 1.64485 · 3.4641 = 5.6979; s = 30 + SS.
    #expect(abs(Double(row["sigma_per_period"]!)! - 2) < 1e-3)
    #expect(abs(Double(row["safety_stock"]!)! - 1.6448536 * 2 * 3.0.squareRoot()) < 2e-3)
    #expect(abs(Double(row["reorder_point"]!)! - (30 + 1.6448536 * 2 * 3.0.squareRoot())) < 2e-3)
    #expect(row["order_quantity"] == "12" && row["service_level_source"] == "item master")
  }
}
