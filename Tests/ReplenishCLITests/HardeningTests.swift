import Foundation
import Testing

/// Issue 11's reproductions: what a hostile pass over the CLI found, each now a test.
@Suite("Hardening: the hostile pass's findings", .serialized)
struct HardeningTests {
  /// A ledger with WH1/WH2 and SKUs A and B, 10 units of A at WH1.
  func ledger() throws -> (folder: String, db: String) {
    let folder = temporaryFolder()
    let db = folder + "/ledger.sqlite"
    try "sku\nA\nB\n".write(toFile: folder + "/items.csv", atomically: true, encoding: .utf8)
    try #require(run(["ledger", "init", "--db", db, "--locations", "WH1,WH2", "--items", folder + "/items.csv"]).status == 0)
    try #require(run(["ledger", "receive", "--db", db, "--key", "r0", "--sku", "A", "--location", "WH1", "--qty", "10"]).status == 0)
    return (folder, db)
  }

  @Test("A long import does not block order intake or readers: reserves and ATP queries finish while it is still running")
  func intakeDuringImport() throws {
    let (folder, db) = try ledger()
    var events = "key,kind,sku,location,qty\n"
    for i in 0..<60_000 { events += "i\(i),receive,B,WH2,1\n" }
    try events.write(toFile: folder + "/big.csv", atomically: true, encoding: .utf8)
    let importer = try launch(["ledger", "import", "--db", db, folder + "/big.csv", "--batch", "500"], output: folder + "/import.txt")
    // Wait until the import has committed something (it holds the write lock batch after batch from then on).
    while importer.isRunning, ((try? String(contentsOfFile: folder + "/import.txt", encoding: .utf8)) ?? "").isEmpty { usleep(20_000) }
    var during = 0
    for n in 0..<5 where importer.isRunning {
      let reserve = try run(["ledger", "reserve", "--db", db, "--key", "o\(n)", "--order", "O\(n)", "--line", "1", "--sku", "A", "--location", "WH1", "--qty", "1"])
      #expect(reserve.status == 0, "reserve during the import: \(reserve.status) \(reserve.stderr)")
      let atp = try run(["ledger", "atp", "--db", db, "--sku", "A", "--format", "csv"])
      #expect(atp.status == 0, "atp during the import: \(atp.stderr)")
      if importer.isRunning { during += 1 }
    }
    importer.waitUntilExit()
    #expect(importer.terminationStatus == 0)
    #expect(during >= 1, "the import ended before any reserve did: the test proved nothing")
    #expect(try run(["ledger", "verify", "--db", db]).status == 0)
  }

  @Test("JSON Lines: the numbers 0, 1 and 1.0 are numbers; a boolean is refused by name")
  func jsonNumbers() throws {
    let (folder, db) = try ledger()
    try """
      {"key":"j1","kind":"receive","sku":"A","location":"WH1","qty":1,"unit_cost":1}
      {"key":"j2","kind":"reserve","sku":"A","location":"WH1","qty":1.0,"order":"J","line":1}
      {"key":"j3","kind":"count","sku":"B","location":"WH2","qty":0}

      """.write(toFile: folder + "/e.jsonl", atomically: true, encoding: .utf8)
    let imported = try run(["ledger", "import", "--db", db, folder + "/e.jsonl"])
    #expect(imported.status == 0 && imported.stdout.contains("3 applied"), "\(imported.stdout) \(imported.stderr)")
    try "{\"key\":\"j4\",\"kind\":\"receive\",\"sku\":\"A\",\"location\":\"WH1\",\"qty\":true}\n".write(toFile: folder + "/b.jsonl", atomically: true, encoding: .utf8)
    let boolean = try run(["ledger", "import", "--db", db, folder + "/b.jsonl"])
    #expect(boolean.status == 65 && boolean.stderr.contains("b.jsonl:1") && boolean.stderr.contains("'qty'") && boolean.stderr.contains("boolean"), "\(boolean.stderr)")
  }

  @Test("Channel feed: a negative buffer or cap and a percentage over 100 are refused (they would publish stock the shop does not have)")
  func channelRules() throws {
    let (_, db) = try ledger()
    for flags in [["--buffer=-5"], ["--cap=-1"], ["--buffer-percent", "200"], ["--buffer", "-5"]] {
      let r = try run(["ledger", "atp", "--db", db, "--channel", "web"] + flags)
      #expect(r.status == 64 && r.stderr.contains("expected"), "\(flags): \(r.status) \(r.stderr)")
    }
    let ok = try run(["ledger", "atp", "--db", db, "--channel", "web", "--buffer", "2", "--format", "csv"])
    #expect(ok.status == 0 && ok.stdout.contains("web,A,10,8"), "\(ok.stdout)")
  }

  @Test("ledger init: conflicting duplicate SKUs and malformed location lists are refused, and nothing is created")
  func initRules() throws {
    let folder = temporaryFolder()
    try "sku,location,allow_backorder\nA,WH1,1\nA,WH2,0\n".write(toFile: folder + "/items.csv", atomically: true, encoding: .utf8)
    let conflict = try run(["ledger", "init", "--db", folder + "/a.sqlite", "--locations", "WH1,WH2", "--items", folder + "/items.csv"])
    #expect(conflict.status == 65 && conflict.stderr.contains("items.csv:3:3") && conflict.stderr.contains("allow_backorder 1 on line 2"), "\(conflict.stderr)")
    for list in ["WH1,WH1", "", "WH1,,WH2", "WH1:EU:X"] {
      let r = try run(["ledger", "init", "--db", folder + "/b.sqlite", "--locations", list])
      #expect(r.status == 65 && r.stderr.contains("--locations"), "\(list.debugDescription): \(r.status) \(r.stderr)")
    }
    #expect(!FileManager.default.fileExists(atPath: folder + "/a.sqlite") && !FileManager.default.fileExists(atPath: folder + "/b.sqlite"))
  }

  @Test("Messages: a negative value given as its own argument is refused by name; over-long and control-character names are invalid_field, shown short")
  func messages() throws {
    let (_, db) = try ledger()
    let negative = try run(["ledger", "receive", "--db", db, "--key", "n1", "--sku", "A", "--location", "WH1", "--qty", "-1"])
    #expect(negative.status == 64 && negative.stderr.contains("--qty \"-1\": expected a whole number ≥ 1"), "\(negative.stderr)")
    let budget = try run(["plan", "--history", "x.csv", "--budget", "-1"])
    #expect(budget.status == 64 && budget.stderr.contains("--budget must be a finite amount ≥ 0"), "\(budget.stderr)")
    let long = String(repeating: "L", count: 10_000)
    let reserve = try run(["ledger", "reserve", "--db", db, "--key", "l1", "--order", long, "--line", "1", "--sku", "A", "--location", "WH1", "--qty", "1"])
    #expect(reserve.status == 65 && reserve.stderr.contains("invalid_field") && reserve.stderr.contains("10000 bytes"), "\(reserve.stderr.prefix(300))")
    #expect(reserve.stderr.utf8.count < 600, "echoed \(reserve.stderr.utf8.count) bytes")
    let control = try run(["ledger", "reserve", "--db", db, "--key", "l2", "--order", "O\u{7}", "--line", "1", "--sku", "A", "--location", "WH1", "--qty", "1"])
    #expect(control.status == 65 && control.stderr.contains("invalid_field") && control.stderr.contains("control characters"), "\(control.stderr)")
    try #require(run(["ledger", "receive", "--db", db, "--key", "rc", "--sku", "A", "--location", "WH1", "--qty", "1", "--receipt", "R1", "--unit-cost", "1"]).status == 0)
    let freight = try run(["ledger", "landed-cost", "--db", db, "--key", "f1", "--receipt", "R1", "--freight", "9000000000000"])
    #expect(freight.status == 65 && freight.stderr.contains("at most") && !freight.stderr.contains("≥ 0"), "\(freight.stderr)")
  }

  @Test("Plan: an as_of years after the history, and an item at a location the ledger does not have, are refused (65)")
  func planDates() throws {
    let fixture = try PlanFixture()
    let late = try fixture.plan(["--as-of", "2030-01-01"], out: "late")
    #expect(late.status == 65 && late.stderr.contains("as_of 2030-01-01") && late.stderr.contains("after the history's last day"), "\(late.stderr)")
    try """
      sku,supplier,unit_cost,unit_price,lead_time_days,review_period_days,location
      A,S1,2,4,14,7,MARS-DC

      """.write(toFile: fixture.folder + "/mars.csv", atomically: true, encoding: .utf8)
    let mars = try fixture.plan(["--items", fixture.folder + "/mars.csv"], out: "mars")
    #expect(mars.status == 65 && mars.stderr.contains("MARS-DC, which the ledger does not have"), "\(mars.stderr)")
    let past = try fixture.plan(["--as-of", "2024-02-07"], out: "past")
    #expect(past.status == 0 && past.stdout.contains("note: history cut at as_of 2024-02-07"), "\(past.stdout) \(past.stderr)")
  }
}

/// A small RAM file system to fill up (root only: the tests run as root on CI and on the development
/// machines; elsewhere these tests are disabled, not passed).
struct SmallDisk {
  let path: String

  static let available: Bool = {
    guard getuid() == 0, let disk = try? SmallDisk(kilobytes: 64) else { return false }
    disk.unmount()
    return true
  }()

  init(kilobytes: Int) throws {
    path = temporaryFolder() + "/disk"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    let mount = Process()
    mount.executableURL = URL(fileURLWithPath: "/bin/mount")
    mount.arguments = ["-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", path]
    mount.standardError = FileHandle.nullDevice
    try mount.run()
    mount.waitUntilExit()
    guard mount.terminationStatus == 0 else { throw CLITestError("cannot mount a tmpfs at \(path)") }
  }

  /// Fills the disk until at most `kilobytes` are left.
  func fill(leaving kilobytes: Int) throws {
    var info = statvfs()
    statvfs(path, &info)
    let free = Int(info.f_bavail) * Int(info.f_frsize)
    let size = max(0, free - kilobytes * 1024)
    FileManager.default.createFile(atPath: path + "/filler", contents: Data(count: size))
  }

  func unmount() {
    let umount = Process()
    umount.executableURL = URL(fileURLWithPath: "/bin/umount")
    umount.arguments = [path]
    try? umount.run()
    umount.waitUntilExit()
  }
}

@Suite("Hardening: a full disk", .serialized, .enabled(if: SmallDisk.available, "needs root to mount a small tmpfs"))
struct FullDiskTests {
  @Test("ledger init on a full disk exits 73 and leaves no empty ledger behind")
  func initFull() throws {
    let disk = try SmallDisk(kilobytes: 128)
    defer { disk.unmount() }
    let r = try run(["ledger", "init", "--db", disk.path + "/l.sqlite", "--locations", "WH1"])
    #expect(r.status == 73 && r.stderr.contains(disk.path + "/l.sqlite"), "\(r.status) \(r.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: disk.path).isEmpty)
  }

  @Test("A reservation on a full disk exits 73 naming the ledger, and the ledger is intact afterwards")
  func reserveFull() throws {
    let disk = try SmallDisk(kilobytes: 4096)
    defer { disk.unmount() }
    let db = disk.path + "/l.sqlite"
    let items = temporaryFile("sku\nA\n", name: "items.csv")
    try #require(run(["ledger", "init", "--db", db, "--locations", "WH1", "--items", items]).status == 0)
    try #require(run(["ledger", "receive", "--db", db, "--key", "r", "--sku", "A", "--location", "WH1", "--qty", "5"]).status == 0)
    try disk.fill(leaving: 0)
    let r = try run(["ledger", "reserve", "--db", db, "--key", "o", "--order", "O", "--line", "1", "--sku", "A", "--location", "WH1", "--qty", "1"])
    #expect(r.status == 73 && r.stderr.contains(db), "\(r.status) \(r.stderr)")
    try FileManager.default.removeItem(atPath: disk.path + "/filler")
    let verify = try run(["ledger", "verify", "--db", db])
    #expect(verify.status == 0 && verify.stdout.contains("1 applied"), "\(verify.stdout)")
  }

  @Test("plan --out on a full disk exits 73 and writes none of the report files (nor leaves temporaries)")
  func planFull() throws {
    let fixture = try PlanFixture()
    let disk = try SmallDisk(kilobytes: 256)
    defer { disk.unmount() }
    try FileManager.default.createDirectory(atPath: disk.path + "/out", withIntermediateDirectories: true)
    try disk.fill(leaving: 8)
    let r = try run(["plan", "--history", fixture.folder + "/history.csv", "--freq", "week", "--items", fixture.folder + "/items.csv",
                     "--suppliers", fixture.folder + "/suppliers.csv", "--db", fixture.folder + "/ledger.sqlite", "--models", "naive",
                     "--out", disk.path + "/out", "--threads", "1"])
    #expect(r.status == 73 && r.stderr.contains("nothing was written"), "\(r.status) \(r.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: disk.path + "/out").isEmpty)
  }
}

/// Runs the replenish binary as the unprivileged user `nobody` (root ignores file modes).
func runAsNobody(_ arguments: [String]) throws -> RunResult {
  guard let binary = replenishBinary() else { throw CLITestError("replenish binary not found") }
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
  process.arguments = ["--reuid=nobody", "--regid=nogroup", "--clear-groups", binary.path] + arguments
  let out = Pipe(), err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return RunResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
}

/// Whether `nobody` can run the built binary here (it cannot when the checkout is in a private folder).
let nobodyCanRun: Bool = {
  guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return false }
  return (try? runAsNobody(["--version"]).status) == 0
}()

@Suite("Hardening: a ledger the user may only read", .enabled(if: nobodyCanRun, "needs root and a checkout the user nobody can read"))
struct ReadOnlyLedgerTests {
  @Test("A ledger file with mode 444 can be queried and verified by a user who cannot write it; a write says why it cannot")
  func readOnly() throws {
    let folder = temporaryFolder()
    let db = folder + "/ledger.sqlite"
    let items = temporaryFile("sku\nA\n", name: "items.csv")
    try #require(run(["ledger", "init", "--db", db, "--locations", "WH1", "--items", items]).status == 0)
    try #require(run(["ledger", "receive", "--db", db, "--key", "r", "--sku", "A", "--location", "WH1", "--qty", "5"]).status == 0)
    try #require(run(["ledger", "atp", "--db", db]).status == 0)  // leaves the -shm a reader needs
    for path in [db, db + "-wal", db + "-shm"] where FileManager.default.fileExists(atPath: path) {
      try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
    }
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder)
    let atp = try runAsNobody(["ledger", "atp", "--db", db, "--format", "csv"])
    #expect(atp.status == 0 && atp.stdout.contains("A,WH1,,5,0,5"), "\(atp.status) \(atp.stderr)")
    let verify = try runAsNobody(["ledger", "verify", "--db", db])
    #expect(verify.status == 0, "\(verify.status) \(verify.stderr)")
    let write = try runAsNobody(["ledger", "receive", "--db", db, "--key", "r2", "--sku", "A", "--location", "WH1", "--qty", "1"])
    #expect(write.status == 73 && write.stderr.contains(db), "\(write.status) \(write.stderr)")
  }
}
