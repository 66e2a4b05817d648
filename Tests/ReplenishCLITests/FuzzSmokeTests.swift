import Foundation
import Testing

/// The short seeded fuzzing run of `make test` (the longer ones are `make fuzz-smoke` and `make fuzz`).
@Suite("Fuzzing: a short seeded mutation run over the sample files")
struct FuzzSmokeTests {
  @Test("Every corpus input replayed and 1,500 mutated inputs per reader: each read or refused with a located error, under 1 GiB, never a signal")
  func seededRun() throws {
    guard let binary = replenishBinary()?.deletingLastPathComponent().appendingPathComponent("replenish-fuzz"),
      FileManager.default.isExecutableFile(atPath: binary.path)
    else { throw CLITestError("replenish-fuzz not built; run `swift build` first") }
    let process = Process()
    process.executableURL = binary
    process.arguments = ["all", "--seed", "1", "--runs", "1500", "--max-rss-mib", "1024", "--corpus", repositoryRoot.path + "/Tests/Fuzz/corpus"]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = out
    try process.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationReason == .exit, "the fuzzer died of a signal:\n\(text.suffix(3000))")
    #expect(process.terminationStatus == 0 && text.contains("4 passed, 0 failed"), "\(text.suffix(3000))")
    // Each reader both read some inputs and refused others: the mutations reach past the header.
    for target in ["history", "events", "items", "config"] {
      let line = text.split(separator: "\n").first { $0.hasPrefix(target + ":") } ?? ""
      #expect(!line.contains(" 0 read") && !line.contains(" 0 refused"), "\(line)")
    }
  }
}
