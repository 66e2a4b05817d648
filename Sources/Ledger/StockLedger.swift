/// The operations of the stock truth that the planner, the CLI and the (coming) HTTP service use. The
/// embedded SQLite `LedgerStore` implements it; a PostgreSQL store implements the same protocol with the
/// same guarantees (see docs/RELIABILITY.md): no oversell, idempotent events by (source, key), balances
/// equal to the sum of movements.
public protocol StockLedger: Sendable {
  /// Master data: locations with their regions, SKUs with their backorder rule, kits with their components.
  func defineLocations(_ locations: [(location: String, region: String)]) throws
  func defineSKUs(_ skus: [(sku: String, allowBackorder: Bool)]) throws
  func defineKits(_ rows: [(kit: String, component: String, qty: Int)]) throws

  /// Applies one event in its own transaction; a replay of the same (source, key) returns the first outcome.
  func apply(_ event: LedgerEvent) throws -> EventOutcome
  /// Applies events in one transaction each group (`atomic`: all or none).
  func apply(batch events: [LedgerEvent], atomic: Bool) throws -> (outcomes: [EventOutcome], committed: Bool)

  /// Positions now, or as of a past time (milliseconds since 1970), with kit positions derived.
  func positions(sku: String?, location: String?, asOf: Int64?) throws -> [Position]
  /// The movements of one SKU in time order.
  func history(sku: String, location: String?, limit: Int) throws -> [MovementRecord]
  func eventCounts() throws -> (applied: Int, rejected: Int, movements: Int)
  func masterData() throws -> (skus: [String], locations: [(String, String)])
  /// Past PO receipts: days from PO open to the receipt that closed it, per SKU and location.
  func receivedPurchaseOrders() throws -> [(sku: String, location: String, leadTimeDays: Double)]
  /// Rebuilds every balance from the movements and checks the invariants.
  func verify() throws -> VerificationReport
}

extension LedgerStore: StockLedger {}
