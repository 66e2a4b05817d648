// Benchmarks for Replenish. They print figures; nothing here is asserted in tests.
//
//   replenish-bench generate FILE [--series N] [--days D] [--in-stock]
//   replenish-bench reader FILE [--repeat K] [--freq day|week|month]
//   replenish-bench gemm [--n N] [--repeat K]
#if canImport(Glibc)
  import Glibc
#endif
import LinearAlgebra
import SalesHistory
import Sampling
import SyntheticData
import TimeSeries

func now() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Peak resident set size of this process, in MiB.
func peakRSSMiB() -> Double {
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

default:
  fail("unknown benchmark '\(command)'")
}

func fileSize(_ path: String) throws -> Int {
  var info = stat()
  guard stat(path, &info) == 0 else { fail("cannot stat \(path)") }
  return Int(info.st_size)
}
