import GRDB
import GRDBSQLite

/// `SQLConnection` over a GRDB database connection (SQLite). Statements are prepared once per connection
/// (`cachedStatement`): an event runs a dozen small statements, and compiling each every time cost more
/// than executing it. Arguments are bound straight to the prepared statement (`sqlite3_bind_*`), and GRDB
/// runs it with its own bookkeeping (transaction state, failed statements leaving its cache): building
/// GRDB's `StatementArguments` from our values went through a generic map GRDB's module could not
/// specialise for us, a quarter of the time of a reservation (perf, `replenish-bench serve-store`).
final class SQLiteConnection: SQLConnection {
  let db: Database
  var dialect: SQLDialect { .sqlite }

  init(_ db: Database) { self.db = db }

  func execute(sql: String, arguments: [any SQLBindable]) throws -> Int {
    try statement(sql, arguments).execute()
    return db.changesCount
  }

  func rows(sql: String, arguments: [any SQLBindable]) throws -> [SQLRow] {
    try read(sql, arguments, limit: .max)
  }

  func firstRow(sql: String, arguments: [any SQLBindable]) throws -> SQLRow? {
    try read(sql, arguments, limit: 1).first
  }

  func insert(sql: String, arguments: [any SQLBindable], returning idColumn: String) throws -> Int64 {
    try statement(sql, arguments).execute()
    return db.lastInsertedRowID
  }

  func insertIfAbsent(sql: String, arguments: [any SQLBindable], returning idColumn: String) throws -> Int64? {
    try statement(sql, arguments).execute()
    return db.changesCount == 0 ? nil : db.lastInsertedRowID
  }

  private func read(_ sql: String, _ arguments: [any SQLBindable], limit: Int) throws -> [SQLRow] {
    let statement = try statement(sql, arguments)
    let columns = SQLColumns(statement.columnNames)
    var result: [SQLRow] = []
    let cursor = try Row.fetchCursor(statement)
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

  /// The cached statement for `sql` with `values` bound to its parameters, in order. GRDB is told its
  /// arguments are set (`setUncheckedArguments` with none: it resets the statement and clears its
  /// bindings), then each value is bound; a count that does not match the statement's is an error, as GRDB's
  /// own validation makes it.
  private func statement(_ sql: String, _ values: [any SQLBindable]) throws -> Statement {
    let statement = try db.cachedStatement(sql: sql)
    statement.setUncheckedArguments(Self.none)
    let handle = statement.sqliteStatement
    let expected = Int(sqlite3_bind_parameter_count(handle))
    guard expected == values.count else {
      throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "wrong number of statement arguments: \(values.count), expected \(expected)", sql: sql)
    }
    for (i, value) in values.enumerated() {
      let index = CInt(i + 1)
      let code: CInt
      switch value.sqlValue {
      case .null: code = sqlite3_bind_null(handle, index)
      case .integer(let v): code = sqlite3_bind_int64(handle, index, v)
      case .real(let d): code = sqlite3_bind_double(handle, index, d)
      case .text(let s): code = sqlite3_bind_text(handle, index, s, CInt(s.utf8.count), Self.transient)
      }
      guard code == SQLITE_OK else {
        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: sql)
      }
    }
    return statement
  }

  private static let none = StatementArguments()
  /// SQLite copies a text bound with this destructor (Swift's C string lives only for the call).
  private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
}
