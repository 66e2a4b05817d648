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
    let statement = try db.cachedStatement(sql: sql)
    let columns = SQLColumns(statement.columnNames)
    var result: [SQLRow] = []
    let cursor = try Row.fetchCursor(statement, arguments: Self.arguments(arguments))
    while let row = try cursor.next() {
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

  static func arguments(_ values: [any SQLBindable]) -> StatementArguments {
    StatementArguments(values.map { v -> DatabaseValue in
      switch v.sqlValue {
      case .null: .null
      case .integer(let i): i.databaseValue
      case .real(let d): d.databaseValue
      case .text(let s): s.databaseValue
      }
    })
  }
}
