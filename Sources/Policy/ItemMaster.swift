import CSV
import TimeSeries

/// A supplier's defaults for the items it supplies (`suppliers.csv`).
public struct Supplier: Sendable, Equatable {
  public var name: String
  public var leadTimeDays: Double?
  public var leadTimeSDDays: Double?
  public var minimumOrderValue: Double?
  public var reviewPeriodDays: Double?

  public init(name: String, leadTimeDays: Double? = nil, leadTimeSDDays: Double? = nil, minimumOrderValue: Double? = nil, reviewPeriodDays: Double? = nil) {
    self.name = name
    self.leadTimeDays = leadTimeDays
    self.leadTimeSDDays = leadTimeSDDays
    self.minimumOrderValue = minimumOrderValue
    self.reviewPeriodDays = reviewPeriodDays
  }
}

/// Which safety-stock rule an item uses.
public enum SafetyStockMethod: String, Sendable, CaseIterable, Codable {
  /// Type I by the textbook rule: z_α · σ over lead time + review period.
  case cycleService = "cycle-service"
  /// Type II: the fill rate β from the calibrated exposure distribution (expected shortage per cycle ≤
  /// (1 − β) × demand per cycle); without one, k from G(k) = Q(1 − β)/σ.
  case fillRate = "fill-rate"
  /// Type I from the calibrated exposure distribution: s = the α-quantile of demand over the lead time
  /// plus the undershoot at the ordering review (R,S: demand over lead time + review), the spread from
  /// out-of-sample errors of cumulative forecasts (`PolicyCalculator.calibratedReorderPoint`).
  case calibrated
  /// Quantile of the lead-time demand distribution (count model or conformal) minus its mean.
  case distribution
  /// A number of days of average demand.
  case daysOfCover = "days-of-cover"
  /// Let the planner choose: `calibrated` (every pattern).
  case automatic = "auto"
}

/// The reorder rule.
public enum ReorderPolicyKind: String, Sendable, CaseIterable, Codable {
  /// Continuous review: order Q (EOQ, rounded) when the position falls to s.
  case sQ = "sQ"
  /// Order up to S when the position falls to s (S = s + Q).
  case sS = "sS"
  /// Periodic review order-up-to: every R days order up to S.
  case RS = "RS"
  /// Min/max from the item master (or s and S when absent).
  case minMax = "minmax"
}

/// One row of the item master with every default resolved; `inputs` records where each value came from.
public struct Item: Sendable, Equatable {
  public var sku: String
  public var location: String?
  public var description: String = ""
  public var supplier: String = ""
  public var category: String = ""
  public var unitCost: Double?
  public var unitPrice: Double?
  public var leadTimeDays: Double = ItemMaster.defaultLeadTimeDays
  public var leadTimeSDDays: Double = 0
  public var moq: Int = 1
  public var casePack: Int = 1
  public var orderMultiple: Int = 1
  /// `nil` means "from the ABC/XYZ class" (else `ItemMaster.defaultServiceLevel`).
  public var serviceLevel: Double?
  public var reviewPeriodDays: Double = ItemMaster.defaultReviewPeriodDays
  public var holdingCostRate: Double = ItemMaster.defaultHoldingCostRate
  public var orderCost: Double?
  public var safetyStockMethod: SafetyStockMethod = .automatic
  public var policy: ReorderPolicyKind = .sS
  public var minUnits: Double?
  public var maxUnits: Double?
  public var minDays: Double?
  public var maxDays: Double?
  /// Where lead time and review period came from: "item", "supplier", "default", "ledger".
  public var leadTimeSource = "default"

  public init(sku: String, location: String? = nil) {
    self.sku = sku
    self.location = location
  }

  /// The period a replenishment decision must cover: lead time + review period (continuous review (s,Q):
  /// the lead time only).
  public var reviewPeriodInForce: Double { policy == .sQ ? 0 : reviewPeriodDays }
  public var exposureDays: Double { leadTimeDays + reviewPeriodInForce }
}

/// Reads `items.csv` (+ optional `suppliers.csv`) and resolves defaults: item value, else the supplier's,
/// else the documented default.
public struct ItemMaster: Sendable {
  public static let defaultLeadTimeDays = 14.0
  public static let defaultReviewPeriodDays = 7.0
  /// Annual holding cost as a fraction of unit cost.
  public static let defaultHoldingCostRate = 0.25
  public static let defaultServiceLevel = 0.95

  public static let itemColumns = [
    "sku", "description", "supplier", "unit_cost", "unit_price", "lead_time_days", "lead_time_sd_days", "moq", "case_pack",
    "order_multiple", "service_level", "review_period_days", "holding_cost_rate", "order_cost", "location", "category",
    "safety_stock_method", "min_units", "max_units", "min_days", "max_days", "policy", "allow_backorder",
  ]
  public static let supplierColumns = ["supplier", "lead_time_days", "lead_time_sd_days", "min_order_value", "review_period_days"]

  /// Items by (sku, location); a row without a location applies to every location of that SKU.
  /// Keyed by (SKU, location); a `nil` location is the SKU's row for every location.
  public private(set) var items: [SeriesKey: Item] = [:]
  public private(set) var suppliers: [String: Supplier] = [:]
  public private(set) var order: [SeriesKey] = []
  /// First row per SKU, for callers that do not know the location (a history without a location column).
  private var firstBySKU: [String: SeriesKey] = [:]

  public init(items: [Item] = [], suppliers: [Supplier] = []) {
    for s in suppliers { self.suppliers[s.name] = s }
    for i in items {
      let key = Self.key(i.sku, i.location)
      if self.items[key] == nil { order.append(key) }
      self.items[key] = i
      if firstBySKU[i.sku] == nil { firstBySKU[i.sku] = key }
    }
  }

  static func key(_ sku: String, _ location: String?) -> SeriesKey { SeriesKey(sku: sku, location: location) }

  /// The item for a SKU at a location: the location's row, else the SKU's general row, else defaults.
  public func item(sku: String, location: String?) -> Item {
    if let location, let i = items[Self.key(sku, location)] { return i }
    if var i = items[Self.key(sku, nil)] {
      i.location = location
      return i
    }
    // No location asked: the SKU's only (or first) row, with its location.
    if location == nil, let key = firstBySKU[sku], let i = items[key] { return i }
    return Item(sku: sku, location: location)
  }

  /// Lead times learned from past receipts (days from PO open to the receipt that closed it), used for
  /// items whose lead time is not set on the item or its supplier: mean and sample SD of at least
  /// `minimumReceipts` receipts per SKU. Returns the SKUs it changed.
  public mutating func learnLeadTimes(from receipts: [(sku: String, leadTimeDays: Double)], minimumReceipts: Int = 3) -> [String] {
    var bySKU: [String: [Double]] = [:]
    for r in receipts where r.leadTimeDays.isFinite && r.leadTimeDays >= 0 { bySKU[r.sku, default: []].append(r.leadTimeDays) }
    var changed: [String] = []
    for (sku, days) in bySKU.sorted(by: { $0.key < $1.key }) where days.count >= minimumReceipts {
      let mean = days.reduce(0, +) / Double(days.count)
      let sd = (days.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(days.count - 1)).squareRoot()
      let keys = order.filter { items[$0]?.sku == sku }
      if keys.isEmpty {
        var item = Item(sku: sku)
        item.leadTimeDays = mean
        item.leadTimeSDDays = sd
        item.leadTimeSource = "ledger (\(days.count) receipts)"
        let key = Self.key(sku, nil)
        order.append(key)
        items[key] = item
        firstBySKU[sku] = key
        changed.append(sku)
      }
      for key in keys where items[key]!.leadTimeSource == "default" {
        items[key]!.leadTimeDays = mean
        items[key]!.leadTimeSDDays = sd
        items[key]!.leadTimeSource = "ledger (\(days.count) receipts)"
        changed.append(sku)
      }
    }
    return changed
  }

  public static func read(items path: String, suppliers supplierPath: String? = nil) throws(CSVError) -> ItemMaster {
    var suppliers: [Supplier] = []
    if let supplierPath {
      let table = try CSVTable.read(path: supplierPath, required: ["supplier"], known: supplierColumns)
      var seen = Set<String>()
      for row in table.rows {
        guard let name = row.text("supplier") else { throw row.error("supplier", value: "", problem: "empty supplier", expected: "a supplier name") }
        guard seen.insert(name).inserted else { throw row.error("supplier", value: name, problem: "supplier listed twice", expected: "one row per supplier") }
        suppliers.append(Supplier(
          name: name, leadTimeDays: try row.number("lead_time_days", range: 0...3650, expected: "days between 0 and 3650"),
          leadTimeSDDays: try row.number("lead_time_sd_days", range: 0...3650, expected: "days ≥ 0"),
          minimumOrderValue: try row.number("min_order_value", range: 0...1e12, expected: "an amount ≥ 0"),
          reviewPeriodDays: try row.number("review_period_days", range: 0...3650, expected: "days between 0 and 3650")))
      }
    }
    let bySupplier = Dictionary(uniqueKeysWithValues: suppliers.map { ($0.name, $0) })
    let table = try CSVTable.read(path: path, required: ["sku"], known: itemColumns)
    var items: [Item] = []
    var seen = Set<SeriesKey>()
    for row in table.rows {
      guard let sku = row.text("sku") else { throw row.error("sku", value: "", problem: "empty SKU", expected: "a SKU code") }
      var item = Item(sku: sku, location: row.text("location"))
      guard seen.insert(key(sku, item.location)).inserted else {
        throw row.error("sku", value: sku, problem: "SKU listed twice for location '\(item.location ?? "")'", expected: "one row per SKU and location")
      }
      item.description = row.text("description") ?? ""
      item.category = row.text("category") ?? ""
      item.supplier = row.text("supplier") ?? ""
      if !item.supplier.isEmpty, supplierPath != nil, bySupplier[item.supplier] == nil {
        throw row.error("supplier", value: item.supplier, problem: "supplier not in \(supplierPath!)", expected: "a supplier listed in the supplier file")
      }
      let supplier = bySupplier[item.supplier]
      item.unitCost = try row.number("unit_cost", range: 0...1e9, expected: "a cost ≥ 0")
      item.unitPrice = try row.number("unit_price", range: 0...1e9, expected: "a price ≥ 0")
      if let lt = try row.number("lead_time_days", range: 0...3650, expected: "days between 0 and 3650") {
        item.leadTimeDays = lt
        item.leadTimeSource = "item"
      } else if let lt = supplier?.leadTimeDays {
        item.leadTimeDays = lt
        item.leadTimeSource = "supplier"
      }
      item.leadTimeSDDays = try row.number("lead_time_sd_days", range: 0...3650, expected: "days ≥ 0") ?? supplier?.leadTimeSDDays ?? 0
      item.moq = try row.integer("moq", minimum: 1) ?? 1
      item.casePack = try row.integer("case_pack", minimum: 1) ?? 1
      item.orderMultiple = try row.integer("order_multiple", minimum: 1) ?? 1
      item.serviceLevel = try row.number("service_level", range: 0.5...0.9999, expected: "a probability between 0.5 and 0.9999 (e.g. 0.95)")
      item.reviewPeriodDays = try row.number("review_period_days", range: 0...3650, expected: "days between 0 and 3650") ?? supplier?.reviewPeriodDays ?? defaultReviewPeriodDays
      item.holdingCostRate = try row.number("holding_cost_rate", range: 0...10, expected: "an annual rate such as 0.25") ?? defaultHoldingCostRate
      item.orderCost = try row.number("order_cost", range: 0...1e9, expected: "a cost per order ≥ 0")
      if let m = row.text("safety_stock_method") {
        guard let method = SafetyStockMethod(rawValue: m) else {
          throw row.error("safety_stock_method", value: m, problem: "unknown method", expected: SafetyStockMethod.allCases.map(\.rawValue).joined(separator: ", "))
        }
        item.safetyStockMethod = method
      }
      if let p = row.text("policy") {
        guard let policy = ReorderPolicyKind(rawValue: p) else {
          throw row.error("policy", value: p, problem: "unknown policy", expected: ReorderPolicyKind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        item.policy = policy
      }
      item.minUnits = try row.number("min_units", range: 0...1e12, expected: "units ≥ 0")
      item.maxUnits = try row.number("max_units", range: 0...1e12, expected: "units ≥ 0")
      item.minDays = try row.number("min_days", range: 0...3650, expected: "days ≥ 0")
      item.maxDays = try row.number("max_days", range: 0...3650, expected: "days ≥ 0")
      if let lo = item.minUnits, let hi = item.maxUnits, lo > hi {
        throw row.error("max_units", value: "\(hi)", problem: "max_units below min_units \(lo)", expected: "max_units ≥ min_units")
      }
      items.append(item)
    }
    return ItemMaster(items: items, suppliers: suppliers)
  }
}
