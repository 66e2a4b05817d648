/// A position under the names integrators know from Shopify's inventory states, plus ours:
/// - `on_hand` = sellable + quarantine + damaged (units physically at the location);
/// - `committed` = reserved for open orders; `available` = ATP = sellable − committed;
/// - `unavailable` = quarantine + damaged (awaiting inspection or not sellable);
/// - `incoming` = inbound on open purchase orders; `in_transit` = transferred to this location, not yet
///   arrived; `backordered` = ordered beyond ATP where the SKU allows it.
/// `sku_available` is the SKU's ATP summed over every location (what channel allocations start from).
public struct InventoryLevel: Sendable, Codable, Equatable {
  public var sku: String
  public var location: String
  public var region: String
  public var onHand: Int
  public var committed: Int
  public var available: Int
  public var unavailable: Int
  public var incoming: Int
  public var inTransit: Int
  public var backordered: Int
  public var isKit: Bool
  public var skuAvailable: Int

  public init(_ p: Position, skuAvailable: Int) {
    sku = p.sku
    location = p.location
    region = p.region
    onHand = p.onHand
    committed = p.committed
    available = p.availableToPromise
    unavailable = p.quarantine + p.damaged
    incoming = p.inbound
    inTransit = p.inTransit
    backordered = p.backordered
    isKit = p.isKit
    self.skuAvailable = skuAvailable
  }

  enum CodingKeys: String, CodingKey {
    case sku, location, region, onHand = "on_hand", committed, available, unavailable, incoming
    case inTransit = "in_transit", backordered, isKit = "is_kit", skuAvailable = "sku_available"
  }

  /// Levels for positions, each with its SKU's ATP over all locations in `positions`.
  public static func levels(_ positions: [Position]) -> [InventoryLevel] {
    var total: [String: Int] = [:]
    for p in positions { total[p.sku, default: 0] += p.availableToPromise }
    return positions.map { InventoryLevel($0, skuAvailable: total[$0.sku]!) }
  }
}

/// One order line's state (a kit's line counted in kits, not components).
public struct OrderLineState: Sendable, Codable, Equatable {
  public var line: String
  public var sku: String
  public var location: String
  public var ordered: Int
  /// Reserved and holding stock.
  public var committed: Int
  /// Waiting for stock (the SKU allows backorders).
  public var backordered: Int
  public var shipped: Int
  public var released: Int
  public var returned: Int
}

/// An order as a channel sees it.
public struct OrderState: Sendable, Codable, Equatable {
  public enum Status: String, Sendable, Codable {
    /// Some units are still committed or backordered.
    case open
    /// Nothing open; at least one unit shipped.
    case fulfilled
    /// Nothing open and nothing shipped: every unit released.
    case cancelled
  }
  public var order: String
  public var channel: String
  public var status: Status
  public var lines: [OrderLineState]
}
