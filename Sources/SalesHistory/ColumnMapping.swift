import CSV
/// The roles a column of a sales history can play.
public enum SalesColumn: String, CaseIterable, Sendable, Codable {
  case sku, date, qty, location, price, channel, inStock = "in_stock"

  /// Header names recognised without a mapping (compared case-insensitively). `unique_id`, `ds`, `y`
  /// read statsforecast-style files as they are.
  public var automaticNames: [String] {
    switch self {
    case .sku: return ["sku", "unique_id", "item_id"]
    case .date: return ["date", "ds"]
    case .qty: return ["qty", "y", "quantity", "units"]
    case .location: return ["location", "store_id", "warehouse"]
    case .price: return ["price", "sell_price", "unit_price"]
    case .channel: return ["channel"]
    case .inStock: return ["in_stock"]
    }
  }

  public var isRequired: Bool { self == .sku || self == .date || self == .qty }
}

/// Explicit header names for some roles, as given by `--columns sku=StockCode,date=InvoiceDate,qty=Quantity`.
/// Roles not named are recognised automatically.
public struct ColumnMapping: Sendable, Equatable {
  public var names: [SalesColumn: String]

  public init(_ names: [SalesColumn: String] = [:]) { self.names = names }

  /// Parses `role=Header,role=Header`.
  /// - Throws: `CSVError` of kind `.badColumnMapping` naming the bad part.
  public init(parsing text: String) throws(CSVError) {
    var names: [SalesColumn: String] = [:]
    let accepted = SalesColumn.allCases.map(\.rawValue).joined(separator: ", ")
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
      let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      guard pieces.count == 2, !pieces[1].isEmpty else {
        throw CSVError(
          .badColumnMapping, file: "--columns", value: String(part), problem: "mapping entry is not role=Header",
          expected: "comma-separated role=Header pairs, e.g. sku=StockCode,date=InvoiceDate,qty=Quantity")
      }
      guard let role = SalesColumn(rawValue: String(pieces[0]).lowercased()) else {
        throw CSVError(
          .badColumnMapping, file: "--columns", value: String(pieces[0]), problem: "unknown column role",
          expected: "one of \(accepted)")
      }
      guard names[role] == nil else {
        throw CSVError(
          .badColumnMapping, file: "--columns", value: String(part), problem: "role '\(role.rawValue)' is mapped twice",
          expected: "each role at most once")
      }
      names[role] = String(pieces[1])
    }
    self.names = names
  }
}

/// Which header column (0-based) serves each role, after applying a mapping to a header.
public struct ResolvedColumns: Sendable, Equatable {
  public let header: [String]
  public let indices: [SalesColumn: Int]

  public func index(_ role: SalesColumn) -> Int? { indices[role] }
  public func name(_ role: SalesColumn) -> String? { indices[role].map { header[$0] } }

  /// Header columns that no role uses.
  public var ignored: [String] {
    let used = Set(indices.values)
    return header.indices.filter { !used.contains($0) }.map { header[$0] }
  }

  /// Resolves roles against a header, or explains precisely why it cannot.
  static func resolve(header: [String], mapping: ColumnMapping, file: String, delimiter: UInt8) throws(CSVError)
    -> ResolvedColumns
  {
    // Duplicate header names make every by-name lookup ambiguous.
    var firstPosition: [String: Int] = [:]
    for (i, name) in header.enumerated() {
      if let earlier = firstPosition[name] {
        throw CSVError(
          .duplicateColumn, file: file, line: 1, column: i + 1, value: name,
          problem: "header names column '\(name)' twice (columns \(earlier + 1) and \(i + 1))",
          expected: "unique column names")
      }
      firstPosition[name] = i
    }
    var indices: [SalesColumn: Int] = [:]
    for role in SalesColumn.allCases {
      if let wanted = mapping.names[role] {
        if let i = header.firstIndex(of: wanted) ?? uniqueCaseInsensitive(wanted, in: header) {
          indices[role] = i
        } else {
          throw CSVError(
            .missingColumn, file: file, line: 1, value: wanted,
            problem: "--columns maps \(role.rawValue) to '\(wanted)', which is not in the header",
            expected: "one of the header's columns: \(header.joined(separator: ", "))")
        }
        continue
      }
      let matches = header.indices.filter { role.automaticNames.contains(header[$0].lowercased()) }
      if matches.count > 1 {
        throw CSVError(
          .ambiguousColumn, file: file, line: 1,
          value: matches.map { header[$0] }.joined(separator: ", "),
          problem: "several columns could be the \(role.rawValue) column",
          expected: "an explicit choice, e.g. --columns \(role.rawValue)=\(header[matches[0]])")
      }
      if let i = matches.first { indices[role] = i }
    }
    // A column claimed twice (e.g. --columns qty=y while y is also auto-detected as something else).
    var owner: [Int: SalesColumn] = [:]
    for role in SalesColumn.allCases {
      guard let i = indices[role] else { continue }
      if let other = owner[i] {
        throw CSVError(
          .badColumnMapping, file: file, line: 1, value: header[i],
          problem: "column '\(header[i])' is used as both \(other.rawValue) and \(role.rawValue)",
          expected: "one role per column")
      }
      owner[i] = role
    }
    let missing = SalesColumn.allCases.filter { $0.isRequired && indices[$0] == nil }
    if !missing.isEmpty {
      throw diagnoseMissing(missing, header: header, file: file, delimiter: delimiter)
    }
    return ResolvedColumns(header: header, indices: indices)
  }

  private static func uniqueCaseInsensitive(_ name: String, in header: [String]) -> Int? {
    let matches = header.indices.filter { header[$0].lowercased() == name.lowercased() }
    return matches.count == 1 ? matches[0] : nil
  }

  /// Tells a wrong delimiter, a missing header row and plainly missing columns apart.
  private static func diagnoseMissing(_ missing: [SalesColumn], header: [String], file: String, delimiter: UInt8)
    -> CSVError
  {
    let delimiterName = delimiter == UInt8(ascii: ",") ? "','" : "'\(Character(Unicode.Scalar(delimiter)))'"
    if header.count == 1 {
      for (candidate, name) in [(";", "';'"), ("\t", "tab"), ("|", "'|'"), (",", "','")]
      where String(Unicode.Scalar(delimiter)) != candidate && header[0].contains(candidate) {
        return CSVError(
          .wrongDelimiter, file: file, line: 1, value: header[0],
          problem: "the header has one column; the file seems to be separated by \(name), not \(delimiterName)",
          expected: "comma-separated values (or pass --delimiter)")
      }
    }
    if header.contains(where: { looksLikeData($0) }) {
      return CSVError(
        .noHeader, file: file, line: 1, value: header.joined(separator: ","),
        problem: "the first line looks like data, not a header",
        expected: "a header row naming the columns, e.g. sku,date,qty")
    }
    let names = missing.map { role in "\(role.rawValue) (\(role.automaticNames.joined(separator: "/")))" }
    return CSVError(
      .missingColumn, file: file, line: 1, value: header.joined(separator: ","),
      problem: "required column\(missing.count > 1 ? "s" : "") missing: \(names.joined(separator: ", "))",
      expected: "a header with sku, date and qty columns, or --columns sku=…,date=…,qty=…")
  }

  private static func looksLikeData(_ field: String) -> Bool {
    let bytes = Array(field.utf8)
    if !bytes.isEmpty, bytes.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 45 }) { return true }
    return bytes.withUnsafeBytes { FieldParser.parseDay($0) != nil }
  }
}
