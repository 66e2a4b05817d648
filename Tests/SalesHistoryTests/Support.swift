import Foundation
import Testing

@testable import SalesHistory
@testable import TimeSeries

/// Writes bytes to a fresh temporary file and returns its path.
func temporaryFile(_ contents: [UInt8], name: String = "history.csv") -> String {
  let directory = FileManager.default.temporaryDirectory.appendingPathComponent("replenish-tests-\(UUID().uuidString)")
  try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  let path = directory.appendingPathComponent(name).path
  FileManager.default.createFile(atPath: path, contents: Data(contents))
  return path
}

func temporaryFile(_ text: String, name: String = "history.csv") -> String {
  temporaryFile(Array(text.utf8), name: name)
}

/// Reads text as a sales history.
func read(_ text: String, _ options: SalesHistoryOptions = SalesHistoryOptions()) throws -> SalesHistory {
  try SalesHistoryReader.read(file: temporaryFile(text), options: options)
}

/// Expects reading to fail with `kind`, and the message to contain every fragment.
func expectError(
  _ contents: [UInt8], _ kind: SalesHistoryError.Kind, _ fragments: [String],
  options: SalesHistoryOptions = SalesHistoryOptions(), sourceLocation: SourceLocation = #_sourceLocation
) {
  let path = temporaryFile(contents)
  do {
    let history = try SalesHistoryReader.read(file: path, options: options)
    Issue.record("expected \(kind) error, read \(history.report.rows) rows", sourceLocation: sourceLocation)
  } catch {
    #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
    let message = "\(error)"
    #expect(message.hasPrefix(path), "message should start with the file: \(message)", sourceLocation: sourceLocation)
    for fragment in fragments {
      #expect(message.contains(fragment), "«\(fragment)» not in: \(message)", sourceLocation: sourceLocation)
    }
  }
}

func expectError(
  _ text: String, _ kind: SalesHistoryError.Kind, _ fragments: [String],
  options: SalesHistoryOptions = SalesHistoryOptions(), sourceLocation: SourceLocation = #_sourceLocation
) {
  expectError(Array(text.utf8), kind, fragments, options: options, sourceLocation: sourceLocation)
}

/// The repository root, found from this file's path (tests read `notebooks-data/`, which is in the repo).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()

func notebooksData(_ name: String) -> String { repositoryRoot.appendingPathComponent("notebooks-data/\(name)").path }

func day(_ text: String) -> Int {
  let parts = text.split(separator: "-").map { Int($0)! }
  return CivilDate(year: parts[0], month: parts[1], day: parts[2])!.dayNumber
}
