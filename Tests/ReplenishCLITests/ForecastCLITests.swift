import Foundation
import Testing

@testable import ReplenishCLI

@Suite("replenish forecast and backtest, end to end")
struct ForecastCLITests {
  @Test("forecast writes statsforecast-style columns, one row per series, method and period, nested intervals")
  func forecastColumns() throws {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("fc-\(UUID().uuidString).csv").path
    let result = try run([
      "forecast", "--history", "notebooks-data/m5_foods3_ca1_10items.csv", "--horizon", "14", "--models", "snaive,theta",
      "--level", "80,95", "--out", out, "--threads", "2",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("Forecast 10 series × 2 model(s), horizon 14"))
    let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(lines[0] == "sku,date,method,model,demand_pattern,mean,lo-80,hi-80,lo-95,hi-95")
    #expect(lines.count == 1 + 10 * 2 * 14)
    // The M5 sample ends on 2016-04-24: forecasts start the next day.
    #expect(lines[1].hasPrefix("FOODS_3_001_CA_1,2016-04-25,snaive,SeasonalNaive,"))
    for line in lines.dropFirst() {
      let f = line.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) }
      let (mean, lo80, hi80, lo95, hi95) = (f[5]!, f[6]!, f[7]!, f[8]!, f[9]!)
      #expect(lo95 <= lo80 && lo80 <= mean && mean <= hi80 && hi80 <= hi95, "\(line)")
      #expect(lo95 >= 0, "demand forecasts are never negative: \(line)")
    }
  }

  @Test("Weekly and monthly dates advance by the frequency; locations appear as a column")
  func datesAndLocations() throws {
    let history = temporaryFile("sku,location,date,qty\nA,DC1,2024-01-01,5\nA,DC1,2024-01-08,6\nA,DC1,2024-01-15,7\nA,DC1,2024-01-22,8\nA,DC2,2024-01-01,1\nA,DC2,2024-01-08,1\nA,DC2,2024-01-15,2\nA,DC2,2024-01-22,2\n")
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("fc-\(UUID().uuidString).csv").path
    let result = try run(["forecast", "--history", history, "--freq", "week", "--horizon", "2", "--models", "naive", "--out", out, "--level", ""])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(lines == [
      "sku,location,date,method,model,demand_pattern,mean", "A,DC1,2024-01-29,naive,Naive,smooth,8.0",
      "A,DC1,2024-02-05,naive,Naive,smooth,8.0", "A,DC2,2024-01-29,naive,Naive,smooth,2.0",
      "A,DC2,2024-02-05,naive,Naive,smooth,2.0",
    ])
  }

  @Test("Quantile columns, rounding, and lead-time demand quantiles on the first 150 carparts series")
  func quantilesAndLeadTime() throws {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("fc-\(UUID().uuidString).csv").path
    let ltd = out + ".ltd.csv"
    // The first 150 series (a debug build runs auto on all 2,674 in minutes).
    let history = temporaryFile(try firstSeries(ofNotebooksFile: "carparts.csv", count: 150))
    let result = try run([
      "forecast", "--history", history, "--freq", "month", "--horizon", "3", "--models", "auto",
      "--level", "", "--quantiles", "0.5,0.9,0.95", "--round-quantiles", "--lead-time", "3", "--ltd-out", ltd, "--out", out,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(lines[0] == "sku,date,method,model,demand_pattern,mean,q-0.5,q-0.9,q-0.95")
    for line in lines.dropFirst() {
      let f = splitCSV(line)
      let q = f[6...8].compactMap { Double($0) }
      guard q.count == 3 else {
        Issue.record("quantile fields missing: \(line)")
        continue
      }
      #expect(q[0] <= q[1] && q[1] <= q[2] && q.allSatisfy { $0 == $0.rounded() && $0 >= 0 }, "\(line)")
    }
    let ltdLines = try String(contentsOfFile: ltd, encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(ltdLines[0] == "sku,method,model,demand_pattern,lead_time,mean,q-0.5,q-0.9,q-0.95,quantile_method,origins")
    #expect(ltdLines.count == 1 + 150)
    #expect(ltdLines.contains { $0.contains(",conformal,") })
    #expect(ltdLines.dropFirst().allSatisfy { $0.contains(",intermittent,") || $0.contains(",lumpy,") || $0.contains(",smooth,") || $0.contains(",erratic,") || $0.contains(",none,") })
  }

  @Test("A series too short for the model falls back, and the fallback report says why")
  func fallbacks() throws {
    let history = temporaryFile("sku,date,qty\nA,2024-01-01,5\nA,2024-01-02,6\nA,2024-01-03,4\nB,2024-01-01,3\nB,2024-01-03,3\n")
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("fc-\(UUID().uuidString).csv").path
    let report = out + ".fallbacks.csv"
    let result = try run(["forecast", "--history", history, "--horizon", "3", "--models", "snaive", "--out", out, "--fallbacks", report])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("Fallbacks: 2"))
    let lines = try String(contentsOfFile: report, encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(lines[0] == "sku,method,fallback_model,reason")
    #expect(lines[1] == "A,snaive,WindowAverage(13),\"snaive needs at least 4 observations, got 3 → WindowAverage(13)\"")
    // The fallback is the mean of the last 13 periods: (5 + 6 + 4) / 3 for A.
    let forecast = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { splitCSV(String($0)) }
    let mean = forecast[0].firstIndex(of: "mean")!
    #expect(forecast.dropFirst().filter { $0[0] == "A" }.allSatisfy { Double($0[mean]) == 5 }, "\(forecast)")
  }

  @Test("backtest prints a per-model summary and writes per-window metrics")
  func backtest() throws {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("bt-\(UUID().uuidString).csv").path
    let summary = out + ".summary.csv"
    let result = try run([
      "backtest", "--history", "notebooks-data/carparts.csv", "--freq", "month", "--horizon", "6", "--windows", "2",
      "--models", "naive,mean", "--out", out, "--summary", summary, "--series-end", "panel-end",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("mase"))
    let rows = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
    #expect(rows[0] == "sku,method,model,origin,periods,mae,rmse,mase,rmsse,smape,wape,bias,error")
    #expect(rows.count == 1 + 2674 * 2 * 2)  // every series padded to March 2002 (165 of them have no rows after early 1999)
    let summaryRows = try String(contentsOfFile: summary, encoding: .utf8).split(separator: "\n")
    #expect(summaryRows.count == 3 && summaryRows[1].hasPrefix("naive,2674,"))
  }

  @Test("Unknown models and bad horizons are usage errors (exit 64); unwritable output exits 73 and writes nothing")
  func errors() throws {
    #expect(try run(["forecast", "--history", "notebooks-data/carparts.csv", "--horizon", "6", "--models", "prophet", "--out", "/tmp/x.csv"]).status == 64)
    #expect(try run(["forecast", "--history", "notebooks-data/carparts.csv", "--horizon", "0", "--out", "/tmp/x.csv"]).status == 64)
    #expect(try run(["forecast", "--history", "notebooks-data/carparts.csv", "--horizon", "2", "--level", "120", "--out", "/tmp/x.csv"]).status == 64)
    let result = try run(["forecast", "--history", "notebooks-data/carparts.csv", "--freq", "month", "--horizon", "2", "--models", "naive", "--out", "/nonexistent/dir/f.csv"])
    #expect(result.status == 73)
    #expect(result.stderr.contains("/nonexistent/dir/f.csv: cannot write"))
  }
}

@Suite("statsforecast-format files forecast from each series' last row")
struct SeriesEndCLITests {
  /// Three M3-style monthly series (`unique_id,ds,y`, a row for every month) ending in March, June and
  /// December 1995; no --freq, no --series-end: monthly is inferred, the file is dense, so each series is
  /// forecast from the month after its own last row — not from January 1996 with zero padding.
  @Test("A dense ragged file: each forecast starts the period after its series' last row; a sparse one keeps padding")
  func raggedEnds() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ends-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var csv = "unique_id,ds,y\n"
    for (id, months) in [("N1", 15), ("N2", 18), ("N3", 24)] {
      for m in 0..<months {
        csv += "\(id),\(1994 + m / 12)-\(String(format: "%02d", m % 12 + 1))-01,\(100 + 10 * (m % 12) + (id == "N2" ? 50 : 0))\n"
      }
    }
    try csv.write(toFile: folder + "/train.csv", atomically: true, encoding: .utf8)
    let result = try run(["forecast", "--history", folder + "/train.csv", "--horizon", "3", "--models", "snaive", "--out", folder + "/f.csv"])
    try #require(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("frequency month (inferred: all 24 distinct dates are the 1st of a month"), "\(result.stderr)")
    #expect(result.stdout.contains("series end last-row (every series has a row for every period from its first to its last, and 2 of 3 end before the file's last date"),
            "\(result.stdout)")
    let lines = try String(contentsOfFile: folder + "/f.csv", encoding: .utf8).split(separator: "\n").map(String.init)
    let first = Dictionary(lines.dropFirst().map { ($0.split(separator: ",")[0], $0.split(separator: ",")[1]) }, uniquingKeysWith: { a, _ in a })
    #expect(first["N1"] == "1995-04-01" && first["N2"] == "1995-07-01" && first["N3"] == "1996-01-01", "\(first)")
    // Seasonal naive from each series' own last year: N1's April forecast is its April 1994 value (130).
    #expect(lines.contains { $0.hasPrefix("N1,1995-04-01,snaive,SeasonalNaive,smooth,130") }, "\(lines.prefix(4))")

    // A sales file (no row = no sale): N1 misses a month, so every series runs to the file's end.
    let sparse = csv.split(separator: "\n").filter { !$0.hasPrefix("N1,1994-05-01") }.joined(separator: "\n") + "\n"
    try sparse.write(toFile: folder + "/sparse.csv", atomically: true, encoding: .utf8)
    let padded = try run(["forecast", "--history", folder + "/sparse.csv", "--horizon", "3", "--models", "snaive", "--out", folder + "/p.csv"])
    try #require(padded.status == 0, "\(padded.stderr)")
    #expect(padded.stdout.contains("series end panel-end (some series miss periods"), "\(padded.stdout)")
    let paddedLines = try String(contentsOfFile: folder + "/p.csv", encoding: .utf8).split(separator: "\n")
    #expect(paddedLines.dropFirst().allSatisfy { $0.split(separator: ",")[1] >= "1996-01-01" })
    // Asked for explicitly, the rule is followed whatever the file looks like.
    let forced = try run(["forecast", "--history", folder + "/sparse.csv", "--horizon", "3", "--models", "snaive", "--series-end", "last-row", "--out", folder + "/l.csv"])
    #expect(forced.status == 0 && forced.stdout.contains("series end last-row (--series-end)"))
  }
}

@Suite("replenish forecast --shard and merge-shards")
struct ShardCLITests {
  /// 30 SKUs, some at two locations, 80 weeks of a seeded pattern (seasonal, intermittent, trending).
  static func history() -> String {
    var text = "sku,location,date,qty\n"
    var state: UInt64 = 7
    for k in 0..<30 {
      let locations = k % 3 == 0 ? ["DC1", "DC2"] : ["DC1"]
      for location in locations {
        for w in 0..<80 {
          state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
          let noise = Int(state >> 60)
          let level = k % 4 == 0 ? (noise > 11 ? noise - 10 : 0) : 5 + k % 7 + (w % 13 < 4 ? 6 : 0) + noise + (k % 5 == 0 ? w / 10 : 0)
          let day = CivilDateText.week(w)
          text += (k == 7 ? "\"SKU-7,x\"" : "SKU-\(k)") + ",\(location),\(day),\(level)\n"
        }
      }
    }
    return text
  }

  @Test("Shards 1/3, 2/3 and 3/3 merged are the single-process files byte for byte (forecasts, fallbacks, lead-time demand); each SKU's locations in one shard")
  func mergedEqualsSingle() throws {
    let history = temporaryFile(Self.history())
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shards-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let common = ["forecast", "--history", history, "--freq", "week", "--horizon", "6", "--models", "auto", "--lead-time", "3", "--threads", "2"]
    func outputs(_ tag: String) -> [String] { ["--out", "\(folder)/\(tag).csv", "--fallbacks", "\(folder)/\(tag).fb.csv", "--ltd-out", "\(folder)/\(tag).ltd.csv"] }
    let single = try run(common + outputs("single"))
    #expect(single.status == 0, "\(single.stderr)")
    var skusPerShard: [Set<String>] = []
    for k in 1...3 {
      let shard = try run(common + outputs("s\(k)") + ["--shard", "\(k)/3"])
      #expect(shard.status == 0, "\(shard.stderr)")
      let rows = try String(contentsOfFile: "\(folder)/s\(k).csv", encoding: .utf8).split(separator: "\n").dropFirst()
      let keys = Set(rows.map { $0.split(separator: ",").prefix(2).joined(separator: ",") })
      skusPerShard.append(Set(rows.map { String($0.prefix { $0 != "," }) }))
      // A SKU stocked at two locations has both in its shard.
      for sku in skusPerShard[k - 1] where ["SKU-0", "SKU-3", "SKU-6"].contains(sku) {
        #expect(keys.contains("\(sku),DC1") && keys.contains("\(sku),DC2"))
      }
    }
    #expect(skusPerShard.allSatisfy { !$0.isEmpty }, "every shard has SKUs")
    #expect(skusPerShard[0].isDisjoint(with: skusPerShard[1]) && skusPerShard[1].isDisjoint(with: skusPerShard[2]))
    for suffix in [".csv", ".fb.csv", ".ltd.csv"] {
      let merged = "\(folder)/merged\(suffix)"
      // The shards in any order.
      let result = try run(["merge-shards", "--history", history, "--freq", "week", "--shards", "3", "--out", merged,
                            "\(folder)/s3\(suffix)", "\(folder)/s1\(suffix)", "\(folder)/s2\(suffix)"])
      #expect(result.status == 0, "\(result.stderr)")
      let one = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/single\(suffix)"))
      #expect(try Data(contentsOf: URL(fileURLWithPath: merged)) == one, "merged\(suffix) differs from the single-process file")
    }
    #expect(try String(contentsOfFile: "\(folder)/single.csv", encoding: .utf8).contains("\"SKU-7,x\",DC1,"), "a quoted SKU went through")
  }

  @Test("merge-shards refuses a missing shard, a shard given twice, another shard's rows, and a file of another kind, writing nothing")
  func refusals() throws {
    let history = temporaryFile(Self.history())
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shards-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for k in 1...2 {
      let r = try run(["forecast", "--history", history, "--freq", "week", "--horizon", "2", "--models", "naive", "--out", "\(folder)/s\(k).csv",
                       "--fallbacks", "\(folder)/f\(k).csv", "--shard", "\(k)/2"])
      #expect(r.status == 0, "\(r.stderr)")
    }
    let merged = "\(folder)/merged.csv"
    func merge(_ count: String, _ files: [String]) throws -> RunResult {
      try run(["merge-shards", "--history", history, "--freq", "week", "--shards", count, "--out", merged] + files.map { "\(folder)/\($0)" })
    }
    let missing = try merge("2", ["s1.csv"])
    #expect(missing.status == 64 && missing.stderr.contains("1 shard file(s) given for --shards 2"))
    let twice = try merge("2", ["s1.csv", "s1.csv"])
    #expect(twice.status == 65 && twice.stderr.contains("s1.csv:2:1: this series' rows were already read"), "\(twice.stderr)")
    let foreign = try merge("3", ["s1.csv", "s2.csv", "s2.csv"])
    #expect(foreign.status == 65 && foreign.stderr.contains("in a file of shard"), "\(foreign.stderr)")
    let otherKind = try merge("2", ["s1.csv", "f2.csv"])
    #expect(otherKind.status == 65 && otherKind.stderr.contains("f2.csv:1: the header differs from"), "\(otherKind.stderr)")
    let badShard = try run(["forecast", "--history", history, "--horizon", "2", "--out", merged, "--shard", "0/2"])
    #expect(badShard.status == 64 && badShard.stderr.contains("'0/2' is invalid for '--shard <K/N>'"), "\(badShard.stderr)")
    #expect(!FileManager.default.fileExists(atPath: merged))
  }
}

/// Monday dates of weeks from 2024-01-01.
enum CivilDateText {
  static func week(_ w: Int) -> String {
    var components = DateComponents()
    components.year = 2024
    components.month = 1
    components.day = 1 + 7 * w
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let date = calendar.date(from: components)!
    let f = DateFormatter()
    f.calendar = calendar
    f.timeZone = calendar.timeZone
    f.locale = Locale(identifier: "en_US_POSIX")
    f.dateFormat = "yyyy-MM-dd"
    return f.string(from: date)
  }
}
