/// A small CSV table (item master, supplier master, ledger events, classes) read with the same
/// RFC 4180 scanner and the same error messages as the sales-history reader.
///
/// The header is validated against the columns the caller knows: required ones must be present,
/// duplicates are refused, unknown ones are refused too (a misspelt optional column would otherwise be
/// silently ignored). Every row must have exactly as many fields as the header; text must be UTF-8
/// without control characters. Values stay text; typed parsing is `CSVTable.Row`'s job so that its
/// errors can name the line, column and value.
public struct CSVTable: Sendable {
  public struct Row: Sendable {
    public let file: String
    /// Physical line where the record starts (1-based).
    public let line: Int
    let fields: [String]
    let columns: [String: Int]
    let header: [String]

    /// The raw text of `column`, or `nil` when the column is absent from the file or the field is empty.
    public func text(_ column: String) -> String? {
      guard let i = columns[column] else { return nil }
      let value = fields[i]
      return value.isEmpty ? nil : value
    }

    /// An error located at this row and `column`.
    public func error(_ column: String, value: String?, problem: String, expected: String) -> CSVError {
      let i = columns[column]
      return CSVError(
        .invalidNumber, file: file, line: line, column: i.map { $0 + 1 }, columnName: column, value: value,
        problem: problem, expected: expected)
    }

    /// A whole number (`Int64` range), or `nil` when empty. Refuses fractions, separators, spaces,
    /// signs where `minimum` forbids them, and out-of-range values.
    public func integer(_ column: String, minimum: Int = Int.min) throws(CSVError) -> Int? {
      guard let raw = text(column) else { return nil }
      guard let value = CSVTable.parseInteger(raw), value >= minimum else {
        let expectation = minimum == 0 ? "a whole number ≥ 0" : minimum == 1 ? "a whole number ≥ 1" : "a whole number"
        throw error(column, value: raw, problem: "not a valid whole number", expected: expectation + " in plain digits")
      }
      return value
    }

    /// A finite decimal number, or `nil` when empty.
    public func number(_ column: String, range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude,
                       expected: String = "a finite decimal number") throws(CSVError) -> Double? {
      guard let raw = text(column) else { return nil }
      // The sales-history reader's number rules (plain decimals; no separators, hex, NaN or inf).
      var copy = raw
      let parsed = copy.withUTF8 { FieldParser.parseNumber(UnsafeRawBufferPointer($0)) }
      guard case .success(let value) = parsed, value.isFinite, range.contains(value) else {
        throw error(column, value: raw, problem: "not an accepted number", expected: expected)
      }
      return value
    }
  }

  public let file: String
  public let header: [String]
  public let rows: [Row]

  /// Reads `path`. `required` columns must be present; with `known` given, any other column is refused.
  public static func read(path: String, required: [String], known: [String]? = nil) throws(CSVError) -> CSVTable {
    let scanner: CSVScanner
    do { scanner = try CSVScanner(path: path, delimiter: UInt8(ascii: ",")) } catch {
      throw CSVError(.io, file: path, problem: "cannot open the file (\(scanError(error)))", expected: "a readable CSV file")
    }
    func located(_ error: CSVScanner.ScanError) -> CSVError {
      switch error {
      case .io(let m): return CSVError(.io, file: path, problem: "cannot read (\(m))", expected: "a readable CSV file")
      case .unterminatedQuote(let line, let field):
        return CSVError(.unterminatedQuote, file: path, line: line, column: field, problem: "quoted field is never closed", expected: "a closing '\"'")
      case .textAfterQuote(let line, let field):
        return CSVError(.textAfterQuote, file: path, line: line, column: field, problem: "text after a closing quote", expected: "a delimiter or line end after '\"'")
      case .recordTooLong(let line):
        return CSVError(.recordTooLong, file: path, line: line, problem: "record longer than 64 MiB", expected: "shorter records")
      }
    }
    scanner.reserveFields(256)
    var header: [String] = []
    var rows: [Row] = []
    var columns: [String: Int] = [:]
    do {
      guard let first = try scanner.next() else {
        throw CSVError(.emptyFile, file: path, line: 1, problem: "the file is empty", expected: "a header line naming the columns (\(required.joined(separator: ", ")))")
      }
      for i in 0..<min(first.fieldCount, scanner.fields.count) {
        guard let name = scanner.text(scanner.fields[i]) else {
          throw CSVError(.invalidText, file: path, line: 1, column: i + 1, value: CSVError.display(scanner.bytes(scanner.fields[i])), problem: "header is not valid UTF-8", expected: "UTF-8 text")
        }
        header.append(name.trimmingSpaces.lowercased())
      }
      if header.count == 1 && required.count > 1 {
        let only = header[0]
        for (d, label) in [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")] where only.contains(d) {
          throw CSVError(.wrongDelimiter, file: path, line: 1, value: only, problem: "the header is one field; it looks \(label)-delimited", expected: "comma-separated values")
        }
      }
      for (i, name) in header.enumerated() {
        if columns[name] != nil {
          throw CSVError(.duplicateColumn, file: path, line: 1, column: i + 1, columnName: name, problem: "column appears twice", expected: "each column once")
        }
        if let known, !known.contains(name) {
          throw CSVError(.missingColumn, file: path, line: 1, column: i + 1, columnName: name, value: name, problem: "unknown column", expected: "columns among: \(known.joined(separator: ", "))")
        }
        columns[name] = i
      }
      for name in required where columns[name] == nil {
        throw CSVError(.missingColumn, file: path, line: 1, columnName: name, problem: "required column '\(name)' is missing (found: \(header.joined(separator: ", ")))", expected: "a header with \(required.joined(separator: ", "))")
      }
      while let record = try scanner.next() {
        if record.fieldCount == 1 && scanner.fields[0].start == scanner.fields[0].end && !scanner.fields[0].quoted { continue }
        if record.fieldCount != header.count {
          let kind: CSVError.Kind = record.terminated ? .fieldCount : .truncatedRow
          throw CSVError(kind, file: path, line: record.line, column: min(record.fieldCount, header.count + 1), value: nil,
            problem: "row has \(record.fieldCount) fields\(record.terminated ? "" : " and no line end (truncated file?)")",
            expected: "\(header.count) fields as in the header")
        }
        var fields: [String] = []
        fields.reserveCapacity(header.count)
        for i in 0..<record.fieldCount {
          let span = scanner.fields[i]
          guard let value = scanner.text(span) else {
            throw CSVError(.invalidText, file: path, line: record.line, column: i + 1, columnName: header[i], value: CSVError.display(scanner.bytes(span)), problem: "not valid UTF-8", expected: "UTF-8 text")
          }
          if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw CSVError(.invalidText, file: path, line: record.line, column: i + 1, columnName: header[i], value: CSVError.display(scanner.bytes(span)), problem: "control character (line break or tab) inside a field", expected: "text without control characters")
          }
          fields.append(value)
        }
        rows.append(Row(file: path, line: record.line, fields: fields, columns: columns, header: header))
      }
    } catch let error as CSVScanner.ScanError {
      throw located(error)
    } catch let error as CSVError {
      throw error
    } catch {
      throw CSVError(.io, file: path, problem: "\(error)", expected: "a readable CSV file")
    }
    return CSVTable(file: path, header: header, rows: rows)
  }

  private static func scanError(_ e: CSVScanner.ScanError) -> String {
    if case .io(let m) = e { return m }
    return "\(e)"
  }

  /// Plain ASCII digits with an optional leading '-', in `Int` range; anything else is `nil`.
  public static func parseInteger(_ text: String) -> Int? {
    var utf8 = text.utf8[...]
    var negative = false
    if utf8.first == UInt8(ascii: "-") {
      negative = true
      utf8 = utf8.dropFirst()
    }
    guard !utf8.isEmpty, utf8.count <= 19 else { return nil }
    var value = 0
    for b in utf8 {
      guard b >= 0x30 && b <= 0x39 else { return nil }
      let (m, o1) = value.multipliedReportingOverflow(by: 10)
      let (a, o2) = m.addingReportingOverflow(Int(b - 0x30))
      if o1 || o2 { return nil }
      value = a
    }
    return negative ? -value : value
  }
}

/// Quotes a CSV field when it contains a delimiter, quote or line break (RFC 4180); every CSV writer uses it.
public func csvField(_ text: String) -> String {
  guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
  var out = "\""
  for c in text {
    if c == "\"" { out.append("\"") }
    out.append(c)
  }
  return out + "\""
}
