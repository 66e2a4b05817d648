/// A problem with a sales-history file, located precisely enough to fix it in an editor.
///
/// Rendered as `file:line:column: problem (column 'qty', value "1,000"); expected …`.
public struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
  public enum Kind: String, Sendable, Codable {
    case io, emptyFile, noHeader, wrongDelimiter, missingColumn, duplicateColumn, ambiguousColumn
    case badColumnMapping, fieldCount, truncatedRow, unterminatedQuote, textAfterQuote, recordTooLong
    case invalidText, invalidNumber, invalidDate, invalidFlag
  }

  public let kind: Kind
  public let file: String
  /// 1-based physical line where the record starts (`nil` for whole-file problems).
  public let line: Int?
  /// 1-based field number within the record.
  public let column: Int?
  /// Header name of that column.
  public let columnName: String?
  /// The offending value, with control characters and invalid bytes escaped.
  public let value: String?
  public let problem: String
  /// What would have been accepted.
  public let expected: String

  public init(
    _ kind: Kind, file: String, line: Int? = nil, column: Int? = nil, columnName: String? = nil,
    value: String? = nil, problem: String, expected: String
  ) {
    self.kind = kind
    self.file = file
    self.line = line
    self.column = column
    self.columnName = columnName
    self.value = value.map { CSVError.shorten($0) }
    self.problem = CSVError.shorten(problem, limit: 600)
    self.expected = CSVError.shorten(expected, limit: 600)
  }

  /// A value as messages show it: at most `limit` characters, then "… (N bytes)", so that a 50 MB field
  /// or header is not echoed back whole.
  public static func shorten(_ text: String, limit: Int = 60) -> String {
    guard text.utf8.count > limit, text.count > limit else { return text }
    return String(text.prefix(limit)) + "… (\(text.utf8.count) bytes)"
  }

  public var description: String {
    var location = file
    if let line { location += ":\(line)" }
    if let column { location += ":\(column)" }
    var detail: [String] = []
    if let columnName { detail.append("column '\(columnName)'") }
    if let value { detail.append("value \"\(value)\"") }
    let context = detail.isEmpty ? "" : " (\(detail.joined(separator: ", ")))"
    return "\(location): \(problem)\(context); expected \(expected)"
  }

  /// Renders raw bytes for a message: printable UTF-8 as is, the rest escaped, at most 60 characters.
  package static func display(_ bytes: UnsafeRawBufferPointer) -> String {
    var out = ""
    if let text = String(validating: bytes, as: UTF8.self) {
      for scalar in text.unicodeScalars {
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
          out += "\\u{\(String(scalar.value, radix: 16))}"
        default: out.unicodeScalars.append(scalar)
        }
        if out.count > 60 { return String(out.prefix(60)) + "…" }
      }
      return out
    }
    for byte in bytes {
      if byte >= 0x20 && byte < 0x7F {
        out.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        out += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
      }
      if out.count > 60 { return String(out.prefix(60)) + "…" }
    }
    return out
  }
}
