import Foundation
import Logging
import PostgresNIO

/// Where a PostgreSQL ledger lives and how to reach it, read from a `postgres://` URL as libpq reads one:
/// `postgres://user:password@host:port/database?sslmode=…`, a Unix socket folder as `?host=/path` (or an
/// empty host: the socket in `/var/run/postgresql`), and whatever the URL leaves out from the `PGHOST`,
/// `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE` and `PGSSLMODE` environment variables. Ours on top:
/// `pool_size` (connections per process, default 8), `statement_timeout` (milliseconds, default 30,000),
/// `connect_timeout` (seconds, default 10) and libpq's `application_name`. The password is never part of
/// `redacted`, the text every message and log shows.
public struct PostgresLocation: Sendable, Equatable {
  public enum SSLMode: String, Sendable, CaseIterable {
    case disable, allow, prefer, require
    case verifyCA = "verify-ca"
    case verifyFull = "verify-full"
  }

  public var host: String?
  public var socketFolder: String?
  public var port: Int
  public var user: String
  public var password: String?
  public var database: String
  public var sslMode: SSLMode
  public var poolSize: Int
  public var statementTimeoutMillis: Int
  public var connectTimeoutSeconds: Int
  /// What the server shows for these connections (`pg_stat_activity`); default `replenish`.
  public var applicationName: String

  /// Whether `text` names a PostgreSQL database rather than a SQLite file.
  public static func isURL(_ text: String) -> Bool {
    text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
  }

  /// Why `text`, which is not a `postgres://` URL, is not taken for a SQLite file either: it looks like a
  /// database URL or connection string (another or misspelt scheme, `Postgres://`, `postgres:/host`,
  /// libpq's `host=… dbname=…`), which would otherwise become a file of that name. nil when it is a path.
  public static func misreadURL(_ text: String) -> String? {
    let lower = text.lowercased()
    let scheme = lower.prefix { $0 != ":" && $0 != "/" }
    let looksLikeURL = lower.contains("://") || ((scheme == "postgres" || scheme == "postgresql" || scheme == "pg") && lower.dropFirst(scheme.count).hasPrefix(":"))
    let keywords = ["host=", "dbname=", "user=", "port="].contains { lower.hasPrefix($0) || lower.contains(" " + $0) }
    guard looksLikeURL || keywords else { return nil }
    // Whatever comes before an @, and a password= value, may be a password: neither is repeated.
    var shown = text
    if let at = text.range(of: "@") {
      let schemeEnd = text.range(of: "://")?.upperBound ?? text.range(of: ":")?.upperBound ?? text.startIndex
      shown = String(text[..<min(schemeEnd, at.lowerBound)]) + "…@" + text[at.upperBound...]
    }
    if keywords {
      shown = shown.split(separator: " ").map { $0.lowercased().hasPrefix("password=") ? "password=…" : String($0) }.joined(separator: " ")
    }
    return "\"\(shown)\" is neither a SQLite file nor a PostgreSQL URL; expected a file path, or a URL that starts postgres:// or postgresql:// (postgres://user@host:5432/database)"
  }

  /// The URL without its password (for messages).
  public var redacted: String {
    let endpoint = socketFolder.map { "?host=\($0)" } ?? ""
    return "postgres://\(user)@\(host ?? "")\(host == nil ? "" : ":\(port)")/\(database)\(endpoint)"
  }

  public static let parameters = ["sslmode", "host", "port", "user", "password", "dbname", "pool_size", "statement_timeout", "connect_timeout", "application_name"]

  public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
    guard Self.isURL(text), let url = URLComponents(string: text) else {
      throw LedgerError(.invalidConfiguration, "--db \(Self.redact(text)): not a PostgreSQL URL; expected postgres://user@host:port/database (or a SQLite file path)")
    }
    var query: [String: String] = [:]
    for item in url.queryItems ?? [] {
      guard Self.parameters.contains(item.name) else {
        throw LedgerError(.invalidConfiguration, "--db: unknown URL parameter \(item.name.debugDescription); accepted: \(Self.parameters.joined(separator: ", "))")
      }
      query[item.name] = item.value ?? ""
    }
    func integer(_ name: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
      guard let text = query[name] ?? (name == "port" ? environment["PGPORT"] : nil) else { return fallback }
      guard let v = Int(text), range.contains(v) else {
        throw LedgerError(.invalidConfiguration, "--db: \(name)=\(text.debugDescription); expected a whole number \(range.lowerBound)–\(range.upperBound)")
      }
      return v
    }
    let hostText = query["host"] ?? (url.host.flatMap { $0.isEmpty ? nil : $0 }) ?? environment["PGHOST"] ?? "/var/run/postgresql"
    if hostText.hasPrefix("/") {
      (host, socketFolder) = (nil, hostText)
    } else {
      (host, socketFolder) = (hostText, nil)
    }
    port = try url.port ?? integer("port", 5432, 1...65535)
    user = query["user"] ?? url.user.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding } ?? environment["PGUSER"] ?? ProcessInfo.processInfo.userName
    password = query["password"] ?? url.password.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding } ?? environment["PGPASSWORD"]
    let path = String(url.path.drop(while: { $0 == "/" })).removingPercentEncoding ?? ""
    database = query["dbname"] ?? (path.isEmpty ? environment["PGDATABASE"] ?? user : path)
    let mode = query["sslmode"] ?? environment["PGSSLMODE"] ?? "prefer"
    guard let ssl = SSLMode(rawValue: mode) else {
      throw LedgerError(.invalidConfiguration, "--db: sslmode=\(mode.debugDescription); expected one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    sslMode = ssl
    poolSize = try integer("pool_size", 8, 1...256)
    statementTimeoutMillis = try integer("statement_timeout", 30_000, 0...86_400_000)
    connectTimeoutSeconds = try integer("connect_timeout", 10, 1...600)
    applicationName = query["application_name"] ?? "replenish"
  }

  /// A URL's text with any password replaced by `***` (for messages about a URL that did not parse).
  static func redact(_ text: String) -> String {
    guard let at = text.firstIndex(of: "@"), let scheme = text.range(of: "://"), scheme.upperBound < at,
      let colon = text[scheme.upperBound..<at].firstIndex(of: ":")
    else { return text }
    return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
  }

  func configuration() throws -> PostgresConnection.Configuration {
    var configuration: PostgresConnection.Configuration
    if let socketFolder {
      configuration = .init(unixSocketPath: socketFolder + "/.s.PGSQL.\(port)", username: user, password: password, database: database)
    } else {
      let tls: PostgresConnection.Configuration.TLS
      switch sslMode {
      case .disable: tls = .disable
      case .allow, .prefer, .require:
        var c = TLSConfiguration.makeClientConfiguration()
        c.certificateVerification = .none
        let context = try NIOSSLContext(configuration: c)
        tls = sslMode == .require ? .require(context) : .prefer(context)
      case .verifyCA, .verifyFull:
        var c = TLSConfiguration.makeClientConfiguration()
        c.certificateVerification = sslMode == .verifyFull ? .fullVerification : .noHostnameVerification
        tls = .require(try NIOSSLContext(configuration: c))
      }
      configuration = .init(host: host ?? "localhost", port: port, username: user, password: password, database: database, tls: tls)
    }
    configuration.options.connectTimeout = .seconds(Int64(connectTimeoutSeconds))
    configuration.options.additionalStartupParameters = [
      ("statement_timeout", "\(statementTimeoutMillis)"), ("application_name", applicationName),
    ]
    return configuration
  }
}

/// A PostgreSQL ledger: a small pool of connections (blocking callers wait for a free one), and the
/// ledger's transactions on them.
///
/// Writes run at `READ COMMITTED` with pessimistic locks: every event first locks its SKU's row (`SELECT …
/// FOR UPDATE` in `EventOperation.sku`), so events of one SKU apply one at a time, each statement reading
/// what the previous event committed — what SQLite's single writer gives, without making every event of
/// every SKU wait for one lock. The no-oversell guard is the same guarded `UPDATE … WHERE sellable -
/// committed >= ?` (which PostgreSQL re-evaluates on the newest row version after waiting) plus the
/// table's `CHECK`. `SERIALIZABLE` was tried first: on one hot SKU (32 threads, 8 connections) most
/// transactions failed with 40001 and some still failed after 12 retries. Races on a unique key (two
/// requests with one idempotency key or one new order id: 23505), deadlocks (40P01; a kit locks its
/// components) and serialization failures (40001) roll back and retry the whole transaction up to
/// `maximumAttempts` times with jittered backoff, then fail with `LedgerError.busy` (HTTP 503, exit 75).
/// Reads run in a `REPEATABLE READ READ ONLY` transaction: one snapshot for everything they read.
final class PostgresLedgerDatabase: @unchecked Sendable {
  let location: PostgresLocation
  private let configuration: PostgresConnection.Configuration
  private let logger = Logger(label: "replenish.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
  private let condition = NSCondition()
  private var idle: [PostgresConnection] = []
  private var opened = 0
  private var nextID = 0
  static let maximumAttempts = 12

  init(location: PostgresLocation) throws {
    self.location = location
    configuration = try location.configuration()
  }

  deinit {
    for c in idle { try? c.close().wait() }
  }

  /// Runs `body` on a pooled connection; a connection that failed below SQL (closed, reset) is dropped.
  func withConnection<T>(_ body: (PostgresLedgerConnection) throws -> T) throws -> T {
    condition.lock()
    while idle.isEmpty && opened >= location.poolSize { condition.wait() }
    var connection = idle.popLast()
    if connection == nil { opened += 1; nextID += 1 }
    let id = nextID
    condition.unlock()
    do {
      if connection == nil { connection = try connect(id: id) }
    } catch {
      release(nil)
      throw error
    }
    let wrapped = PostgresLedgerConnection(connection!, logger: logger)
    do {
      let result = try body(wrapped)
      release(connection)
      return result
    } catch {
      release(wrapped.broken || connection!.isClosed ? nil : connection)
      if wrapped.broken { try? connection!.close().wait() }
      throw error
    }
  }

  private func release(_ connection: PostgresConnection?) {
    condition.lock()
    if let connection { idle.append(connection) } else { opened -= 1 }
    condition.signal()
    condition.unlock()
  }

  private func connect(id: Int) throws -> PostgresConnection {
    do {
      return try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: id, logger: logger).wait()
    } catch {
      throw Self.describe(error, location: location, connecting: true)
    }
  }

  func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
    try withConnection { connection in
      var attempt = 0
      while true {
        do {
          return try Self.transaction("BEGIN ISOLATION LEVEL READ COMMITTED", on: connection, body)
        } catch where Self.isRetryable(error) && !connection.broken {
          attempt += 1
          guard attempt < Self.maximumAttempts else {
            throw LedgerError(.busy, "\(location.redacted): the transaction kept conflicting with concurrent ones (\(attempt) attempts); try again")
          }
          usleep(UInt32.random(in: 500...(2_000 << min(attempt, 6))))
        } catch {
          throw error is PSQLError ? Self.describe(error, location: location, connecting: false) : error
        }
      }
    }
  }

  func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
    try withConnection { connection in
      do {
        return try Self.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", on: connection, body)
      } catch {
        throw error is PSQLError ? Self.describe(error, location: location, connecting: false) : error
      }
    }
  }

  /// One transaction: `begin`, the body, `COMMIT`; rolled back when anything throws (the error is rethrown).
  private static func transaction<T>(_ begin: String, on connection: PostgresLedgerConnection, _ body: (any SQLConnection) throws -> T) throws -> T {
    do {
      try connection.execute(sql: begin)
      let result = try body(connection)
      try connection.execute(sql: "COMMIT")
      return result
    } catch {
      if !connection.broken { _ = try? connection.execute(sql: "ROLLBACK") }
      throw error
    }
  }

  static func sqlState(_ error: Error) -> String? {
    (error as? PSQLError)?.serverInfo?[.sqlState]
  }

  static func isRetryable(_ error: Error) -> Bool {
    ["40001", "40P01", "23505"].contains(sqlState(error) ?? "")
  }

  /// A PostgreSQL failure as a ledger error that names the server (never the password) and the cause.
  static func describe(_ error: Error, location: PostgresLocation, connecting: Bool) -> LedgerError {
    let at = location.redacted
    guard let e = error as? PSQLError else {
      return LedgerError(connecting ? .cannotConnect : .cannotWrite, "\(at): \(connecting ? "cannot connect" : "failed") (\(error))")
    }
    if let state = e.serverInfo?[.sqlState] {
      let message = e.serverInfo?[.message] ?? ""
      switch state {
      case "28P01", "28000": return LedgerError(.cannotConnect, "\(at): the server refused the login (\(message)); check the user and password (URL or PGPASSWORD)")
      case "3D000": return LedgerError(.cannotConnect, "\(at): the database \(location.database) does not exist (\(message)); create it first (createdb \(location.database))")
      case "57014": return LedgerError(.busy, "\(at): a statement ran longer than statement_timeout=\(location.statementTimeoutMillis) ms and was cancelled; nothing was applied")
      case "53300": return LedgerError(.busy, "\(at): the server has no free connection slots (\(message)); lower pool_size or raise max_connections")
      case "40001", "40P01": return LedgerError(.busy, "\(at): the transaction conflicted with a concurrent one; try again")
      default: return LedgerError(.cannotWrite, "\(at): PostgreSQL error \(state): \(message); nothing was applied")
      }
    }
    let cause = (e.underlying.map { "\($0)" }) ?? "\(e.code)"
    if connecting { return LedgerError(.cannotConnect, "\(at): cannot connect (\(cause))") }
    return LedgerError(.busy, "\(at): the connection to the server failed (\(cause)); nothing acknowledged is lost, try again")
  }
}

/// `SQLConnection` over one postgres-nio connection, blocking the calling thread on each statement (the
/// ledger's callers are threads of their own: the CLI, the server's writer thread and its blocking
/// readers). `?` placeholders become `$n` with the bound value's type cast on (`$1::bigint`), so that a
/// NULL argument still has a type (`$1 IS NULL`).
final class PostgresLedgerConnection: SQLConnection {
  let connection: PostgresConnection
  let logger: Logger
  /// Set when the connection failed below SQL; the pool then drops it.
  private(set) var broken = false
  var dialect: SQLDialect { .postgres }

  init(_ connection: PostgresConnection, logger: Logger) {
    self.connection = connection
    self.logger = logger
  }

  func execute(sql: String, arguments: [any SQLBindable]) throws -> Int {
    try run(sql, arguments).metadata.rows ?? 0
  }

  func rows(sql: String, arguments: [any SQLBindable]) throws -> [SQLRow] {
    let result = try run(sql, arguments)
    guard let first = result.rows.first else { return [] }
    let columns = SQLColumns(first.map(\.columnName))
    return try result.rows.map { row in SQLRow(columns: columns, values: try row.map(Self.value)) }
  }

  func firstRow(sql: String, arguments: [any SQLBindable]) throws -> SQLRow? {
    try rows(sql: sql, arguments: arguments).first
  }

  func insert(sql: String, arguments: [any SQLBindable], returning idColumn: String) throws -> Int64 {
    guard let id = try Int64.fetchOne(self, sql: sql + " RETURNING " + idColumn, arguments: arguments) else {
      throw LedgerError(.cannotWrite, "the insert returned no \(idColumn): \(sql)")
    }
    return id
  }

  func insertIfAbsent(sql: String, arguments: [any SQLBindable], returning idColumn: String) throws -> Int64? {
    try Int64.fetchOne(self, sql: sql + " RETURNING " + idColumn, arguments: arguments)
  }

  private func run(_ sql: String, _ arguments: [any SQLBindable]) throws -> PostgresQueryResult {
    var binds = PostgresBindings(capacity: arguments.count)
    var types: [SQLType] = []
    types.reserveCapacity(arguments.count)
    for a in arguments {
      switch a.sqlValue {
      case .null(let t): binds.appendNull(); types.append(t)
      case .integer(let v): binds.append(v); types.append(.integer)
      case .real(let d): binds.append(d); types.append(.real)
      case .text(let s): binds.append(s); types.append(.text)
      }
    }
    let query = PostgresQuery(unsafeSQL: Self.numbered(sql, types: types), binds: binds)
    do {
      return try connection.query(query, logger: logger).wait()
    } catch let error as PSQLError where error.serverInfo == nil {
      broken = true
      throw error
    }
  }

  /// `?` → `$n::type` outside string literals and quoted names.
  static func numbered(_ sql: String, types: [SQLType]) -> String {
    var out = ""
    out.reserveCapacity(sql.utf8.count + types.count * 10)
    var n = 0
    var quote: Character? = nil
    for c in sql {
      if let q = quote {
        if c == q { quote = nil }
        out.append(c)
      } else if c == "'" || c == "\"" {
        quote = c
        out.append(c)
      } else if c == "?" {
        let type = n < types.count ? types[n] : .text
        n += 1
        out += "$\(n)::" + (type == .integer ? "bigint" : type == .real ? "double precision" : "text")
      } else {
        out.append(c)
      }
    }
    return out
  }

  /// A result cell as the ledger's value types: integers of any width, floating point, text; NUMERIC (what
  /// `SUM` of a `bigint` column returns) as an integer when whole.
  static func value(_ cell: PostgresCell) throws -> SQLValue {
    guard cell.bytes != nil else { return .null(.text) }
    switch cell.dataType {
    case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
    case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
    case .float4, .float8: return .real(try cell.decode(Double.self))
    case .numeric:
      var value = try cell.decode(Decimal.self)
      var whole = Decimal()
      NSDecimalRound(&whole, &value, 0, .plain)
      let number = NSDecimalNumber(decimal: value)
      return whole == value && abs(number.doubleValue) < 9.2e18 ? .integer(number.int64Value) : .real(number.doubleValue)
    default: return .text(try cell.decode(String.self))
    }
  }
}
