import GRDB

/// `SQLConnection` over a GRDB database connection (SQLite). Statements are prepared once per connection
/// (`cachedStatement`): an event runs a dozen small statements, and compiling each every time cost more
/// than executing it.
final class SQLiteConnection: SQLConnection {
  let db: Database
  var dialect: SQLDialect { .sqlite }

  init(_ db: Database) { self.db = db }

  func execute(sql: String, arguments: [any SQLBindable]) throws -> Int {
    let statement = try db.cachedStatement(sql: sql)
    try statement.execute(arguments: Self.arguments(arguments))
    return db.changesCount
  }

  func rows(sql: String, arguments: [any SQLBindable]) throws -> [SQLRow] {
    try read(sql, arguments, limit: .max)
  }

  func firstRow(sql: String, arguments: [any SQLBindable]) throws -> SQLRow? {
    try read(sql, arguments, limit: 1).first
  }

  func insert(sql: String, arguments: [any SQLBindable], returning idColumn: String) throws -> Int64 {
    try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(arguments))
    return db.lastInsertedRowID
  }

  private func read(_ sql: String, _ arguments: [any SQLBindable], limit: Int) throws -> [SQLRow] {
    let statement = try db.cachedStatement(sql: sql)
    let columns = SQLColumns(statement.columnNames)
    var result: [SQLRow] = []
    let cursor = try Row.fetchCursor(statement, arguments: Self.arguments(arguments))
    while result.count < limit, let row = try cursor.next() {
      var values: [SQLValue] = []
      values.reserveCapacity(row.count)
      for value in row.databaseValues {
        switch value.storage {
        case .null: values.append(.null(.text))
        case .int64(let v): values.append(.integer(v))
        case .double(let d): values.append(.real(d))
        case .string(let s): values.append(.text(s))
        case .blob(let b): values.append(.text(String(decoding: b, as: UTF8.self)))
        }
      }
      result.append(SQLRow(columns: columns, values: values))
    }
    return result
  }

  /// The arguments as GRDB's. Through its sequence-of-optionals initialiser: the one over a sequence of
  /// one concrete type maps with a key path, which Swift instantiated on every call (callgrind, `replenish-bench
  /// ledger`: 30 % of all instructions).
  static func arguments(_ values: [any SQLBindable]) -> StatementArguments {
    StatementArguments(values.map { v -> (any DatabaseValueConvertible)? in
      switch v.sqlValue {
      case .null: nil
      case .integer(let i): i
      case .real(let d): d
      case .text(let s): s
      }
    })
  }
}
