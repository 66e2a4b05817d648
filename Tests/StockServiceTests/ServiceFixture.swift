import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Logging
import NIOCore
import TestSupport

@testable import StockService

/// A ledger in a temporary folder with two locations, SKUs (A: no backorders, B: backorders allowed, C and
/// the kit K = 2 × C), stock received, three channels and their keys; and the server over it.
struct ServiceFixture {
  let folder: String
  let ledger: LedgerStore
  let shopify: String
  let amazon: String
  let warehouse: String
  let admin: String
  let readOnly: String
  var settings = ServerSettings()

  /// `location`: a PostgreSQL URL; nil for a SQLite file in the fixture's folder, or, when
  /// `REPLENISH_SERVICE_BACKEND=postgres` (`make test` runs the service suites a second time so), a new
  /// database on the test PostgreSQL server.
  init(stockA: Int = 10, location: String? = nil) throws {
    folder = NSTemporaryDirectory() + "replenish-serve-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let onPostgres = ProcessInfo.processInfo.environment["REPLENISH_SERVICE_BACKEND"] == "postgres"
    ledger = try LedgerStore(path: location ?? (onPostgres ? try postgresTestDatabase() : folder + "/ledger.sqlite"), create: true)
    try ledger.defineLocations([("WH1", "EU"), ("WH2", "US")])
    try ledger.defineSKUs([("A", false), ("B", true), ("C", false)])
    try ledger.defineKits([("K", "C", 2)])
    for (k, (sku, qty)) in [("A", stockA), ("B", 2), ("C", 9)].enumerated() where qty > 0 {
      _ = try ledger.apply(LedgerEvent(source: "setup", key: "r\(k)", kind: .receive, sku: sku, location: "WH1", qty: qty, unitCostMicros: 2_000_000))
    }
    try ledger.defineChannel(ChannelAllocation(name: "shopify", buffer: 1))
    try ledger.defineChannel(ChannelAllocation(name: "amazon", bufferPercent: 20, cap: 5))
    try ledger.defineChannel(ChannelAllocation(name: "warehouse"))
    shopify = try APIKeys.create(on: ledger, channel: "shopify", scopes: [.ordersWrite, .inventoryRead, .webhooksManage]).key
    amazon = try APIKeys.create(on: ledger, channel: "amazon", scopes: [.ordersWrite, .inventoryRead]).key
    warehouse = try APIKeys.create(on: ledger, channel: "warehouse", scopes: [.inventoryWrite, .inventoryRead]).key
    admin = try APIKeys.create(on: ledger, channel: "warehouse", scopes: [.admin]).key
    readOnly = try APIKeys.create(on: ledger, channel: "shopify", scopes: [.inventoryRead]).key
    settings.port = 0
    settings.rateLimitPerSecond = 0
  }

  func application(logger: Logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })) -> some ApplicationProtocol {
    StockServer.application(ledger: ledger, settings: settings, logger: logger)
  }

  func remove() { try? FileManager.default.removeItem(atPath: folder) }

  /// The change feed once it holds at least `count` changes (at most 10 s): on PostgreSQL a change is
  /// positioned once every older transaction on the server has ended, and other tests write at once.
  func changes(channel: String?, atLeast count: Int) throws -> [Change] {
    let deadline = Date().addingTimeInterval(10)
    var all = try ledger.changes(after: 0, channel: channel, limit: 100_000)
    while all.count < count, Date() < deadline {
      Thread.sleep(forTimeInterval: 0.01)
      all = try ledger.changes(after: 0, channel: channel, limit: 100_000)
    }
    return all
  }

  func level(_ sku: String, _ location: String = "WH1") throws -> InventoryLevel {
    let all = InventoryLevel.levels(try ledger.positions(sku: sku, location: nil, asOf: nil))
    return all.first { $0.location == location }!
  }
}

/// One parsed response.
struct Reply {
  let status: Int
  let headers: HTTPFields
  let text: String
  var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
  var code: String? { json["code"] as? String }
  var contentType: String? { headers[.contentType] }
}

extension TestClientProtocol {
  func call(_ method: HTTPRequest.Method, _ uri: String, key: String?, idempotency: String? = nil, json body: String? = nil,
            contentType: String = "application/json") async throws -> Reply {
    var headers: HTTPFields = [:]
    if let key { headers[.authorization] = "Bearer \(key)" }
    if let idempotency { headers[HTTPField.Name("Idempotency-Key")!] = idempotency }
    if body != nil { headers[.contentType] = contentType }
    let response = try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    return Reply(status: Int(response.status.code), headers: response.headers, text: String(buffer: response.body))
  }
}
