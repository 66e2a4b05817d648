import CSV
import Foundation
import Testing

@testable import SalesHistory
@testable import TimeSeries
@_exported import TestSupport

/// Reads text as a sales history.
func read(_ text: String, _ options: SalesHistoryOptions = SalesHistoryOptions()) throws -> SalesHistory {
  try SalesHistoryReader.read(file: temporaryFile(text), options: options)
}

/// Expects reading to fail with `kind`, and the message to contain every fragment.
func expectError(
  _ contents: [UInt8], _ kind: CSVError.Kind, _ fragments: [String],
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
  _ text: String, _ kind: CSVError.Kind, _ fragments: [String],
  options: SalesHistoryOptions = SalesHistoryOptions(), sourceLocation: SourceLocation = #_sourceLocation
) {
  expectError(Array(text.utf8), kind, fragments, options: options, sourceLocation: sourceLocation)
}

func day(_ text: String) -> Int {
  let parts = text.split(separator: "-").map { Int($0)! }
  return CivilDate(year: parts[0], month: parts[1], day: parts[2])!.dayNumber
}
