import Foundation
import GRDB

/// The perpetual inventory ledger, on one SQLite file (embedded, the default) or on a PostgreSQL server
/// (`postgres://…`, for several servers on one stock truth).
///
/// Design (docs/RELIABILITY.md): append-only `movements` plus cached `positions`
/// per (SKU, location) with one column per bucket; every event is one transaction (SQLite: `BEGIN
/// IMMEDIATE`; PostgreSQL: `READ COMMITTED` with the SKU's row locked, see `PostgresLedgerDatabase`) holding its idempotency row, its
/// movements and its balance updates. No-oversell is enforced twice: a guarded `UPDATE … WHERE sellable -
/// committed >= ?` and a table `CHECK (committed <= sellable)`. SQLite: WAL journal, `synchronous=NORMAL`
/// (an acknowledged event survives a process kill; an OS crash may lose the last transactions but never
/// half-applies one).
public final class LedgerStore: Sendable {
  /// The SQLite file, or the PostgreSQL URL without its password.
  public let path: String
  let backend: Backend

  enum Backend: Sendable {
    case sqlite(DatabasePool)
    case postgres(PostgresLedgerDatabase)
  }

  /// Whether this ledger is a PostgreSQL database.
  public var isPostgres: Bool {
    if case .postgres = backend { return true }
    return false
  }

  /// How many write transactions are worth running at once: 1 on SQLite (one writer at a time; group
  /// commit makes one transaction carry many requests), the connection pool's size on PostgreSQL (row
  /// locks serialize only the transactions that touch one SKU).
  public var concurrentWriters: Int {
    switch backend {
    case .sqlite: 1
    case .postgres(let database): database.location.poolSize
    }
  }

  /// The number of schema migrations this build knows (`LedgerSchema`).
  public static let schemaVersion = LedgerSchema.migrations.count
  /// Milliseconds since 1970 UTC: the time events without one are recorded at, and the "now" that
  /// future-dated events are checked against. Injectable for tests.
  let clock: @Sendable () -> Int64

  /// Opens (creating when asked) the ledger at `path`; `readOnly` for queries (works on a file the process
  /// may not write, and never takes the write lock).
  /// `path` is a SQLite file or a `postgres://` URL (`PostgresLocation`).
  public init(path: String, create: Bool = false, readOnly: Bool = false, clock: @escaping @Sendable () -> Int64 = currentMillis) throws {
    self.clock = clock
    if PostgresLocation.isURL(path) {
      let location = try PostgresLocation(url: path)
      self.path = location.redacted
      let database = try PostgresLedgerDatabase(location: location)
      try PostgresSchema.open(database, create: create, readOnly: readOnly)
      backend = .postgres(database)
      return
    }
    if let problem = PostgresLocation.misreadURL(path) { throw LedgerError(.invalidConfiguration, problem) }
    self.path = path
    if !create && !FileManager.default.fileExists(atPath: path) {
      throw LedgerError(.notALedger, "\(path): no ledger here; create one with `replenish ledger init --db \(path)`")
    }
    if create && !FileManager.default.fileExists(atPath: path) {
      let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
      var isFolder: ObjCBool = false
      guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
        throw LedgerError(.cannotWrite, "\(path): cannot create the ledger: the folder \(folder) does not exist")
      }
      guard FileManager.default.isWritableFile(atPath: folder) else {
        throw LedgerError(.cannotWrite, "\(path): cannot create the ledger: the folder \(folder) is not writable")
      }
    }
    var configuration = Configuration()
    configuration.readonly = readOnly && !create
    // Waiting for the write lock polls every millisecond (SQLite's own busy timeout backs off to 100 ms
    // sleeps, and so misses the short gaps a batched import leaves between its commits), then every 5 ms,
    // about 10 s in all before `write` retries.
    configuration.busyMode = .callback { tries in
      usleep(tries < 2_000 ? 1_000 : 5_000)
      return tries < 3_600
    }
    if !configuration.readonly {
      configuration.prepareDatabase { db in
        try db.execute(sql: "PRAGMA synchronous = NORMAL")
        // Statement and savepoint journals in memory, not in temp files: the server's group commit opens a
        // savepoint per request, and on disk each first change of a page under it was one more write.
        try db.execute(sql: "PRAGMA temp_store = MEMORY")
        // A page cache of up to 32 MiB per connection (SQLite's default is 2 MiB) keeps the positions, SKUs
        // and their indexes of a large catalogue in memory.
        try db.execute(sql: "PRAGMA cache_size = -32768")
      }
    }
    let createdHere = create && !FileManager.default.fileExists(atPath: path)
    do {
      backend = .sqlite(try Self.open(path: path, configuration: configuration, create: create))
    } catch {
      // A ledger that could not be created leaves no empty file behind (a full disk, a bad folder).
      if createdHere { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
      throw error
    }
  }

  /// Opens the pool, creating or migrating the schema for writers and checking it for everyone.
  private static func open(path: String, configuration: Configuration, create: Bool) throws -> DatabasePool {
    let pool: DatabasePool
    do {
      pool = try DatabasePool(path: path, configuration: configuration)
    } catch {
      throw LedgerError(.cannotWrite, "\(path): cannot open as SQLite (\(error))")
    }
    do {
      let check = { (db: Database) throws in
        guard try db.tableExists("positions"), try db.tableExists("events") else {
          throw LedgerError(.notALedger, "\(path): not a Replenish ledger (tables missing); run `replenish ledger init`")
        }
      }
      let migrator = LedgerSchema.migrator
      if configuration.readonly {
        try pool.read { db in
          try check(db)
          if try migrator.hasBeenSuperseded(db) { throw LedgerError(.notALedger, "\(path): made by a newer Replenish (schema migrations this build does not know)") }
        }
      } else {
        // Reads first: an up-to-date ledger is opened without taking the write lock.
        let complete = try pool.read { db -> Bool in
          if !create { try check(db) }
          if try migrator.hasBeenSuperseded(db) { throw LedgerError(.notALedger, "\(path): made by a newer Replenish (schema migrations this build does not know)") }
          return try migrator.hasCompletedMigrations(db)
        }
        if !complete {
          try migrator.migrate(pool)
          try pool.read(check)
        }
      }
    } catch let error as LedgerError {
      throw error
    } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
      throw LedgerError(.busy, "\(path): the ledger stayed locked by another writer; try again")
    } catch let error as DatabaseError where error.resultCode == .SQLITE_READONLY || error.resultCode == .SQLITE_CANTOPEN || error.resultCode == .SQLITE_FULL {
      throw LedgerError(.cannotWrite, "\(path): cannot write the ledger (\(error.message ?? "\(error.resultCode)"))")
    } catch {
      throw LedgerError(.notALedger, "\(path): not a Replenish ledger (\(error))")
    }
    return pool
  }

  // MARK: - Master data

  /// Adds or updates locations (with an optional region / location group).
  public func defineLocations(_ locations: [(location: String, region: String)]) throws {
    try write { db in
      for (location, region) in locations {
        try Self.validateName(location, what: "location")
        try db.execute(sql: "INSERT INTO locations VALUES (?, ?) ON CONFLICT(location) DO UPDATE SET region = excluded.region",
                       arguments: [location, region])
      }
    }
  }

  /// Adds or updates SKUs.
  public func defineSKUs(_ skus: [(sku: String, allowBackorder: Bool)]) throws {
    try write { db in
      for (sku, backorder) in skus {
        try Self.validateName(sku, what: "SKU")
        try db.execute(sql: "INSERT INTO skus (sku, allow_backorder) VALUES (?, ?) ON CONFLICT(sku) DO UPDATE SET allow_backorder = excluded.allow_backorder",
                       arguments: [sku, backorder ? 1 : 0])
      }
    }
  }

  /// Defines kits (bundles) from (kit, component, quantity per kit). Components must be known SKUs and
  /// not kits themselves (nesting is refused, which also rules out cycles); a kit cannot hold stock of
  /// its own, so it must have no positions yet. All definitions are applied together or not at all.
  public func defineKits(_ rows: [(kit: String, component: String, qty: Int)]) throws {
    try write { db in
      var components: [String: [String]] = [:]
      for row in rows {
        guard row.qty > 0 else { throw LedgerError(.invalidKit, "kit \(row.kit): component \(row.component) quantity \(row.qty); expected ≥ 1") }
        guard row.kit != row.component else { throw LedgerError(.invalidKit, "kit \(row.kit) lists itself as a component (a cycle)") }
        components[row.kit, default: []].append(row.component)
      }
      for (kit, parts) in components {
        for part in parts {
          let partIsKit = try Bool.fetchOne(db, sql: "SELECT is_kit FROM skus WHERE sku = ?", arguments: [part]) ?? false
          if components[part] != nil || partIsKit {
            let cycle = components[part]?.contains(kit) ?? false
            throw LedgerError(.invalidKit, cycle ? "kits \(kit) and \(part) contain each other (a cycle)"
                              : "kit \(kit): component \(part) is itself a kit; nested kits are not supported, list its components")
          }
          guard try Self.skuExists(db, part) else { throw LedgerError(.invalidKit, "kit \(kit): component \(part) is not a known SKU; define it first") }
        }
        try Self.validateName(kit, what: "SKU")
        if try Int.fetchOne(db, sql: "SELECT count(*) FROM positions WHERE sku = ? AND (sellable + inbound + in_transit + quarantine + damaged) > 0", arguments: [kit])! > 0 {
          throw LedgerError(.invalidKit, "kit \(kit) already holds stock of its own; a kit's availability comes from its components")
        }
        try db.execute(sql: "INSERT INTO skus (sku, is_kit) VALUES (?, 1) ON CONFLICT(sku) DO UPDATE SET is_kit = 1", arguments: [kit])
        try db.execute(sql: "DELETE FROM kit_components WHERE kit = ?", arguments: [kit])
      }
      for row in rows {
        try db.execute(sql: "INSERT INTO kit_components VALUES (?, ?, ?)", arguments: [row.kit, row.component, row.qty])
      }
    }
  }

  static func validateName(_ name: String, what: String) throws {
    guard !name.isEmpty, name.utf8.count <= 255,
      !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
    else {
      throw LedgerError(.invalidMasterData, "\(what) \"\(LedgerText.excerpt(name))\": expected 1–255 bytes of text without control characters")
    }
  }

  static func skuExists(_ db: any SQLConnection, _ sku: String) throws -> Bool {
    try db.cachedBool("SELECT 1 FROM skus WHERE sku = ?", arguments: [sku]) ?? false
  }

  // MARK: - Transactions

  /// Runs `body` in one `BEGIN IMMEDIATE` transaction, retrying SQLITE_BUSY a bounded number of times
  /// with jitter (the busy timeout already waits 10 s per attempt), then failing with a clear error.
  func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
    let pool: DatabasePool
    switch backend {
    case .sqlite(let p): pool = p
    case .postgres(let database): return try database.write(body)
    }
    var attempt = 0
    while true {
      do {
        var result: T?
        try pool.writeWithoutTransaction { db in
          try db.inTransaction(.immediate) {
            result = try body(SQLiteConnection(db))
            return .commit
          }
        }
        return result!
      } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
        attempt += 1
        if attempt >= 5 { throw LedgerError(.busy, "\(path): the ledger stayed locked by other writers after \(attempt) attempts; try again") }
        usleep(UInt32.random(in: 1_000...20_000) * UInt32(attempt))
      } catch let error as DatabaseError where ([ResultCode.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN] as [ResultCode]).contains(error.resultCode) {
        throw LedgerError(.cannotWrite, "\(path): cannot write the ledger (\(error.message ?? "SQLite error \(error.resultCode.rawValue)")); nothing was applied")
      }
    }
  }

  func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
    switch backend {
    case .sqlite(let pool): try pool.read { db in try body(SQLiteConnection(db)) }
    case .postgres(let database): try database.read(body)
    }
  }
}
