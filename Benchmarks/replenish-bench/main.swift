// Benchmarks for Replenish. They print figures; nothing here is asserted in tests.
//
//   replenish-bench generate FILE [--series N] [--days D] [--in-stock]
//   replenish-bench reader FILE [--repeat K] [--freq day|week|month]
//   replenish-bench gemm [--n N] [--repeat K]
//   replenish-bench policy [--skus 1000000] [--po-skus 100000] [--locations 3]
//   replenish-bench plan FILE [--freq week] [--models auto]
//   replenish-bench regression [--series 30490] [--periods 1941] [--chunk 2048]
//   replenish-bench service [--per-cell 40] [--models auto] [--safety-stock calibrated|cycle-service|…] [--service-feedback 0]
//                           [--launched 0] [--borrow-seasonality on|off] [--time-phased on|off]
//   replenish-bench ledger [--skus 10000] [--events 200000] [--readers 1] [--batch 100] [--modes single,group]
//   replenish-bench serve-setup --folder F [--skus 10000] [--db URL]   (the ledger and key bench-serve loads; --db: on PostgreSQL)
//   replenish-bench serve-store --folder F [--skus 10000] [--requests 20000]   (the store's ceiling, no HTTP)
#if canImport(Glibc)
  import Glibc
#endif
import CSV
import Forecasting
import Foundation
import LinearAlgebra
import Policy
import SalesHistory
import Sampling
import SyntheticData
import TimeSeries

func now() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Peak resident set size of this program, in MiB: `VmHWM` of /proc/self/status. (`ru_maxrss` is kept
/// across `exec` on Linux, so a child of a large process — e.g. the Python comparison script — would
/// report its parent's peak.)
func peakRSSMiB() -> Double {
  if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
    let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
    let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
  {
    return kb / 1024
  }
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Double(usage.ru_maxrss) / 1024
}

func median(_ xs: [Double]) -> Double {
  let s = xs.sorted()
  return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func option(_ name: String, in args: [String]) -> String? {
  guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
  return args[i + 1]
}

func fail(_ message: String) -> Never {
  print("replenish-bench: \(message)")
  exit(64)
}

let args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first else {
  fail("usage: replenish-bench generate|reader|gemm …")
}

switch command {
case "generate":
  guard args.count >= 2 else { fail("usage: replenish-bench generate FILE [--series N] [--days D] [--in-stock]") }
  let series = Int(option("--series", in: args) ?? "30490") ?? 30490
  let days = Int(option("--days", in: args) ?? "1941") ?? 1941
  let generator = DemandPanelGenerator(seriesCount: series, days: days)
  let t0 = now()
  let bytes = try generator.writeCSV(to: args[1], includeInStock: args.contains("--in-stock"))
  let seconds = now() - t0
  print(String(format: "generated %@: %d series × %d days, %.1f MB in %.1f s", args[1], series, days, Double(bytes) / 1e6, seconds))

case "reader":
  guard args.count >= 2 else { fail("usage: replenish-bench reader FILE [--repeat K] [--freq day|week|month]") }
  let repeats = Int(option("--repeat", in: args) ?? "3") ?? 3
  let frequency = Frequency(rawValue: option("--freq", in: args) ?? "day") ?? .day
  var seconds: [Double] = []
  var summary = ""
  var denseMiB = 0.0
  for _ in 0..<repeats {
    let t0 = now()
    let history = try SalesHistoryReader.read(file: args[1], options: SalesHistoryOptions(frequency: frequency))
    let t = now() - t0
    seconds.append(t)
    let panel = history.panel
    // The dense panel: 8-byte values, 8-byte prices when present, 1-byte flags per cell.
    denseMiB = Double(panel.values.count * (panel.prices == nil ? 9 : 17)) / 1_048_576
    summary = String(
      format: "%d rows, %d series, %d cells; dense panel (values%@ + flags) %.0f MiB", history.report.rows,
      panel.seriesCount, panel.values.count, panel.prices == nil ? "" : " + prices", denseMiB)
    print(String(format: "  run: %.2f s, %.0f MB/s", t, Double(history.report.bytes) / 1e6 / t))
  }
  let size = Double(try fileSize(args[1]))
  let m = median(seconds)
  print(summary)
  let peak = peakRSSMiB()
  print(String(format: "reader %@ (%@): median %.2f s over %d runs = %.0f MB/s; peak RSS %.0f MiB = %.2f × dense panel",
    args[1], frequency.rawValue, m, seconds.count, size / 1e6 / m, peak, peak / denseMiB))

case "gemm":
  let n = Int(option("--n", in: args) ?? "1000") ?? 1000
  let repeats = Int(option("--repeat", in: args) ?? "5") ?? 5
  var rng = SeededGenerator(seed: 1)
  let a = Matrix(rows: n, columns: n, columnMajor: (0..<(n * n)).map { _ in rng.uniform() })
  let b = Matrix(rows: n, columns: n, columnMajor: (0..<(n * n)).map { _ in rng.uniform() })
  for threads in [1, 2] {
    BLAS.setThreadCount(threads)
    _ = try gemm(a, b)
    var times: [Double] = []
    for _ in 0..<repeats {
      let t0 = now()
      _ = try gemm(a, b)
      times.append(now() - t0)
    }
    let m = median(times)
    print(String(format: "dgemm n=%d, %d thread(s): median %.3f s = %.1f GFLOP/s", n, threads, m, 2 * pow(Double(n), 3) / m / 1e9))
  }

case "m3-split":
  // M3 monthly as a user has it: the `split` column's train rows and test rows as two statsforecast-format
  // files (unique_id,ds,y), for `replenish forecast` and `m3-score`.
  guard args.count >= 4 else { fail("usage: replenish-bench m3-split notebooks-data/m3_monthly.csv TRAIN.csv TEST.csv") }
  let lines = try String(contentsOfFile: args[1], encoding: .utf8).split(separator: "\n")
  var train = "unique_id,ds,y\n", test = "unique_id,ds,y\n"
  for line in lines.dropFirst() {
    let f = line.split(separator: ",", omittingEmptySubsequences: false)
    guard f.count == 4 else { continue }
    let row = "\(f[0]),\(f[1]),\(f[2])\n"
    if f[3] == "test" { test += row } else { train += row }
  }
  try train.write(toFile: args[2], atomically: true, encoding: .utf8)
  try test.write(toFile: args[3], atomically: true, encoding: .utf8)
  print("wrote \(args[2]) and \(args[3])")

case "m3-score":
  // Scores a `replenish forecast` output against the held-out rows: sMAPE averaged over the 18 horizons of
  // each series, then over series — matching forecasts to actual rows by series and date, so that a
  // forecast dated anywhere but the periods after a series' last training row scores as missing.
  guard args.count >= 3 else { fail("usage: replenish-bench m3-score TEST.csv FORECASTS.csv [--label auto]") }
  func rows(_ path: String) throws -> [(String, String, Double)] {
    let table = try CSVTable.read(path: path, required: [])
    let id = table.header.contains("unique_id") ? "unique_id" : "sku", date = table.header.contains("ds") ? "ds" : "date"
    let value = table.header.contains("y") ? "y" : "mean"
    return table.rows.map { ($0.text(id) ?? "", $0.text(date) ?? "", Double($0.text(value) ?? "") ?? .nan) }
  }
  let actual: [(String, String, Double)], forecast: [(String, String, Double)]
  do { (actual, forecast) = (try rows(args[1]), try rows(args[2])) } catch { fail("m3-score: \(error)") }
  var predicted: [String: Double] = [:]
  for (id, date, mean) in forecast { predicted[id + " " + date] = mean }
  var bySeries: [String: (sum: Double, count: Int)] = [:]
  var missing = 0
  for (id, date, y) in actual {
    guard let f = predicted[id + " " + date] else { missing += 1; continue }
    let d = abs(y) + abs(f)
    bySeries[id, default: (0, 0)].sum += d == 0 ? 0 : 200 * abs(y - f) / d
    bySeries[id, default: (0, 0)].count += 1
  }
  let smape = bySeries.values.reduce(0) { $0 + $1.sum / Double($1.count) } / Double(max(1, bySeries.count))
  print(String(format: "M3 monthly through `replenish forecast` (%@): sMAPE %.3f over %d series; %d of %d held-out rows without a forecast on their date (vs THETA 13.892: %+.3f)",
    option("--label", in: args) ?? args[2], smape, bySeries.count, missing, actual.count, smape - 13.892))

case "m3":
  // M3 monthly: train on all but the last 18 months, forecast 18, average sMAPE per series then over series.
  guard args.count >= 2 else { fail("usage: replenish-bench m3 notebooks-data/m3_monthly.csv [--models theta,ets,…] [--threads N]") }
  var m3Options = SalesHistoryOptions(frequency: .month)
  m3Options.maximumSpanYears = 2100  // 29 M3 series carry placeholder dates from year 1; the rest run 1857–2005
  let history = try SalesHistoryReader.read(file: args[1], options: m3Options)
  let panel = history.panel
  let aliases = (option("--models", in: args) ?? "theta,ets,autotheta,combo,auto").split(separator: ",").map(String.init)
  let threads = Int(option("--threads", in: args) ?? "2") ?? 2
  BLAS.setThreadCount(1)
  print("M3 monthly: \(panel.seriesCount) series, h = 18, sMAPE (%) averaged over horizons 1–18 and series")
  print("published (recomputed from M3Forecast): THETA 13.892, ForecastPro 13.898, COMB S-H-D 14.47, NAIVE2 16.891")
  for alias in aliases {
    guard let method = ModelCatalog.method(alias, horizon: 18, metric: option("--metric", in: args)) else { fail("unknown model \(alias)") }
    let t0 = now()
    let results = parallelMap(count: panel.seriesCount, threads: threads) { s -> (Double, Double, String) in
      // M3 series end on different dates: cut the zero padding after each series' last row.
      let y = Array(panel.values(of: s).prefix(panel.observedLength(of: s)))
      let train = Array(y.dropLast(18)), test = Array(y.suffix(18))
      let forecast: [Double]
      var model = ""
      if let fit = try? method.fit(train, seasonLength: 12) {
        forecast = fit.forecast(horizon: 18, levels: []).mean
        model = fit.name
      } else {
        forecast = (try! NaiveMethod().fit(train, seasonLength: 12)).forecast(horizon: 18, levels: []).mean
        model = "fallback"
      }
      let metrics = AccuracyMetrics(actual: test, forecast: forecast, training: train, seasonLength: 12)
      return (metrics.smape, metrics.mase, model)
    }
    let smape = results.map(\.0).reduce(0, +) / Double(results.count)
    let mase = results.map(\.1).reduce(0, +) / Double(results.count)
    let fallbacks = results.filter { $0.2 == "fallback" }.count
    print(String(format: "%-10@ sMAPE %.3f  MASE %.3f  (%.1f s, %d fallbacks; vs THETA 13.892: %+.3f)", alias, smape, mase, now() - t0, fallbacks, smape - 13.892))
  }

case "speed":
  // Forecast the last `--horizon` days of every series from the rest; print wall time, peak memory and
  // mean RMSSE (M5 scale: training from the first sale). Used by Benchmarks/compare_statsforecast.py.
  guard args.count >= 2 else { fail("usage: replenish-bench speed FILE [--models ets] [--horizon 28] [--threads 2] [--per-series OUT.csv]") }
  let t0 = now()
  let frequency = Frequency(rawValue: option("--freq", in: args) ?? "day") ?? .day
  let season = Int(option("--season", in: args) ?? "\(frequency.defaultSeasonLength)") ?? frequency.defaultSeasonLength
  let history = try SalesHistoryReader.read(file: args[1], options: SalesHistoryOptions(frequency: frequency))
  let readSeconds = now() - t0
  let panel = history.panel
  let horizon = Int(option("--horizon", in: args) ?? "28") ?? 28
  let threads = Int(option("--threads", in: args) ?? "2") ?? 2
  BLAS.setThreadCount(1)
  let metric = option("--metric", in: args)
  for alias in (option("--models", in: args) ?? "ets").split(separator: ",").map(String.init) {
    guard let method = ModelCatalog.method(alias, horizon: horizon, metric: metric) else { fail("unknown model \(alias)") }
    let t1 = now()
    let results = parallelMap(count: panel.seriesCount, threads: threads) { s -> (Double, String) in
      let y = Array(panel.values(of: s))
      guard y.count >= horizon + 3 else { return (.nan, "short") }
      let train = Array(y.dropLast(horizon)), test = Array(y.suffix(horizon))
      let fit = (try? method.fit(train, seasonLength: season)) ?? (try? NaiveMethod().fit(train, seasonLength: season))
      guard let fit else { return (.nan, "failed") }
      let mean = fit.forecast(horizon: horizon, levels: []).mean
      let scaleStart = train.firstIndex { $0 != 0 } ?? 0
      let metrics = AccuracyMetrics(actual: test, forecast: mean, training: Array(train[scaleStart...]), seasonLength: season)
      return (metrics.rmsse, fit.name)
    }
    let seconds = now() - t1
    if let file = option("--per-series", in: args) {
      // One row per series and model (appended, so that several runs line up by series index).
      var text = ""
      for (s, r) in results.enumerated() { text += "\(alias),\(s),\(r.1),\(r.0)\n" }
      if !FileManager.default.fileExists(atPath: file) { FileManager.default.createFile(atPath: file, contents: nil) }
      guard let handle = FileHandle(forWritingAtPath: file) else { fail("--per-series \(file): cannot open the file for writing") }
      handle.seekToEndOfFile()
      handle.write(Data(text.utf8))
      try? handle.close()
    }
    let valid = results.map(\.0).filter(\.isFinite)
    print(String(format: "RESULT model=%@ series=%d seconds=%.2f read_seconds=%.2f peak_mib=%.0f rmsse=%.4f scored=%d",
      alias, panel.seriesCount, seconds, readSeconds, peakRSSMiB(), valid.reduce(0, +) / Double(valid.count), valid.count))
  }

case "policy":
  policyBenchmark(
    skus: Int(option("--skus", in: args) ?? "1000000")!, poSKUs: Int(option("--po-skus", in: args) ?? "100000")!,
    locations: Int(option("--locations", in: args) ?? "3")!, peerItems: Int(option("--peer-items", in: args) ?? "20000")!)

case "plan":
  guard args.count >= 2 else { fail("usage: replenish-bench plan FILE [--freq week] [--models auto]") }
  do {
    try planBenchmark(file: args[1], frequency: Frequency(rawValue: option("--freq", in: args) ?? "week") ?? .week,
                      models: option("--models", in: args) ?? "auto", folder: option("--folder", in: args) ?? "Benchmarks/.data")
  } catch {
    fail("plan benchmark failed: \(error)")
  }

case "regression":
  do {
    try regressionBenchmark(
      series: Int(option("--series", in: args) ?? "30490")!, periods: Int(option("--periods", in: args) ?? "1941")!,
      pairs: Int(option("--pairs", in: args) ?? "3")!, events: Int(option("--events", in: args) ?? "12")!,
      chunk: Int(option("--chunk", in: args) ?? "2048")!, loopSeries: Int(option("--loop-series", in: args) ?? "1000")!)
  } catch {
    fail("regression benchmark failed: \(error)")
  }

case "m5":
  guard args.count >= 2 else { fail("usage: replenish-bench m5 FILE [--published m5_published_accuracy_benchmarks_wrmsse.csv]") }
  do { try m5Benchmark(file: args[1], published: option("--published", in: args)) } catch { fail("m5 benchmark failed: \(error)") }

case "m5-uncertainty":
  guard args.count >= 2 else { fail("usage: replenish-bench m5-uncertainty FILE [--published m5_published_uncertainty_benchmarks.csv]") }
  do { try m5UncertaintyBenchmark(file: args[1], published: option("--published", in: args)) } catch { fail("m5 uncertainty benchmark failed: \(error)") }

case "ledger":
  let folder = option("--folder", in: args) ?? "Benchmarks/.data"
  try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  do {
    try ledgerBenchmark(
      skus: Int(option("--skus", in: args) ?? "10000")!, events: Int(option("--events", in: args) ?? "200000")!,
      readers: Int(option("--readers", in: args) ?? "1")!, batch: Int(option("--batch", in: args) ?? "100")!,
      modes: (option("--modes", in: args) ?? "single,group").split(separator: ",").map(String.init), folder: folder)
  } catch {
    fail("ledger benchmark failed: \(error)")
  }
case "serve-setup":
  let folder = option("--folder", in: args) ?? "Benchmarks/.data"
  do { _ = try serveSetup(folder: folder, skus: Int(option("--skus", in: args) ?? "10000")!, database: option("--db", in: args)) } catch {
    fail("serve-setup failed: \(error)")
  }
case "serve-store":
  let folder = option("--folder", in: args) ?? "Benchmarks/.data"
  do {
    try serveStoreCeiling(folder: folder, skus: Int(option("--skus", in: args) ?? "10000")!, requests: Int(option("--requests", in: args) ?? "20000")!)
  } catch {
    fail("serve-store failed: \(error)")
  }
case "service":
  serviceBenchmark(
    perCell: Int(option("--per-cell", in: args) ?? "40")!, models: option("--models", in: args) ?? "auto",
    trainWeeks: Int(option("--train-weeks", in: args) ?? "104")!, replanEvery: Int(option("--replan-every", in: args) ?? "4")!,
    leadDays: Double(option("--lead-time-days", in: args) ?? "14")!, safetyStock: option("--safety-stock", in: args).flatMap(SafetyStockMethod.init(rawValue:)),
    threads: Int(option("--threads", in: args) ?? "2")!, feedback: Double(option("--service-feedback", in: args) ?? "0")!,
    launchedPerCell: Int(option("--launched", in: args) ?? "0")!, borrowSeasonality: (option("--borrow-seasonality", in: args) ?? "on") != "off",
    timePhased: (option("--time-phased", in: args) ?? "on") != "off",
    write: option("--write", in: args))

case "calibration":
  // Lead-time demand quantiles on held-out data: for every series, the last L periods are the future;
  // quantiles come from the history before them. Prints empirical coverage (share of series whose actual
  // lead-time demand is ≤ the τ-quantile) and mean pinball loss, per model and τ.
  guard args.count >= 2 else { fail("usage: replenish-bench calibration FILE [--freq month] [--season 12] [--lead-time 3] [--models sba,auto]") }
  let frequency = Frequency(rawValue: option("--freq", in: args) ?? "month") ?? .month
  let season = Int(option("--season", in: args) ?? "\(frequency.defaultSeasonLength)") ?? frequency.defaultSeasonLength
  let leadTime = Int(option("--lead-time", in: args) ?? "3") ?? 3
  let threads = Int(option("--threads", in: args) ?? "2") ?? 2
  let taus = [0.5, 0.9, 0.95]
  let panel = try SalesHistoryReader.read(file: args[1], options: SalesHistoryOptions(frequency: frequency)).panel
  BLAS.setThreadCount(1)
  print("\(args[1]): \(panel.seriesCount) series, lead time \(leadTime), quantiles \(taus)")
  for alias in (option("--models", in: args) ?? "sba,count,auto").split(separator: ",").map(String.init) {
    guard let method = ModelCatalog.method(alias, horizon: leadTime) else { fail("unknown model \(alias)") }
    let t0 = now()
    let results = parallelMap(count: panel.seriesCount, threads: threads) { s -> (hits: [Bool], loss: [Double], method: String)? in
      // Series that stop early are padded with zeros to the panel end: keep only observed periods.
      let y = Array(panel.history(of: s, censorStockOuts: true).prefix(panel.observedLength(of: s)))
      guard y.count >= leadTime + 12 else { return nil }
      let history = Array(y.dropLast(leadTime))
      let future = y.suffix(leadTime).reduce(0, +)
      guard let fit = try? method.fitCensored(history, seasonLength: season) else { return nil }
      let ltd = LeadTimeDemand(history: history, fit: fit, method: method, seasonLength: season, leadTime: leadTime, levels: taus)
      let q = ltd.quantiles.map(\.value)
      return (zip(q, taus).map { future <= $0.0 }, zip(q, taus).map { pinballLoss(actual: [future], quantile: [$0.0], level: $0.1) }, ltd.method.rawValue)
    }.compactMap { $0 }
    let n = Double(results.count)
    let coverage = taus.indices.map { k in Double(results.filter { $0.hits[k] }.count) / n }
    let loss = taus.indices.map { k in results.reduce(0) { $0 + $1.loss[k] } / n }
    var methods: [String: Int] = [:]
    for r in results { methods[r.method, default: 0] += 1 }
    print(String(format: "%-8@ series %d  coverage q0.5 %.3f  q0.9 %.3f  q0.95 %.3f   pinball %.3f %.3f %.3f  (%.1f s) %@",
      alias, results.count, coverage[0], coverage[1], coverage[2], loss[0], loss[1], loss[2], now() - t0,
      methods.map { "\($0.key) \($0.value)" }.sorted().joined(separator: ", ")))
  }

default:
  fail("unknown benchmark '\(command)'")
}

func fileSize(_ path: String) throws -> Int {
  var info = stat()
  guard stat(path, &info) == 0 else { fail("cannot stat \(path)") }
  return Int(info.st_size)
}
