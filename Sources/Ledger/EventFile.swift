import Foundation
import CSV

/// Reads ledger events from CSV or JSON Lines. A malformed file (bad header, a quantity that is not a
/// whole number, an unknown kind, a bad time …) is refused as a whole with its file:line:column, before
/// anything is applied; events that are well-formed but refused by the ledger (not enough stock …) are
/// the importer's business (per row or all-or-nothing).
///
/// Columns / fields: `key` and `kind` required; `source` (default: the importer's), `at` (ISO 8601),
/// `sku`, `location`, `qty`, `order`, `line`, `po`, `transfer`, `receipt`, `to_location`, `reason`, `unit_cost`,
/// `freight`, `duty`, `fees` (decimal amounts) and `tolerance_percent`.
public enum EventFile {
  public static let columns = [
    "source", "key", "kind", "at", "sku", "location", "qty", "order", "line", "po", "transfer", "receipt", "to_location",
    "reason", "unit_cost", "freight", "duty", "fees", "tolerance_percent",
  ]

  /// An event with the line it came from.
  public struct Entry: Sendable {
    public let line: Int
    public let event: LedgerEvent
  }

  public static func read(path: String, defaultSource: String) throws(CSVError) -> [Entry] {
    if path.hasSuffix(".jsonl") || path.hasSuffix(".ndjson") || path.hasSuffix(".json") {
      return try readJSONLines(path: path, defaultSource: defaultSource)
    }
    let table = try CSVTable.read(path: path, required: ["key", "kind"], known: columns)
    var entries: [Entry] = []
    entries.reserveCapacity(table.rows.count)
    for row in table.rows {
      let fields = Dictionary(uniqueKeysWithValues: columns.compactMap { c in row.text(c).map { (c, $0) } })
      entries.append(Entry(line: row.line, event: try event(fields, file: path, line: row.line, columnOf: { table.header.firstIndex(of: $0).map { $0 + 1 } }, defaultSource: defaultSource)))
    }
    return entries
  }

  static func readJSONLines(path: String, defaultSource: String) throws(CSVError) -> [Entry] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw CSVError(.io, file: path, problem: "cannot read the file", expected: "a readable JSON Lines file")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw CSVError(.invalidText, file: path, problem: "not valid UTF-8", expected: "UTF-8 JSON Lines")
    }
    var entries: [Entry] = []
    var lineNumber = 0
    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
      lineNumber += 1
      var line = rawLine
      if line.hasSuffix("\r") { line = line.dropLast() }
      if lineNumber == 1 && line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
      if line.allSatisfy({ $0 == " " }) { continue }
      // JSONDecoder keeps JSON's types apart (JSONSerialization on Linux bridges the numbers 0 and 1 to Bool).
      guard let object = try? JSONDecoder().decode([String: JSONField].self, from: Data(line.utf8)) else {
        throw CSVError(.invalidText, file: path, line: lineNumber, value: String(line.prefix(60)), problem: "not a JSON object of strings and numbers",
                       expected: "one JSON object per line, each field a string, a number or null")
      }
      var fields: [String: String] = [:]
      for (name, value) in object.sorted(by: { $0.key < $1.key }) {
        guard columns.contains(name) else {
          throw CSVError(.missingColumn, file: path, line: lineNumber, columnName: name, problem: "unknown field", expected: "fields among: \(columns.joined(separator: ", "))")
        }
        switch value {
        case .string(let s): fields[name] = s
        case .integer(let i): fields[name] = String(i)
        // An integral number is written as one (1.0 is the quantity 1); a fraction keeps its decimal form.
        case .number(let d): fields[name] = d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
        case .null: continue
        case .bool(let b):
          throw CSVError(.invalidText, file: path, line: lineNumber, columnName: name, value: "\(b)", problem: "wrong JSON type (a boolean)", expected: "a string or a number")
        }
      }
      entries.append(Entry(line: lineNumber, event: try event(fields, file: path, line: lineNumber, columnOf: { _ in nil }, defaultSource: defaultSource)))
    }
    return entries
  }

  static func event(_ f: [String: String], file: String, line: Int, columnOf: (String) -> Int?, defaultSource: String) throws(CSVError) -> LedgerEvent {
    func fail(_ column: String, _ problem: String, _ expected: String) -> CSVError {
      CSVError(.invalidNumber, file: file, line: line, column: columnOf(column), columnName: column, value: f[column], problem: problem, expected: expected)
    }
    guard let key = f["key"] else { throw fail("key", "missing idempotency key", "a non-empty key per event") }
    guard let kindText = f["kind"], let kind = EventKind(rawValue: kindText) else {
      throw fail("kind", "unknown event kind", "one of \(EventKind.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    var e = LedgerEvent(source: f["source"] ?? defaultSource, key: key, kind: kind)
    if let at = f["at"] {
      guard let ms = LedgerText.time(at) else { throw fail("at", "not an ISO 8601 time", "2026-11-28 or 2026-11-28T10:15:00Z") }
      e.at = ms
    }
    if let q = f["qty"] {
      guard let value = CSVTable.parseInteger(q), value >= 0 else {
        throw fail("qty", "not a whole number of units", "a whole number ≥ 0 in plain digits (the kind gives the direction)")
      }
      e.qty = value
    }
    if let t = f["tolerance_percent"] {
      guard let value = CSVTable.parseInteger(t), (0...100).contains(value) else { throw fail("tolerance_percent", "not a percentage", "a whole number 0–100") }
      e.tolerancePercent = value
    }
    for (column, path) in [("unit_cost", \LedgerEvent.unitCostMicros), ("freight", \.freightMicros), ("duty", \.dutyMicros), ("fees", \.feesMicros)] {
      if let text = f[column] {
        guard let micros = LedgerText.micros(text), micros >= 0 else { throw fail(column, "not a money amount", "a decimal ≥ 0 with at most 6 decimals, no separators (12.34)") }
        e[keyPath: path] = micros
      }
    }
    e.sku = f["sku"]
    e.location = f["location"]
    e.order = f["order"]
    e.line = f["line"]
    e.po = f["po"]
    e.transfer = f["transfer"]
    e.receipt = f["receipt"]
    e.toLocation = f["to_location"]
    e.reason = f["reason"]
    return e
  }
}

/// One field of a JSON Lines event: decoded with JSON's own types, so that `1` is a number and `true` a boolean.
enum JSONField: Decodable {
  case string(String), integer(Int64), number(Double), bool(Bool), null

  init(from decoder: Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() {
      self = .null
    } else if let s = try? c.decode(String.self) {
      self = .string(s)
    } else if let b = try? c.decode(Bool.self) {
      self = .bool(b)
    } else if let i = try? c.decode(Int64.self) {
      self = .integer(i)
    } else {
      self = .number(try c.decode(Double.self))
    }
  }
}
