/// The values the ledger binds to and reads from its statements, the same on every backend: SQLite keeps
/// them as its storage classes, PostgreSQL as `bigint`, `double precision` and `text` (the ledger stores
/// quantities and money as integers; flags as 0 / 1).
public enum SQLValue: Sendable, Equatable {
  /// A NULL of a column type (PostgreSQL infers a parameter's type from the value bound, so even a NULL
  /// carries one).
  case null(SQLType)
  case integer(Int64)
  case real(Double)
  case text(String)
}

/// The column types the ledger uses.
public enum SQLType: Sendable, Equatable {
  case integer, real, text
}

/// A Swift value that binds as a statement argument.
public protocol SQLBindable {
  static var sqlType: SQLType { get }
  var sqlValue: SQLValue { get }
}

/// A Swift value read from a result column.
public protocol SQLDecodable {
  /// The value, or nil when the stored one does not convert (a NULL into a non-optional, text into a number).
  static func decode(_ value: SQLValue) -> Self?
}

extension Int: SQLBindable, SQLDecodable {
  public static var sqlType: SQLType { .integer }
  public var sqlValue: SQLValue { .integer(Int64(self)) }
  public static func decode(_ value: SQLValue) -> Int? { Int64.decode(value).map(Int.init) }
}

extension Int64: SQLBindable, SQLDecodable {
  public static var sqlType: SQLType { .integer }
  public var sqlValue: SQLValue { .integer(self) }
  public static func decode(_ value: SQLValue) -> Int64? {
    switch value {
    case .integer(let v): v
    case .real(let d): d.rounded() == d && abs(d) < 9.2e18 ? Int64(d) : nil
    case .text, .null: nil
    }
  }
}

extension Bool: SQLBindable, SQLDecodable {
  public static var sqlType: SQLType { .integer }
  public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
  public static func decode(_ value: SQLValue) -> Bool? { Int64.decode(value).map { $0 != 0 } }
}

extension Double: SQLBindable, SQLDecodable {
  public static var sqlType: SQLType { .real }
  public var sqlValue: SQLValue { .real(self) }
  public static func decode(_ value: SQLValue) -> Double? {
    switch value {
    case .integer(let v): Double(v)
    case .real(let d): d
    case .text, .null: nil
    }
  }
}

extension String: SQLBindable, SQLDecodable {
  public static var sqlType: SQLType { .text }
  public var sqlValue: SQLValue { .text(self) }
  public static func decode(_ value: SQLValue) -> String? {
    if case .text(let s) = value { return s }
    return nil
  }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
  public static var sqlType: SQLType { Wrapped.sqlType }
  public var sqlValue: SQLValue { self?.sqlValue ?? .null(Wrapped.sqlType) }
}

extension Optional: SQLDecodable where Wrapped: SQLDecodable {
  public static func decode(_ value: SQLValue) -> Wrapped?? {
    if case .null = value { return .some(nil) }
    return Wrapped.decode(value).map { .some($0) }
  }
}

/// An enum stored as its raw text (buckets, flows, statuses, event kinds).
public protocol SQLTextEnum: SQLBindable, SQLDecodable, RawRepresentable where RawValue == String {}

extension SQLTextEnum {
  public static var sqlType: SQLType { .text }
  public var sqlValue: SQLValue { .text(rawValue) }
  public static func decode(_ value: SQLValue) -> Self? { String.decode(value).flatMap(Self.init(rawValue:)) }
}

/// The column names of one result, shared by its rows. Found by a linear search: results have at most a
/// dozen columns, and a dictionary built for every query cost more than every lookup it saved.
final class SQLColumns: Sendable {
  let names: [String]
  init(_ names: [String]) { self.names = names }
  func index(_ name: String) -> Int? { names.firstIndex(of: name) }
}

/// One result row. Reading a column as a type it does not convert to is a programming error (the schema
/// fixes every column's type), and stops with the column and value named, as GRDB's rows do.
public struct SQLRow: Sendable {
  let columns: SQLColumns
  public let values: [SQLValue]

  init(columns: SQLColumns, values: [SQLValue]) {
    self.columns = columns
    self.values = values
  }

  public subscript<T: SQLDecodable>(_ i: Int) -> T {
    guard let v = T.decode(values[i]) else { preconditionFailure("column \(columns.names[i]): \(values[i]) is not a \(T.self)") }
    return v
  }

  public subscript<T: SQLDecodable>(_ name: String) -> T {
    guard let i = columns.index(name) else { preconditionFailure("no column \(name) in \(columns.names)") }
    return self[i]
  }
}
