// The fuzzing harness: every reader of user files (sales history, ledger event files, item and supplier
// masters, stock snapshots, plan and scenario TOML) is fed mutated inputs, and each input must end in a
// read or in the reader's own located error — never another error, a crash or unbounded memory.
//
// Two ways to run it:
//   replenish-fuzz TARGET|all [--seed S] [--runs N] [--corpus DIR] [--max-rss-mib M]
//       replays every seed (Tests/Fuzz/corpus and what libFuzzer found, Tests/Fuzz/found), then N seeded
//       mutations of them (deterministic: the same seed, the same inputs);
//       `make test` runs a short one, `make fuzz-smoke` a longer one.
//   libFuzzer (coverage-guided): `make fuzz` builds this target with `-sanitize=fuzzer -DLIBFUZZER` and
//       runs it per target (REPLENISH_FUZZ_TARGET) for a bounded time, keeping the corpus.
import CSV
import Foundation
import Ledger
import Planning
import Policy
import ReplenishCLI
import SalesHistory
import Sampling

/// What an input must end in.
enum Outcome {
  case read
  /// The reader's own error, located in the input file.
  case refused(String)
  /// Anything else: the harness fails.
  case violation(String)
}

enum FuzzTarget: String, CaseIterable {
  case history, events, items, config

  /// The file name the input is written under (the readers choose the format by extension).
  func fileName(seedName: String) -> String {
    switch self {
    case .history: "history.csv"
    case .events: seedName.hasSuffix(".jsonl") ? "events.jsonl" : "events.csv"
    case .items: "items.csv"
    case .config: seedName.contains("peak") ? "scenario.toml" : "plan.toml"
    }
  }

  /// Runs the readers of this target on the file at `path`.
  func run(_ path: String) -> Outcome {
    func located(_ error: any Error) -> Outcome {
      let message = "\(error)"
      // A located error names the input file (and, for a row, its line).
      return message.contains(path) ? .refused(message) : .violation("error without the file: \(type(of: error)): \(message)")
    }
    switch self {
    case .history:
      // Strict weekly (the first bad row stops) and lenient daily (bad rows skipped, listed); read when strict reads.
      var outcome = Outcome.read
      for options in [SalesHistoryOptions(frequency: .week), SalesHistoryOptions(frequency: .day, badRows: .skip)] {
        do throws(CSVError) {
          let history = try SalesHistoryReader.read(file: path, options: options)
          if history.panel.values.contains(where: { !$0.isFinite }) { return .violation("a non-finite value reached the panel") }
          if let bad = history.report.badRows.first(where: { !$0.description.contains(path) }) { return .violation("a skipped row without its file: \(bad)") }
        } catch {
          let result = located(error)
          if case .violation = result { return result }
          if options.badRows == .fail { outcome = result }
        }
      }
      return outcome
    case .events:
      do throws(CSVError) { _ = try EventFile.read(path: path, defaultSource: "fuzz") } catch { return located(error) }
      return .read
    case .items:
      // The item master decides read or refused; the supplier and stock-snapshot readers must be located too.
      var outcome = Outcome.read
      do throws(CSVError) { _ = try ItemMaster.read(items: path, suppliers: nil) } catch { outcome = located(error) }
      if case .violation = outcome { return outcome }
      do throws(CSVError) { _ = try ItemMaster.read(items: path, suppliers: path) } catch {
        if case .violation(let v) = located(error) { return .violation(v) }
      }
      do throws(CSVError) { _ = try StockSnapshot.read(path: path) } catch {
        if case .violation(let v) = located(error) { return .violation(v) }
      }
      return outcome
    case .config:
      do {
        if path.hasSuffix("scenario.toml") { try ConfigFileCheck.scenario(path) } else { try ConfigFileCheck.plan(path) }
      } catch { return located(error) }
      return .read
    }
  }
}

/// Deterministic mutations of a seed input (the moves libFuzzer's mutator makes, plus tokens of the formats).
struct Mutator {
  var rng: SeededGenerator
  static let tokens: [[UInt8]] = [
    "9999-12-31", "0001-01-01", "2011-02-30", "1e308", "-1e308", "1e309", "NaN", "inf", "-0", "0x10", "1,000", "\"", "\"\"", ",", "\n", "\r\n",
    ";", "\t", "\u{FEFF}", "\u{0}", "\u{7F}", "é", "\u{0410}", "null", "true", "1.0", "{}", "[", "]", "=", "[history]", "file = ", "qty", "sku",
    String(repeating: "A", count: 300), String(repeating: "9", count: 40), "'; DROP TABLE positions; --",
  ].map { Array($0.utf8) }

  init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

  mutating func int(_ n: Int) -> Int { n <= 0 ? 0 : Int(rng.next() % UInt64(n)) }

  mutating func mutate(_ input: [UInt8], other: [UInt8]) -> [UInt8] {
    var b = input
    for _ in 0...int(4) {
      let at = int(b.count + 1)
      switch int(9) {
      case 0 where !b.isEmpty: b[min(at, b.count - 1)] ^= UInt8(1 << int(8))
      case 1 where !b.isEmpty: b[min(at, b.count - 1)] = [0, 0xFF, 0x22, 0x2C, 0x0A, 0x0D, 0x2D, 0x39, 0x65, 0xC3][int(10)]
      case 2: b.insert(contentsOf: Self.tokens[int(Self.tokens.count)], at: at)
      case 3 where !b.isEmpty:
        let n = int(min(64, b.count - min(at, b.count - 1)))
        b.removeSubrange(min(at, b.count - 1)..<min(b.count, min(at, b.count - 1) + n))
      case 4 where !b.isEmpty:
        let from = int(b.count), n = int(min(128, b.count - from))
        b.insert(contentsOf: b[from..<(from + n)], at: at)
      case 5: b = Array(b.prefix(at))  // truncated file
      case 6 where !other.isEmpty:
        let from = int(other.count)
        b = Array(b.prefix(at)) + other[from...]  // splice of two seeds
      case 7:
        // Replace a field: find a delimiter and overwrite what follows with a token.
        if let comma = b[min(at, b.count)...].firstIndex(where: { $0 == 0x2C || $0 == 0x3D }) {
          let end = b[(comma + 1)...].firstIndex(where: { $0 == 0x2C || $0 == 0x0A }) ?? b.count
          b.replaceSubrange((comma + 1)..<end, with: Self.tokens[int(Self.tokens.count)])
        }
      default: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
      }
    }
    return b
  }
}

let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("replenish-fuzz-\(ProcessInfo.processInfo.processIdentifier)").path

func write(_ bytes: [UInt8], as name: String) -> String {
  try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
  let path = scratch + "/" + name
  _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
  return path
}

#if LIBFUZZER
  let libFuzzerTarget = FuzzTarget(rawValue: ProcessInfo.processInfo.environment["REPLENISH_FUZZ_TARGET"] ?? "history") ?? .history

  /// libFuzzer's driver (SwiftPM links an executable's entry point under its own name, so the driver is
  /// called from there rather than through libFuzzer's `main`).
  @_silgen_name("LLVMFuzzerRunDriver")
  func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
  ) -> CInt

  @_cdecl("replenish_fuzz_main")
  public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzOneInput)
  }

  @_cdecl("LLVMFuzzerTestOneInput")
  public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // The file name picks the format: JSON Lines for events that start with '{'; a scenario for odd-sized configs.
    let seedName = libFuzzerTarget == .events && bytes.first == UInt8(ascii: "{") ? "x.jsonl" : libFuzzerTarget == .config && size % 2 == 1 ? "peak" : "x"
    let path = write(bytes, as: libFuzzerTarget.fileName(seedName: seedName))
    if case .violation(let v) = libFuzzerTarget.run(path) {
      FileHandle.standardError.write(Data("replenish-fuzz: \(libFuzzerTarget.rawValue): \(v)\n".utf8))
      abort()
    }
    return 0
  }
#else
  @main
  struct SeededFuzz {
    static func main() {
      var arguments = Array(CommandLine.arguments.dropFirst())
      func option(_ name: String) -> String? {
        guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
        defer { arguments.removeSubrange(i...(i + 1)) }
        return arguments[i + 1]
      }
      let seed = UInt64(option("--seed") ?? "1") ?? 1
      let runs = Int(option("--runs") ?? "500") ?? 500
      let maxRSS = Double(option("--max-rss-mib") ?? "1024") ?? 1024
      let corpus = option("--corpus") ?? "Tests/Fuzz/corpus"
      let which = arguments.first ?? "all"
      let targets = which == "all" ? FuzzTarget.allCases : FuzzTarget(rawValue: which).map { [$0] } ?? []
      guard !targets.isEmpty else {
        FileHandle.standardError.write(Data("usage: replenish-fuzz history|events|items|config|all [--seed S] [--runs N] [--corpus DIR] [--max-rss-mib M]\n".utf8))
        exit(64)
      }
      defer { try? FileManager.default.removeItem(atPath: scratch) }
      var failed = 0, passed = 0
      for target in targets {
        // The hand-made seeds, then what libFuzzer found (`make fuzz`, minimized): every one is replayed once.
        var seeds: [(String, [UInt8])] = []
        for folder in [corpus + "/" + target.rawValue, corpus + "/../found/" + target.rawValue] {
          let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
          seeds += names.compactMap { name in FileManager.default.contents(atPath: folder + "/" + name).map { (name, [UInt8]($0)) } }
        }
        guard !seeds.isEmpty else {
          FileHandle.standardError.write(Data("replenish-fuzz: no seeds in \(corpus)/\(target.rawValue)\n".utf8))
          exit(66)
        }
        var mutator = Mutator(seed: seed &+ UInt64(FuzzTarget.allCases.firstIndex(of: target)!) &* 1_000_003)
        var read = 0, refused = 0, slowest = 0.0
        var violations: [String] = []
        let total = seeds.count + runs
        for run in 0..<total {
          let (name, seedBytes) = seeds[run % seeds.count]
          let input = run < seeds.count ? seedBytes : mutator.mutate(seedBytes, other: seeds[mutator.int(seeds.count)].1)
          let path = write(input, as: target.fileName(seedName: name))
          let start = Date()
          switch target.run(path) {
          case .read: read += 1
          case .refused: refused += 1
          case .violation(let v):
            violations.append("run \(run) (from \(name)): \(v)")
            let keep = scratch + "-failure-\(target.rawValue)-\(run)"
            _ = FileManager.default.createFile(atPath: keep, contents: Data(input))
            violations.append("  input kept at \(keep)")
          }
          slowest = max(slowest, Date().timeIntervalSince(start))
        }
        let rss = peakMemoryMiB()
        if rss > maxRSS { violations.append(String(format: "peak memory %.0f MiB over the bound %.0f MiB", rss, maxRSS)) }
        if slowest > 10 { violations.append(String(format: "slowest input took %.1f s (bound 10 s)", slowest)) }
        print(String(format: "%@: %d seeds replayed and %d mutated inputs (seed %llu): %d read, %d refused with a located error, %d violations; slowest %.3f s, peak memory %.0f MiB",
                     target.rawValue, seeds.count, runs, seed, read, refused, violations.count, slowest, rss))
        for v in violations.prefix(10) { print("  " + v) }
        if violations.isEmpty { passed += 1 } else { failed += 1 }
      }
      print("\(passed) passed, \(failed) failed")
      exit(failed == 0 ? 0 : 1)
    }
  }
#endif
