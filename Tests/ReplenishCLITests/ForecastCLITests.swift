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
    let carparts = try String(contentsOfFile: repositoryRoot.appendingPathComponent("notebooks-data/carparts.csv").path, encoding: .utf8)
    var ids: [Substring] = []
    var subset = ""
    for line in carparts.split(separator: "\n") {
      let id = line.prefix { $0 != "," }
      if id != "unique_id" && !ids.contains(id) {
        if ids.count == 150 { break }
        ids.append(id)
      }
      subset += line + "\n"
    }
    let history = temporaryFile(subset)
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
      "--models", "naive,mean", "--out", out, "--summary", summary,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("mase"))
    let rows = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
    #expect(rows[0] == "sku,method,model,origin,periods,mae,rmse,mase,rmsse,smape,wape,bias,error")
    #expect(rows.count == 1 + 2674 * 2 * 2)
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
