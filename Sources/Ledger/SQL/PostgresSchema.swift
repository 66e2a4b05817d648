/// The ledger's schema on PostgreSQL: the same numbered migrations as on SQLite (`LedgerSchema`), recorded
/// in `ledger_migrations`. Opening for writing applies the missing ones in one transaction that holds an
/// exclusive lock on `ledger_migrations`, so that several servers starting at once migrate once.
enum PostgresSchema {
  static func open(_ database: PostgresLedgerDatabase, create: Bool, readOnly: Bool) throws {
    let at = database.location.redacted
    let known = LedgerSchema.migrations.map(\.name)
    let applied: [String]? = try database.read { db in
      guard try String?.fetchOne(db, sql: "SELECT to_regclass('ledger_migrations')::text") ?? nil != nil else { return nil }
      return try String.fetchAll(db, sql: "SELECT identifier FROM ledger_migrations ORDER BY identifier")
    }
    if let applied, let unknown = applied.first(where: { !known.contains($0) }) {
      throw LedgerError(.notALedger, "\(at): made by a newer Replenish (schema migration \(unknown.debugDescription) this build does not know)")
    }
    if applied == nil && !create {
      throw LedgerError(.notALedger, "\(at): no Replenish ledger in this database; create one with `replenish ledger init --db \(at)`")
    }
    if Set(applied ?? []) == Set(known) { return }
    if readOnly {
      throw LedgerError(.notALedger, "\(at): the ledger's schema is older than this build; open it once for writing (any `replenish ledger` command) to migrate it")
    }
    try database.write { db in
      try db.execute(sql: "CREATE TABLE IF NOT EXISTS ledger_migrations (identifier TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
      try db.execute(sql: "LOCK TABLE ledger_migrations IN EXCLUSIVE MODE")
      let done = Set(try String.fetchAll(db, sql: "SELECT identifier FROM ledger_migrations"))
      for m in LedgerSchema.migrations where !done.contains(m.name) {
        for statement in LedgerSchema.postgres(m.sql) { try db.execute(sql: statement) }
        try db.execute(sql: "INSERT INTO ledger_migrations (identifier) VALUES (?)", arguments: [m.name])
      }
    }
  }
}
