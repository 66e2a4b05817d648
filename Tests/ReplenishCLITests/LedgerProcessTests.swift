import Foundation
import Testing
import TestSupport

/// Starts `replenish` with stdout and stderr going to files (so a killed process leaves what it printed).
func launch(_ arguments: [String], output: String) throws -> Process {
  guard let binary = replenishBinary() else { throw CLITestError("replenish binary not found; run `swift build` first") }
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
        var args = ["ledger", "stress", "--db", db, "--sku", "HOT", "--location", "WH1", "--seconds", "3", "--worker", "\(w)", "--seed", "7"]
        if naive { args.append("--naive") }
        workers.append(try launch(args, output: folder + "/worker\(w).txt"))
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
