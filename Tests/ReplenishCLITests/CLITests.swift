import Foundation
import Testing

@testable import ReplenishCLI
@_exported import TestSupport


/// The `replenish` binary built next to this test bundle (`swift build` puts both in the same folder).
func replenishBinary() -> URL? {
  let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
    + Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
  for folder in candidates {
    let url = folder.appendingPathComponent("replenish")
    if FileManager.default.isExecutableFile(atPath: url.path) { return url }
  }
  return nil
}

struct RunResult {
  let status: Int32
  let stdout: String
  let stderr: String
}

func run(_ arguments: [String]) throws -> RunResult {
  guard let binary = replenishBinary() else {
    throw CLITestError("replenish binary not found next to the test bundle; run `swift build` before `swift test`")
  }
  let process = Process()
  process.executableURL = binary
  process.arguments = arguments
  process.currentDirectoryURL = repositoryRoot
  let out = Pipe(), err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let stdout = out.fileHandleForReading.readDataToEndOfFile()
  let stderr = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return RunResult(
    status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
    stderr: String(decoding: stderr, as: UTF8.self))
}

struct CLITestError: Error, CustomStringConvertible {
  let description: String
  init(_ d: String) { description = d }
}


@Suite("replenish CLI: parsing")
struct ParseTests {
  @Test("inspect parses its flags")
  func parsesInspect() throws {
    let command = try Replenish.parseAsRoot([
      "inspect", "--history", "a.csv", "--freq", "week", "--columns", "sku=StockCode,date=InvoiceDate,qty=Quantity",
      "--on-error", "skip", "--format", "json", "--per-sku", "--top", "5",
    ])
    let inspect = try #require(command as? InspectCommand)
    #expect(inspect.input.history == "a.csv")
    #expect(inspect.input.freq == .week)
    #expect(inspect.input.onError == .skip)
    #expect(inspect.format == .json)
    #expect(inspect.perSKU && inspect.top == 5)
  }

  @Test("Bad flag values are refused with what is accepted")
  func rejectsBadFlags() {
    #expect(throws: (any Error).self) { try Replenish.parseAsRoot(["inspect", "--history", "a.csv", "--freq", "fortnight"]) }
    #expect(throws: (any Error).self) { try Replenish.parseAsRoot(["inspect", "--history", "a.csv", "--delimiter", ";;"]) }
    #expect(throws: (any Error).self) { try Replenish.parseAsRoot(["inspect", "--history", "a.csv", "--top", "-1"]) }
    #expect(throws: (any Error).self) { try Replenish.parseAsRoot(["inspect"]) }
  }
}

@Suite("replenish CLI: end to end")
struct EndToEndTests {
  @Test("--help lists the commands")
  func help() throws {
    let result = try run(["--help"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("inspect"))
  }

  /// Every sales history in notebooks-data, with the flags it needs.
  static let histories: [[String]] = [
    ["notebooks-data/online_retail_weekly_sku.csv", "--freq", "week"],
    ["notebooks-data/online_retail_transactions_2010-12.csv", "--freq", "week", "--columns",
     "sku=StockCode,date=InvoiceDate,qty=Quantity,price=UnitPrice"],
    ["notebooks-data/carparts.csv", "--freq", "month"],
    ["notebooks-data/m5_foods3_ca1_10items.csv", "--freq", "day"],
  ]

  @Test("inspect reads every sales history in notebooks-data", arguments: histories)
  func inspectsNotebooksData(arguments: [String]) throws {
    let result = try run(["inspect", "--history"] + arguments + ["--format", "json"])
    #expect(result.status == 0, "\(result.stderr)")
    let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    #expect((json["rowsSkipped"] as! Int) == 0)
    #expect((json["rows"] as! Int) > 10_000)
  }

  @Test("Figures on the Online Retail weekly data match its provenance notes (3,907 SKUs, 44.1 % zero weeks)")
  func onlineRetailFigures() throws {
    let result = try run(["inspect", "--history", "notebooks-data/online_retail_weekly_sku.csv", "--freq", "week", "--format", "json"])
    let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    #expect(json["skus"] as? Int == 3_907)
    #expect(json["rows"] as? Int == 181_376)
    #expect(abs((json["zeroShare"] as! Double) - 0.441) < 0.0005)
  }

  @Test("Structural errors exit 65 with the located message on stderr")
  func structuralError() throws {
    let path = temporaryFile("sku;date;qty\nA;2024-01-01;1\n")
    let result = try run(["inspect", "--history", path])
    #expect(result.status == 65)
    #expect(result.stderr.contains("\(path):1: the header has one column; the file seems to be separated by ';'"))
    #expect(result.stdout.isEmpty)
  }

  @Test("Bad rows are all listed; exit 65 by default, 0 with --on-error skip")
  func badRows() throws {
    let path = temporaryFile("sku,date,qty\nA,2024-01-01,1\nA,2024-01-02,NaN\nA,13/01/2024,2\nA,2024-01-04,3\n")
    let failing = try run(["inspect", "--history", path])
    #expect(failing.status == 65)
    #expect(failing.stdout.contains("\(path):3:3: quantity: number is not finite"))
    #expect(failing.stdout.contains("\(path):4:2: date is not ISO-8601"))
    #expect(failing.stderr.contains("2 bad rows"))
    let skipping = try run(["inspect", "--history", path, "--on-error", "skip"])
    #expect(skipping.status == 0)
    #expect(skipping.stdout.contains("2 bad"))
  }

  @Test("Every bad-input case of the catalogue exits non-zero through the CLI", arguments: [
    ("", "file is empty"),
    ("A,2024-01-01,3\n", "looks like data"),
    ("sku,date,qty,qty\nA,2024-01-01,3,3\n", "twice"),
    ("sku\tdate\tqty\nA\t2024-01-01\t3\n", "separated by tab"),
    ("sku,date,qty\nA,2024-01-01,NaN\n", "not finite"),
    ("sku,date,qty\nA,2024-01-01,1,000\n", "thousands separator"),
    ("sku,date,qty\nA,2024-01-01,\"1,000\"\n", "thousands separator"),
    ("sku,date,qty\nA,2024-01", "truncated"),
    ("sku,date,qty\nA,2024-02-30,1\n", "no such calendar date"),
    ("sku,date,qty\n\"A,2024-01-01,1\n", "never closed"),
    ("sku,date,qty\n\"A\nB\",2024-01-01,1\n", "line break"),
  ])
  func catalogue(input: String, fragment: String) throws {
    let result = try run(["inspect", "--history", temporaryFile(input)])
    #expect(result.status == 65)
    #expect((result.stdout + result.stderr).contains(fragment), "\(result.stdout)\(result.stderr)")
  }

  @Test("Non-UTF-8 bytes through the CLI")
  func nonUTF8() throws {
    let path = temporaryFile(Array("sku,date,qty\n".utf8) + [0xC3, 0x28] + Array(",2024-01-01,1\n".utf8))
    let result = try run(["inspect", "--history", path])
    #expect(result.status == 65)
    #expect(result.stdout.contains("not valid UTF-8"))
  }

  @Test("Wrong flags exit 64 (usage)")
  func usage() throws {
    #expect(try run(["inspect", "--history", "x.csv", "--freq", "fortnight"]).status == 64)
  }

  @Test("A missing file exits 65 naming it")
  func missingFile() throws {
    let result = try run(["inspect", "--history", "/nonexistent/sales.csv"])
    #expect(result.status == 65)
    #expect(result.stderr.contains("/nonexistent/sales.csv: cannot read file: No such file or directory"))
  }
}
