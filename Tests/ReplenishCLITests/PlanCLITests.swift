import Foundation
import Testing
import TestSupport

/// A small planning fixture whose PO lines can be worked out by hand.
///
/// Weekly history, 12 weeks of constant demand: A 10, B 5, C 8, D 2 units a week. With `--models naive`
/// the forecast equals the demand and the one-step errors are 0, so safety stock is 0 and
///   reorder point s = d × (lead time + review) and order-up-to S = s + Q, Q = d × review (no order cost).
///
/// | SKU | supplier | lead, review | s  | Q → rounded | S  | ledger                   | need                                  |
/// |-----|----------|--------------|----|-------------|----|--------------------------|---------------------------------------|
/// | A   | S1       | 14 d, 7 d    | 30 | 10 → 12 (case 12) | 42 | 20 at WH           | 42 − 20 = 22 → 24 (case pack 12)      |
/// | B   | S2 (min 100) | 7 d, 7 d | 10 | 5           | 15 | 0                        | 15 → topped up to value 100 → 100     |
/// | C   | S1       | 14 d, 7 d    | 24 | 8           | 32 | 4 at WH, 10 at WH2       | 28 − 10 transferred from WH2 = 18     |
/// | D   | S1       | 14 d, 7 d    | 6  | 2           | 8  | 100 at WH                | none: overstock 92 units              |
///
/// Budget 100 with priorities (expected shortage × price ÷ value × class weight; ABC by units: A, C → A;
/// B → B; D → C): C 6.67, B 2.67, A 2.5 → C (54) fits, B (15) fits, A (48) is deferred; S2's PO (15) is
/// under its minimum 100 and only 31 of budget remain to top it up → held, so only S1's PO with C remains.
struct PlanFixture {
  let folder: String

  init() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("replenish-plan-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var history = "sku,date,qty\n"
    for (sku, qty) in [("A", 10), ("B", 5), ("C", 8), ("D", 2)] {
      for week in 0..<12 {  // Mondays from 2024-01-01
        let date = Date(timeIntervalSince1970: 1_704_067_200 + Double(7 * week) * 86_400)
        history += "\(sku),\(ISO8601DateFormatter().string(from: date).prefix(10)),\(qty)\n"
      }
    }
    try history.write(toFile: folder + "/history.csv", atomically: true, encoding: .utf8)
    try """
      sku,supplier,unit_cost,unit_price,lead_time_days,review_period_days,moq,case_pack,location,safety_stock_method
      A,S1,2,4,14,7,1,12,WH,cycle-service
      B,S2,1,2,7,7,1,1,WH,cycle-service
      C,S1,3,6,14,7,1,1,WH,cycle-service
      D,S1,1,2,14,7,1,1,WH,cycle-service

      """.write(toFile: folder + "/items.csv", atomically: true, encoding: .utf8)
    try "supplier,min_order_value\nS1,0\nS2,100\n".write(toFile: folder + "/suppliers.csv", atomically: true, encoding: .utf8)
    try """
      key,kind,sku,location,qty
      a,receive,A,WH,20
      c1,receive,C,WH,4
      c2,receive,C,WH2,10
      d,receive,D,WH,100

      """.write(toFile: folder + "/events.csv", atomically: true, encoding: .utf8)
    let db = folder + "/ledger.sqlite"
    let initialised = try run(["ledger", "init", "--db", db, "--locations", "WH,WH2", "--items", folder + "/items.csv"])
    guard initialised.status == 0 else { throw CLITestError(initialised.stderr) }
    let imported = try run(["ledger", "import", "--db", db, folder + "/events.csv"])
    guard imported.status == 0 else { throw CLITestError(imported.stderr) }
  }

  func plan(_ extra: [String] = [], out: String) throws -> RunResult {
    try run(["plan", "--history", folder + "/history.csv", "--freq", "week", "--items", folder + "/items.csv", "--suppliers", folder + "/suppliers.csv",
             "--db", folder + "/ledger.sqlite", "--models", "naive", "--out", folder + "/" + out, "--threads", "1"] + extra)
  }

  /// Rows of a CSV written by the plan, as dictionaries by header name.
  func table(_ out: String, _ name: String) throws -> [[String: String]] {
    let text = try String(contentsOfFile: folder + "/" + out + "/" + name, encoding: .utf8)
    let lines = text.split(separator: "\n").map(String.init)
    let header = splitCSV(lines[0])
    return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, splitCSV($0))) }
  }
}

@Suite("replenish plan end to end (hand-checked PO lines)", .serialized)
struct PlanCLITests {
  @Test("Without a budget: MOQ/case-pack rounding, supplier grouping, minimum-order top-up, transfer before buy, overstock")
  func noBudget() throws {
    let fixture = try PlanFixture()
    let result = try fixture.plan(out: "plain")
    try #require(result.status == 0, "\(result.stderr)")
    let lines = try fixture.table("plain", "po_suggestions.csv")
    let bySKU = Dictionary(uniqueKeysWithValues: lines.map { ($0["sku"]!, $0) })
    #expect(Set(bySKU.keys) == ["A", "B", "C"], "\(lines)")
    #expect(bySKU["A"]?["qty"] == "24" && bySKU["A"]?["reorder_point"] == "30.00" && bySKU["A"]?["order_up_to"] == "42.00")
    #expect(bySKU["A"]?["rounding"]?.contains("22 → 24") == true)
    #expect(bySKU["B"]?["qty"] == "100", "topped up to the supplier minimum 100 at unit cost 1")
    #expect(bySKU["C"]?["qty"] == "18" && bySKU["C"]?["covered_by_transfer"] == "10")
    #expect(bySKU["A"]?["po_id"] == bySKU["C"]?["po_id"] && bySKU["A"]?["po_id"] != bySKU["B"]?["po_id"], "one PO per supplier × ship-to")
    let transfers = try fixture.table("plain", "transfers.csv")
    #expect(transfers.count == 1 && transfers[0]["sku"] == "C" && transfers[0]["from"] == "WH2" && transfers[0]["to"] == "WH" && transfers[0]["qty"] == "10")
    let overstock = try fixture.table("plain", "overstock.csv")
    let d = overstock.first { $0["sku"] == "D" }
    #expect(d?["excess_units"] == "92.00", "\(overstock)")
    #expect(FileManager.default.fileExists(atPath: fixture.folder + "/plain/report.html"))
    #expect(result.stdout.contains("PO lines     3 in 2 purchase orders"))
  }

  @Test("With a budget of 100: priorities decide, the rest is deferred with its risk, a PO under its minimum is held")
  func budget() throws {
    let fixture = try PlanFixture()
    let result = try fixture.plan(["--budget", "100"], out: "budget")
    try #require(result.status == 0, "\(result.stderr)")
    let lines = try fixture.table("budget", "po_suggestions.csv")
    #expect(lines.map { $0["sku"]! } == ["C"], "\(lines)")
    let deferred = Dictionary(uniqueKeysWithValues: try fixture.table("budget", "deferred.csv").map { ($0["sku"]!, $0) })
    #expect(deferred["A"]?["status"] == "deferred-budget" && deferred["B"]?["status"] == "held-below-minimum")
    #expect(Double(deferred["A"]?["expected_shortage_units"] ?? "") == 10)
  }

  @Test("Bad plan input: a config with an unknown key and an items file with a bad MOQ are refused with their location")
  func badInput() throws {
    let fixture = try PlanFixture()
    try "[history]\nfile = \"history.csv\"\nfrequency = \"week\"\n".write(toFile: fixture.folder + "/plan.toml", atomically: true, encoding: .utf8)
    let config = try run(["plan", "--config", fixture.folder + "/plan.toml"])
    #expect(config.status == 65 && config.stderr.contains("unknown key 'frequency' in [history]"), "\(config.stderr)")
    try "sku,moq\nA,1.5\n".write(toFile: fixture.folder + "/bad-items.csv", atomically: true, encoding: .utf8)
    let items = try fixture.plan(["--items", fixture.folder + "/bad-items.csv"], out: "bad")
    #expect(items.status == 65 && items.stderr.contains("bad-items.csv:2:2") && items.stderr.contains("'moq'"), "\(items.stderr)")
    #expect(!FileManager.default.fileExists(atPath: fixture.folder + "/bad/report.html"), "nothing is written on bad input")
    // ABC by margin needs unit costs: refused, not silently classified without them.
    try "sku,date,qty,price\nA,2024-01-01,5,2\nA,2024-01-08,6,2\n".write(toFile: fixture.folder + "/priced.csv", atomically: true, encoding: .utf8)
    try "sku,location\nA,WH\n".write(toFile: fixture.folder + "/nocost.csv", atomically: true, encoding: .utf8)
    try """
      [history]
      file = "priced.csv"
      freq = "week"
      [items]
      file = "nocost.csv"
      [ledger]
      db = "ledger.sqlite"
      [classes]
      by = "margin"
      [report]
      out = "margin"

      """.write(toFile: fixture.folder + "/margin.toml", atomically: true, encoding: .utf8)
    let margin = try run(["plan", "--config", fixture.folder + "/margin.toml", "--models", "naive"])
    #expect(margin.status == 65 && margin.stderr.contains("margin needs unit_cost"), "\(margin.stderr)")
    #expect(!FileManager.default.fileExists(atPath: fixture.folder + "/margin/report.html"))
  }
}

extension PlanCLITests {
  @Test("Three files, no ledger: history, items and a stock snapshot give the same PO lines as the ledger")
  func stockSnapshot() throws {
    let fixture = try PlanFixture()
    // The same stock as the fixture's ledger events, as a shop would export it.
    try "sku,location,on_hand,committed,incoming\nA,WH,20,0,0\nC,WH,4,0,0\nC,WH2,10,0,0\nD,WH,100,0,0\n"
      .write(toFile: fixture.folder + "/stock.csv", atomically: true, encoding: .utf8)
    let base = ["plan", "--history", fixture.folder + "/history.csv", "--freq", "week", "--items", fixture.folder + "/items.csv",
                "--suppliers", fixture.folder + "/suppliers.csv", "--models", "naive", "--threads", "1"]
    let snapshot = try run(base + ["--stock", fixture.folder + "/stock.csv", "--out", fixture.folder + "/snapshot"])
    try #require(snapshot.status == 0, "\(snapshot.stderr)")
    let ledger = try fixture.plan(out: "ledger")
    try #require(ledger.status == 0, "\(ledger.stderr)")
    func lines(_ out: String) throws -> [String] {
      try fixture.table(out, "po_suggestions.csv").map { "\($0["sku"]!) \($0["ship_to"]!) \($0["qty"]!) \($0["covered_by_transfer"]!)" }
    }
    #expect(try lines("snapshot") == lines("ledger") && lines("snapshot").count == 3)
    // Neither a ledger nor a snapshot: the message says how to give positions.
    let none = try run(base + ["--db", fixture.folder + "/missing.sqlite", "--out", fixture.folder + "/none"])
    #expect(none.status == 65 && none.stderr.contains("no ledger here") && none.stderr.contains("--stock"), "\(none.stderr)")
    let both = try run(base + ["--db", fixture.folder + "/ledger.sqlite", "--stock", fixture.folder + "/stock.csv"])
    #expect(both.status == 64, "\(both.stderr)")
  }

  /// B's receipts every other day from 2024-01-02 (21 of them: 20 complete cycles before the plan date,
  /// 2024-03-18), each cycle selling out when it starts even (2 received, everything reserved and shipped)
  /// and keeping 1 when odd: 10 of 20 ran out, so B's target group is planned at logit τ' = logit τ +
  /// min(1, logit τ − logit 0.5) — up by the bounded move, and the policy says where it came from.
  @Test("Feedback from the ledger's own cycles: targets move by what the shelves realised; a snapshot has none to give")
  func feedbackFromLedger() throws {
    let fixture = try PlanFixture()
    var events = "key,kind,sku,location,qty,order,line,at\n"
    for i in 0..<21 {
      let d = 2 + 2 * i
      let date = d <= 31 ? String(format: "2024-01-%02d", d) : String(format: "2024-02-%02d", d - 31)
      events += "r\(i),receive,B,WH,2,,,\(date)T08:00:00Z\n"
      guard i < 20 else { break }
      let q = i % 2 == 0 ? (i == 0 ? 2 : 3) : 1
      events += "o\(i),reserve,B,WH,\(q),b\(i),1,\(date)T10:00:00Z\ns\(i),ship,B,WH,\(q),b\(i),1,\(date)T12:00:00Z\n"
    }
    try events.write(toFile: fixture.folder + "/cycles.csv", atomically: true, encoding: .utf8)
    let imported = try run(["ledger", "import", "--db", fixture.folder + "/ledger.sqlite", fixture.folder + "/cycles.csv"])
    try #require(imported.status == 0, "\(imported.stderr)")
    let result = try fixture.plan(["--service-feedback", "1", "--feedback-from", "ledger"], out: "feedback")
    try #require(result.status == 0, "\(result.stderr)")
    let b = try #require(try fixture.table("feedback", "policies.csv").first { $0["sku"] == "B" })
    let plain = try fixture.plan(out: "plain")
    try #require(plain.status == 0, "\(plain.stderr)")
    let before = try #require(try fixture.table("plain", "policies.csv").first { $0["sku"] == "B" })
    let tau = try #require(Double(before["service_level"] ?? "")), moved = try #require(Double(b["service_level"] ?? ""))
    func logit(_ p: Double) -> Double { log(p / (1 - p)) }
    let expected = min(0.9999, 1 / (1 + exp(-(logit(tau) + min(1, logit(tau))))))
    #expect(abs(moved - expected) < 1e-4 && moved > tau, "\(tau) → \(moved), expected \(expected)")
    #expect(b["service_level_source"]?.contains("after feedback (50.0% achieved in 20 cycles)") == true, "\(b)")
    // A stock snapshot has no cycles to read: refused, naming the ways out.
    try "sku,location,on_hand\nB,WH,0\n".write(toFile: fixture.folder + "/stock.csv", atomically: true, encoding: .utf8)
    let snapshot = try run(["plan", "--history", fixture.folder + "/history.csv", "--freq", "week", "--stock", fixture.folder + "/stock.csv",
                            "--service-feedback", "1", "--feedback-from", "ledger", "--out", fixture.folder + "/none"])
    #expect(snapshot.status == 64 && snapshot.stderr.contains("needs a ledger"), "\(snapshot.stderr)")
  }
}

@Suite("Exit statuses: one mapping for every command")
struct ExitStatusTests {
  @Test("64 wrong flags, 65 bad data or refused event, 73 cannot write — the same in every command")
  func statuses() throws {
    let fixture = try PlanFixture()
    let f = fixture.folder
    let unwritable = f + "/history.csv/out"  // a path under a file: no folder can be made there
    // 64: usage.
    #expect(try run(["plan", "--history", f + "/history.csv", "--budget", "x"]).status == 64)
    #expect(try run(["simulate", "--history", f + "/history.csv", "--freq", "week", "--train-until", "2030-01-01"]).status == 64)
    #expect(try run(["ledger", "reserve", "--db", f + "/ledger.sqlite"]).status == 64)
    // 65: bad data, bad config, refused event.
    try "[forecast]\nhorizon = 0\n".write(toFile: f + "/bad.toml", atomically: true, encoding: .utf8)
    let config = try run(["plan", "--config", f + "/bad.toml", "--history", f + "/history.csv"])
    #expect(config.status == 65 && config.stderr.contains("[forecast] horizon = 0"), "\(config.stderr)")
    try "[history\nfile = 1\n".write(toFile: f + "/syntax.toml", atomically: true, encoding: .utf8)
    #expect(try run(["plan", "--config", f + "/syntax.toml"]).status == 65)
    let refused = try run(["ledger", "reserve", "--db", f + "/ledger.sqlite", "--key", "r1", "--order", "o1", "--line", "1", "--sku", "A", "--location", "WH", "--qty", "999"])
    #expect(refused.status == 65 && refused.stderr.contains("insufficient_stock"), "\(refused.stderr)")
    #expect(try run(["inspect", "--history", f + "/items.csv"]).status == 65)
    // 73: cannot write, in every command that writes.
    let plan = try fixture.plan(out: "history.csv/out")
    #expect(plan.status == 73 && plan.stderr.contains("cannot create the reports folder"), "\(plan.stderr)")
    let forecast = try run(["forecast", "--history", f + "/history.csv", "--freq", "week", "--horizon", "2", "--models", "naive", "--out", unwritable])
    #expect(forecast.status == 73, "\(forecast.stderr)")
    let simulate = try run(["simulate", "--history", f + "/history.csv", "--freq", "week", "--models", "naive", "--train-until", "2024-02-25", "--out", unwritable])
    #expect(simulate.status == 73, "\(simulate.stderr)")
    let classify = try run(["classify", "--history", f + "/history.csv", "--freq", "week", "--by", "units", "--out", unwritable])
    #expect(classify.status == 73, "\(classify.stderr)")
    let atp = try run(["ledger", "atp", "--db", f + "/ledger.sqlite", "--format", "csv", "--out", unwritable])
    #expect(atp.status == 73, "\(atp.stderr)")
    let initialise = try run(["ledger", "init", "--db", f + "/no-such-folder/ledger.sqlite", "--locations", "WH"])
    #expect(initialise.status == 73 && initialise.stderr.contains("no-such-folder"), "\(initialise.stderr)")
  }
}

@Suite("replenish regress (batched price / promotion / calendar regression)")
struct RegressCLITests {
  @Test("M5 sample with the M5 calendar: coefficients per SKU, a backtest table, and a located error for a missing calendar column")
  func m5() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("replenish-regress-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let result = try run(["regress", "--history", notebooksData("m5_foods3_ca1_10items.csv"), "--freq", "day", "--calendar", notebooksData("m5_calendar.csv"),
                          "--flags", "snap_CA", "--horizon", "28", "--window", "90", "--backtest", "--compare", "snaive",
                          "--coefficients", folder + "/coef.csv", "--out", folder + "/fc.csv"])
    try #require(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("regression of 10 series") && result.stdout.contains("snaive"))
    let coefficients = try String(contentsOfFile: folder + "/coef.csv", encoding: .utf8).split(separator: "\n")
    #expect(coefficients.count == 11 && coefficients[0].contains("log_price_elasticity") && coefficients[0].contains("effect snap_ca"))
    let forecasts = try String(contentsOfFile: folder + "/fc.csv", encoding: .utf8).split(separator: "\n")
    #expect(forecasts.count == 1 + 10 * 28)
    let bad = try run(["regress", "--history", notebooksData("m5_foods3_ca1_10items.csv"), "--freq", "day", "--calendar", notebooksData("m5_calendar.csv"),
                       "--flags", "snap_XX", "--horizon", "7"])
    #expect(bad.status == 65 && bad.stderr.contains("m5_calendar.csv:1") && bad.stderr.contains("snap_xx"), "\(bad.stderr)")
  }
}

@Suite("replenish classify")
struct ClassifyCLITests {
  @Test("XYZ by demand CV or by forecast-error CV: a steady trend is Y by demand but X by forecast error")
  func xyzBasis() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("replenish-classify-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var history = "sku,date,qty,price\n"
    for week in 0..<52 {
      let date = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: 1_704_067_200 + Double(7 * week) * 86_400)).prefix(10)
      history += "TREND,\(date),\(2 + 4 * week + week % 3),1\nFLAT,\(date),\(week % 2 == 0 ? 20 : 22),1\n"
    }
    try history.write(toFile: folder + "/h.csv", atomically: true, encoding: .utf8)
    func classOf(_ extra: [String]) throws -> [String: String] {
      let r = try run(["classify", "--history", folder + "/h.csv", "--freq", "week", "--out", folder + "/c.csv"] + extra)
      guard r.status == 0 else { throw CLITestError(r.stderr) }
      let lines = try String(contentsOfFile: folder + "/c.csv", encoding: .utf8).split(separator: "\n").map { splitCSV(String($0)) }
      let xyz = lines[0].firstIndex(of: "xyz")!
      return Dictionary(uniqueKeysWithValues: lines.dropFirst().map { ($0[1], $0[xyz]) })
    }
    let byDemand = try classOf([])
    let byError = try classOf(["--xyz", "forecast-error", "--xyz-model", "ets:AAN"])
    #expect(byDemand["TREND"] == "Y" && byDemand["FLAT"] == "X", "\(byDemand)")
    #expect(byError["TREND"] == "X", "\(byError)")
  }
}

/// `replenish po release` on the hand-checked plan: A 24 (case pack 12) and C 18 from S1 at WH, B 100 from S2.
@Suite("replenish po release end to end", .serialized)
struct PurchaseReleaseCLITests {
  /// Inbound per SKU at WH from `ledger atp`.
  func inbound(_ fixture: PlanFixture) throws -> [String: Int] {
    let atp = try run(["ledger", "atp", "--db", fixture.folder + "/ledger.sqlite", "--format", "csv"])
    let lines = atp.stdout.split(separator: "\n").map(String.init)
    let header = splitCSV(lines[0])
    var out: [String: Int] = [:]
    for row in lines.dropFirst().map({ Dictionary(uniqueKeysWithValues: zip(header, splitCSV($0))) }) where row["location"] == "WH" {
      out[row["sku"]!] = Int(row["inbound"]!)
    }
    return out
  }

  @Test("An edited line rounded by its case pack, then all: each line ordered once, PO documents per supplier, status shows who")
  func release() throws {
    let fixture = try PlanFixture()
    try #require(try fixture.plan(out: "plain").status == 0)
    let plan = fixture.folder + "/plain", db = fixture.folder + "/ledger.sqlite"
    let edited = try run(["po", "release", "--plan", plan, "--db", db, "--lines", "A", "--set", "A=30", "--by", "anna"])
    #expect(edited.status == 0, "\(edited.stderr)")
    #expect(edited.stdout.contains("released  A@WH  36 on PO-") && edited.stdout.contains("buyer set 30 → 36 (MOQ 1, case pack 12, multiple 1; suggested 24)"))
    #expect(try inbound(fixture)["A"] == 36)

    let all = try run(["po", "release", "--plan", plan, "--db", db, "--all", "--by", "ben"])
    #expect(all.status == 0, "\(all.stderr)")
    #expect(all.stdout.contains("unchanged A@WH: released before by anna"))
    #expect(all.stdout.contains("2 lines released now, 1 before, 0 refused; 2 PO documents"))
    #expect(try inbound(fixture) == ["A": 36, "B": 100, "C": 18, "D": 0])
    let again = try run(["po", "release", "--plan", plan, "--db", db, "--all"])
    #expect(again.status == 0 && again.stdout.contains("0 lines released now, 3 before"))
    #expect(try inbound(fixture) == ["A": 36, "B": 100, "C": 18, "D": 0])

    let documents = try FileManager.default.contentsOfDirectory(atPath: plan + "/purchase-orders").sorted()
    #expect(documents.count == 4 && documents.allSatisfy { $0.hasPrefix("PO-") }, "\(documents)")
    let s1 = try String(contentsOfFile: plan + "/purchase-orders/" + documents.first { $0.hasSuffix("-S1-WH.csv") }!, encoding: .utf8)
    let rows = s1.split(separator: "\n").map { splitCSV(String($0)) }
    #expect(rows.count == 3 && rows[1][4] == "A" && rows[1][6] == "36" && rows[1][12] == "anna" && rows[2][4] == "C" && rows[2][6] == "18" && rows[2][12] == "ben")

    let status = try run(["po", "status", "--plan", plan, "--db", db])
    #expect(status.status == 0 && status.stdout.contains("A@WH,") && status.stdout.contains(",released,24,36,anna,"))
    let verify = try run(["ledger", "verify", "--db", db])
    #expect(verify.status == 0)
  }

  @Test("Four processes release every line at once: each line is ordered exactly once")
  func concurrentProcesses() throws {
    let fixture = try PlanFixture()
    try #require(try fixture.plan(out: "plain").status == 0)
    let results = LockedResults()
    DispatchQueue.concurrentPerform(iterations: 4) { k in
      if let r = try? run(["po", "release", "--plan", fixture.folder + "/plain", "--db", fixture.folder + "/ledger.sqlite", "--all", "--by", "p\(k)"]) { results.add(r) }
    }
    let outputs = results.all
    #expect(outputs.count == 4 && outputs.allSatisfy { $0.status == 0 }, "\(outputs.map(\.stderr))")
    let releasedLines = outputs.flatMap { $0.stdout.split(separator: "\n") }.filter { $0.hasPrefix("released  ") }
    #expect(releasedLines.count == 3, "\(releasedLines)")
    #expect(try inbound(fixture) == ["A": 24, "B": 100, "C": 18, "D": 0])
  }

  @Test("Bad input: flags (64), an unknown line, a quantity over the cap, a missing plan (65); nothing released")
  func badInput() throws {
    let fixture = try PlanFixture()
    try #require(try fixture.plan(out: "plain").status == 0)
    let base = ["po", "release", "--plan", fixture.folder + "/plain", "--db", fixture.folder + "/ledger.sqlite"]
    let zero = try run(base + ["--lines", "A", "--set", "A=0"])
    #expect(zero.status == 64 && zero.stderr.contains("--set A \"0\""))
    let both = try run(base + ["--all", "--supplier", "S1"])
    #expect(both.status == 64 && both.stderr.contains("exactly one of --all, --supplier NAME or --lines"))
    let unknown = try run(base + ["--lines", "Z"])
    #expect(unknown.status == 65 && unknown.stderr.contains("line \"Z\" is not in the plan"))
    let cap = try run(base + ["--lines", "A", "--set", "A=241"])
    #expect(cap.status == 65 && cap.stderr.contains("expected at most 240"), "\(cap.stderr)")
    let supplier = try run(base + ["--supplier", "S9"])
    #expect(supplier.status == 65 && supplier.stderr.contains("expected one of S1, S2"))
    let missing = try run(["po", "release", "--plan", fixture.folder + "/nowhere", "--db", fixture.folder + "/ledger.sqlite", "--all"])
    #expect(missing.status == 65 && missing.stderr.contains("po_suggestions.json: no plan here"))
    #expect(try inbound(fixture).values.allSatisfy { $0 == 0 })
  }
}

final class LockedResults: @unchecked Sendable {
  private var results: [RunResult] = []
  private let lock = NSLock()
  func add(_ r: RunResult) { lock.withLock { results.append(r) } }
  var all: [RunResult] { lock.withLock { results } }
}
