/// Which SQL a connection speaks. The ledger's statements are written once in the subset SQLite and
/// PostgreSQL share (`?` placeholders, `ON CONFLICT`, `RETURNING`, `COALESCE`, `CASE`, savepoints); the few
/// places where the two differ ask the dialect.
public enum SQLDialect: Sendable {
  case sqlite, postgres

  /// A JSON object's member as text (`payload->>'key'`).
  func jsonText(_ column: String, _ key: String) -> String {
    switch self {
    case .sqlite: "json_extract(\(column), '$.\(key)')"
    case .postgres: "(\(column)::jsonb ->> '\(key)')"
    }
  }

  /// The 1-based position of `needle` in `haystack`, 0 when absent (both SQL text expressions).
  func position(of needle: String, in haystack: String) -> String {
    switch self {
    case .sqlite: "instr(\(haystack), \(needle))"
    case .postgres: "strpos(\(haystack), \(needle))"
    }
  }

  /// A JSON object's member as an integer.
  func jsonInteger(_ column: String, _ key: String) -> String {
    switch self {
    case .sqlite: "json_extract(\(column), '$.\(key)')"
    case .postgres: "(\(column)::jsonb ->> '\(key)')::bigint"
    }
  }
}

/// One connection inside a transaction the store opened (`LedgerStore.write` / `read`). Implemented over
/// GRDB for SQLite (`SQLiteConnection`) and over postgres-nio for PostgreSQL (`PostgresLedgerConnection`);
/// every ledger operation is written against this protocol only.
protocol SQLConnection: AnyObject {
  var dialect: SQLDialect { get }
  /// Runs a statement; returns the number of rows it inserted, updated or deleted.
  @discardableResult
  func execute(sql: String, arguments: [any SQLBindable]) throws -> Int
  /// Runs a query and returns its rows.
  func rows(sql: String, arguments: [any SQLBindable]) throws -> [SQLRow]
  /// Runs a query and returns its first row only (the rest are not read).
  func firstRow(sql: String, arguments: [any SQLBindable]) throws -> SQLRow?
  /// Runs an `INSERT` and returns the key `idColumn` of the row it added (SQLite: its row id; PostgreSQL:
  /// `RETURNING idColumn`).
  func insert(sql: String, arguments: [any SQLBindable], returning idColumn: String) throws -> Int64
  /// Runs an `INSERT … ON CONFLICT DO NOTHING` and returns the key `idColumn` of the row it added, or nil
  /// when a conflicting row was there and nothing was added.
  func insertIfAbsent(sql: String, arguments: [any SQLBindable], returning idColumn: String) throws -> Int64?
}

extension SQLConnection {
  /// `execute`, for the statements every event runs (SQLite prepares every statement once per connection).
  @discardableResult
  func cached(_ sql: String, arguments: [any SQLBindable] = []) throws -> Int {
    try execute(sql: sql, arguments: arguments)
  }

  @discardableResult
  func execute(sql: String) throws -> Int { try execute(sql: sql, arguments: []) }

  func cachedInt(_ sql: String, arguments: [any SQLBindable] = []) throws -> Int? {
    try Int?.fetchOne(self, sql: sql, arguments: arguments) ?? nil
  }

  func cachedBool(_ sql: String, arguments: [any SQLBindable] = []) throws -> Bool? {
    try Bool?.fetchOne(self, sql: sql, arguments: arguments) ?? nil
  }

  /// Runs `body` in a savepoint named `name` (inside the transaction the store opened): kept when it
  /// returns `.commit`, rolled back when it returns `.rollback` or throws (the error is rethrown).
  func savepoint(_ name: StaticString, _ body: () throws -> SavepointCompletion) throws {
    try execute(sql: "SAVEPOINT \(name)", arguments: [])
    let completion: SavepointCompletion
    do {
      completion = try body()
    } catch {
      try execute(sql: "ROLLBACK TO SAVEPOINT \(name)", arguments: [])
      try execute(sql: "RELEASE SAVEPOINT \(name)", arguments: [])
      throw error
    }
    if completion == .rollback { try execute(sql: "ROLLBACK TO SAVEPOINT \(name)", arguments: []) }
    try execute(sql: "RELEASE SAVEPOINT \(name)", arguments: [])
  }
}

/// What a savepoint's body asks for.
enum SavepointCompletion { case commit, rollback }

extension SQLRow {
  static func fetchAll(_ db: some SQLConnection, sql: String, arguments: [any SQLBindable] = []) throws -> [SQLRow] {
    try db.rows(sql: sql, arguments: arguments)
  }
  static func fetchOne(_ db: some SQLConnection, sql: String, arguments: [any SQLBindable] = []) throws -> SQLRow? {
    try db.firstRow(sql: sql, arguments: arguments)
  }
}

extension SQLDecodable {
  /// The first column of the first row, or nil when there is no row.
  static func fetchOne(_ db: some SQLConnection, sql: String, arguments: [any SQLBindable] = []) throws -> Self? {
    guard let row = try db.firstRow(sql: sql, arguments: arguments) else { return nil }
    return row[0] as Self
  }
  /// The first column of every row.
  static func fetchAll(_ db: some SQLConnection, sql: String, arguments: [any SQLBindable] = []) throws -> [Self] {
    try db.rows(sql: sql, arguments: arguments).map { $0[0] as Self }
  }
}

/// A table's row type, read from a result row.
protocol SQLRecord {
  init(row: SQLRow) throws
}

extension SQLRecord {
  static func fetchAll(_ db: some SQLConnection, sql: String, arguments: [any SQLBindable] = []) throws -> [Self] {
    try db.rows(sql: sql, arguments: arguments).map { try Self(row: $0) }
  }
  static func fetchOne(_ db: some SQLConnection, sql: String, arguments: [any SQLBindable] = []) throws -> Self? {
    try db.firstRow(sql: sql, arguments: arguments).map { try Self(row: $0) }
  }
}
