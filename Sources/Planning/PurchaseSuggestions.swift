import Foundation
import Policy
import TimeSeries

/// Stock position of one SKU at one location, as the ledger reports it.
public struct StockPosition: Sendable {
  public var sellable = 0.0
  public var committed = 0.0
  public var backordered = 0.0
  public var inbound = 0.0
  public var inTransit = 0.0
  /// Moving-average landed unit cost from the ledger (0 when unknown).
  public var averageUnitCost = 0.0

  public init(sellable: Double = 0, committed: Double = 0, backordered: Double = 0, inbound: Double = 0, inTransit: Double = 0, averageUnitCost: Double = 0) {
    self.sellable = sellable
    self.committed = committed
    self.backordered = backordered
    self.inbound = inbound
    self.inTransit = inTransit
    self.averageUnitCost = averageUnitCost
  }

  /// Net stock = sellable − committed − backorders: what is left on the shelf for new demand.
  public var netStock: Double { sellable - committed - backordered }
  /// Pipeline = inbound + in transit: ordered or moving, not yet on the shelf.
  public var pipeline: Double { inbound + inTransit }
  /// Inventory position = net stock + pipeline = sellable + inbound + in transit − committed − backorders.
  public var inventoryPosition: Double { netStock + pipeline }
  public var availableToPromise: Double { sellable - committed }
}

extension PolicyResult {
  /// The period by whose end an order placed now (at the end of the last history period) has been
  /// received: ⌈L / P⌉, at least 1 — a 10-day lead time on weekly data arrives during the second week,
  /// never in the first.
  public var leadTimePeriods: Int { max(1, Int((leadTimeDays / periodDays - 1e-9).rounded(.up))) }
}

/// Net stock projected period by period with the forecast mean: starts at the position's net stock,
/// receives the pipeline and `ordered` units (this run's PO line) L days later — in the period that
/// contains day L (`PolicyResult.leadTimePeriods`), the same convention as `PolicySimulation` — and falls by
/// the forecast each period. `values[0]` is now; `values[h]` after h periods.
public struct ProjectedInventory: Sendable {
  public var values: [Double]
  public var arrivalPeriod: Int

  public init(position: StockPosition, policy: PolicyResult, forecastMean: [Double], ordered: Double) {
    arrivalPeriod = policy.leadTimePeriods
    var stock = position.netStock
    values = [stock]
    for (h, demand) in forecastMean.enumerated() {
      if h + 1 == arrivalPeriod { stock += position.pipeline + ordered }
      stock -= demand
      values.append(stock)
    }
  }
}

/// A suggested purchase-order line with its derivation.
public struct SuggestedLine: Sendable, Codable {
  public enum Status: String, Sendable, Codable { case suggested, deferredBudget = "deferred-budget", heldBelowMinimum = "held-below-minimum" }
  public var sku: String
  public var location: String
  public var supplier: String
  public var abc: ABCClass
  public var quantity: Double
  public var unitCost: Double?
  public var unitCostSource: String
  public var lineValue: Double
  public var expectedArrivalDay: Int
  public var position: Double
  public var demandPerDay: Double
  public var exposureDemand: Double
  public var sigmaExposure: Double
  public var safetyStock: Double
  /// How the reorder point's quantile was obtained (`PolicyResult.quantileMethod`).
  public var quantileMethod: String
  public var reorderPoint: Double
  public var orderUpTo: Double
  /// Units the policy asked for before transfers and rounding.
  public var rawNeed: Double
  public var coveredByTransfer: Double
  public var rounding: String
  /// Expected units short over the exposure if this line is not ordered: σ_E·L((position − μ_E)/σ_E).
  public var expectedShortageUnits: Double
  /// Expected stock-out cost per unit of spend (priority under a budget).
  public var priority: Double
  public var status: Status
  public var notes: [String]
  /// The item's description and order rules, so that a buyer's edit is rounded as the suggestion was.
  public var description: String
  public var moq: Int
  public var casePack: Int
  public var orderMultiple: Int

  /// The line's identity within its plan: one line per SKU × ship-to.
  public var lineID: String { "\(sku)@\(location)" }
}

public struct SuggestedTransfer: Sendable, Codable {
  public var sku: String
  public var from: String
  public var to: String
  public var quantity: Double
  public var reason: String
}

public struct SuggestedPurchaseOrder: Sendable, Codable {
  public var id: String
  public var supplier: String
  public var location: String
  public var total: Double
  public var minimumOrderValue: Double?
  public var lines: [SuggestedLine]
  public var notes: [String]
}

/// Stock above the order-up-to level. `dead` = no sale for at least `PurchasePlanner.deadStockDays` days
/// before the plan date (or none in the history at all): a SKU sold last week is never dead, however much
/// of it is in stock; overstock that is not dead is stock ahead of its forecast demand.
public struct OverstockLine: Sendable, Codable {
  public var sku: String
  public var location: String
  public var position: Double
  public var orderUpTo: Double
  public var excessUnits: Double
  public var excessValue: Double
  public var daysSinceLastSale: Int?
  public var dead: Bool
}

public struct PurchasePlan: Sendable, Codable {
  /// The plan's identity: its date and a digest of every suggested and deferred line (PO, SKU, ship-to,
  /// quantity), so the same inputs give the same id and releasing a line of it twice orders it once.
  public var planID: String
  /// The plan date (ISO).
  public var asOf: String
  public var orders: [SuggestedPurchaseOrder]
  public var deferred: [SuggestedLine]
  public var transfers: [SuggestedTransfer]
  public var overstock: [OverstockLine]
  public var budget: Double?
  public var spend: Double
}

/// Turns policies and ledger positions into purchase-order suggestions.
///
/// ```
/// position = sellable + inbound + in transit − committed − backorders
/// order when position ≤ s (R,S: position < S); need = S − position ((s,Q): n·Q with position + n·Q > s)
/// transfer before buy: another location's surplus min(ATP, position − S) > 0 covers the need first
/// rounding: up to MOQ, then to a multiple of lcm(case pack, order multiple)
/// one PO per supplier × ship-to; a PO under the supplier's minimum order value is topped up (adding a
///   rounding step to the line with the least cover) within the budget, else held
/// budget: lines by priority = expected shortage units × unit price ÷ line value, A before B before C on
///   ties (priority × class weight 3/2/1); what does not fit is deferred with its risk
/// ```
public struct PurchasePlanner: Sendable {
  public var budget: Double?
  public var today: Int
  public var classWeights: [ABCClass: Double] = [.A: 3, .B: 2, .C: 1, .new: 1]
  /// Overstock without a sale for this many days is dead stock.
  public var deadStockDays = PurchasePlanner.defaultDeadStockDays
  public static let defaultDeadStockDays = 180

  public init(budget: Double? = nil, today: Int) {
    self.budget = budget
    self.today = today
  }

  /// No sale for `deadStockDays` days, or none in the history (`nil`).
  func isDead(_ daysSinceLastSale: Int?) -> Bool { daysSinceLastSale.map { $0 >= deadStockDays } ?? true }

  /// `planned` pairs each policy with its resolved item (the same item its policy was computed from:
  /// prices, lead times and order rules are never looked up again). `master` gives the supplier
  /// minimums and the unit cost of stock held where nothing is planned.
  public func plan(_ planned: [(policy: PolicyResult, item: PlannedItem)], positions: StockPositions, master: ItemMaster,
                   daysSinceLastSale: [StockKey: Int] = [:]) -> PurchasePlan {
    var surplus: [StockKey: Double] = [:]
    var needs: [(index: Int, position: StockPosition, need: Double)] = []
    var overstock: [OverstockLine] = []
    var plannedKeys = Set<StockKey>(minimumCapacity: planned.count)
    let all = planned
    for index in all.indices {
      let p = all[index].policy
      let key = all[index].item.key
      let item = all[index].item.item
      plannedKeys.insert(key)
      let pos = positions[key] ?? StockPosition()
      let ip = pos.inventoryPosition
      let cost = pos.averageUnitCost > 0 ? pos.averageUnitCost : item.unitCost ?? 0
      if ip > p.orderUpTo {
        surplus[key] = max(0, min(pos.availableToPromise, (ip - p.orderUpTo).rounded(.down)))
        let days = daysSinceLastSale[key]
        let excess = ip - p.orderUpTo
        overstock.append(OverstockLine(sku: key.sku, location: key.location, position: ip, orderUpTo: p.orderUpTo, excessUnits: excess,
                                       excessValue: excess * cost, daysSinceLastSale: days, dead: isDead(days)))
      }
      var need = 0.0
      // A SKU with no expected demand is not bought unless customers are already waiting (backorders).
      guard p.exposureDemand > 0 || ip < 0 else { continue }
      switch p.policy {
      case .RS: if ip < p.orderUpTo { need = p.orderUpTo - ip }
      case .sQ:
        if ip <= p.reorderPoint { need = (((p.reorderPoint - ip) / p.orderQuantity).rounded(.down) + 1) * p.orderQuantity }
      case .sS, .minMax: if ip <= p.reorderPoint { need = p.orderUpTo - ip }
      }
      if need > 0 { needs.append((index, pos, need)) }
    }
    // Locations holding stock without a policy there (no demand: a returns centre, an overflow store)
    // can give all their ATP.
    // In key order: a dictionary's order changes from run to run (Swift seeds its hashing per process).
    for key in positions.keys.sorted() where !plannedKeys.contains(key) && positions[key]!.availableToPromise > 0 {
      let pos = positions[key]!
      surplus[key] = pos.availableToPromise.rounded(.down)
      let cost = pos.averageUnitCost > 0 ? pos.averageUnitCost : master.item(sku: key.sku, location: key.location).unitCost ?? 0
      overstock.append(OverstockLine(sku: key.sku, location: key.location, position: pos.inventoryPosition, orderUpTo: 0,
                                     excessUnits: pos.inventoryPosition, excessValue: pos.inventoryPosition * cost,
                                     daysSinceLastSale: daysSinceLastSale[key], dead: isDead(daysSinceLastSale[key])))
    }
    // Transfer before buy.
    var transfers: [SuggestedTransfer] = []
    var lines: [SuggestedLine] = []
    // The rounding step of each line's item, for topping up to a supplier minimum.
    var roundingStep: [StockKey: Int] = [:]
    var donors: [String: [String]] = [:]
    for k in surplus.keys.sorted() { donors[k.sku, default: []].append(k.location) }
    for (index, pos, need) in needs {
      let (p, planned) = all[index]
      let sku = planned.key.sku, location = planned.key.location
      var remaining = need.rounded(.up)
      for donorLocation in (donors[sku] ?? []) where remaining > 0 {
        let donor = StockKey(sku: sku, location: donorLocation)
        guard donorLocation != location, let available = surplus[donor], available > 0 else { continue }
        let move = min(available, remaining)
        surplus[donor] = available - move
        remaining -= move
        transfers.append(SuggestedTransfer(sku: sku, from: donorLocation, to: location, quantity: move,
                                           reason: String(format: "%@ is %.0f above its order-up-to level; %@ needs %.0f", donorLocation, available, location, need)))
      }
      guard remaining > 0 else { continue }
      let item = planned.item
      roundingStep[planned.key] = PolicyCalculator.lcm(item.casePack, item.orderMultiple)
      let quantity = PolicyCalculator.roundOrderQuantity(remaining, item: item)
      var rounding: [String] = []
      if quantity != remaining.rounded(.up) {
        rounding.append(String(format: "%.0f → %.0f (MOQ %d, case pack %d, multiple %d)", remaining.rounded(.up), quantity, item.moq, item.casePack, item.orderMultiple))
      }
      let (cost, costSource): (Double?, String) = pos.averageUnitCost > 0 ? (pos.averageUnitCost, "ledger landed average") : (item.unitCost, item.unitCost == nil ? "unknown" : "item master")
      let value = quantity * (cost ?? 0)
      let ip = pos.inventoryPosition
      // E[(D − x)⁺] under N(μ_E, σ_E²), bounded by E[D] + backorders (the bound holds for any demand
      // distribution, and matters for slow movers where the normal's left tail is fiction).
      let normalShortage = p.sigmaExposure > 0
        ? p.sigmaExposure * InventoryMath.standardNormalLoss((ip - p.exposureDemand) / p.sigmaExposure).loss
        : max(0, p.exposureDemand - ip)
      let shortage = min(normalShortage, p.exposureDemand + max(0, -ip))
      let price = item.unitPrice ?? cost ?? 0
      let abc = planned.abc
      let priority = value > 0 ? shortage * price / value * (classWeights[abc] ?? 1) : shortage * (classWeights[abc] ?? 1)
      var notes: [String] = p.notes
      if cost == nil { notes.append("no unit cost: the line has no value and is not limited by the budget") }
      lines.append(SuggestedLine(
        sku: sku, location: location, supplier: item.supplier.isEmpty ? "(no supplier)" : item.supplier, abc: abc, quantity: quantity,
        unitCost: cost, unitCostSource: costSource, lineValue: value, expectedArrivalDay: today + Int(item.leadTimeDays.rounded(.up)),
        position: ip, demandPerDay: p.demandPerDay, exposureDemand: p.exposureDemand, sigmaExposure: p.sigmaExposure, safetyStock: p.safetyStock,
        quantileMethod: p.quantileMethod, reorderPoint: p.reorderPoint, orderUpTo: p.orderUpTo, rawNeed: need, coveredByTransfer: need.rounded(.up) - remaining,
        rounding: rounding.joined(separator: "; "), expectedShortageUnits: shortage, priority: priority, status: .suggested, notes: notes,
        description: item.description, moq: item.moq, casePack: item.casePack, orderMultiple: item.orderMultiple))
    }
    // Budget.
    lines.sort { $0.priority != $1.priority ? $0.priority > $1.priority : ($0.sku, $0.location) < ($1.sku, $1.location) }
    var spend = 0.0
    var deferred: [SuggestedLine] = []
    var accepted: [SuggestedLine] = []
    for var line in lines {
      if let budget, spend + line.lineValue > budget + 1e-9 {
        line.status = .deferredBudget
        line.notes.append(String(format: "budget: %.2f of %.2f already committed to higher-priority lines", spend, budget))
        deferred.append(line)
      } else {
        spend += line.lineValue
        accepted.append(line)
      }
    }
    // Group into POs and honour supplier minimums.
    struct Shipment: Hashable, Comparable {
      let supplier: String, location: String
      static func < (a: Shipment, b: Shipment) -> Bool { (a.supplier, a.location) < (b.supplier, b.location) }
    }
    var groups: [Shipment: [SuggestedLine]] = [:]
    for line in accepted { groups[Shipment(supplier: line.supplier, location: line.location), default: []].append(line) }
    var orders: [SuggestedPurchaseOrder] = []
    for groupKey in groups.keys.sorted() {
      var group = groups[groupKey]!
      let supplier = group[0].supplier, location = group[0].location
      let minimum = master.suppliers[supplier]?.minimumOrderValue
      var total = group.reduce(0) { $0 + $1.lineValue }
      var notes: [String] = []
      if let minimum, total < minimum {
        var guardSteps = 0
        while total < minimum && guardSteps < 10_000 {
          guardSteps += 1
          // The line with the least cover after ordering gets one more rounding step.
          guard let i = group.indices.filter({ group[$0].demandPerDay > 0 && ($0 >= 0) && (group[$0].unitCost ?? 0) > 0 })
            .min(by: { (group[$0].position + group[$0].quantity) / group[$0].demandPerDay < (group[$1].position + group[$1].quantity) / group[$1].demandPerDay })
          else { break }
          let step = Double(roundingStep[StockKey(sku: group[i].sku, location: location)]!)
          let add = step * (group[i].unitCost ?? 0)
          if let budget, spend + add > budget + 1e-9 { break }
          group[i].quantity += step
          group[i].lineValue += add
          total += add
          spend += add
        }
        if total >= minimum {
          notes.append(String(format: "topped up to the supplier minimum %.2f", minimum))
          for i in group.indices { group[i].notes.append("quantities raised to meet the supplier minimum order value") }
        } else {
          notes.append(String(format: "held: %.2f is below the supplier minimum %.2f", total, minimum))
          spend -= total
          for var line in group {
            line.status = .heldBelowMinimum
            line.notes.append(String(format: "PO total %.2f below supplier minimum %.2f", total, minimum))
            deferred.append(line)
          }
          continue
        }
      }
      let id = Self.purchaseOrderID(date: CivilDate(dayNumber: today).description, supplier: supplier, location: location)
      orders.append(SuggestedPurchaseOrder(id: id, supplier: supplier, location: location, total: total, minimumOrderValue: minimum,
                                           lines: group.sorted { ($0.sku) < ($1.sku) }, notes: notes))
    }
    // What transfers move out is no longer excess where it was.
    var moved: [StockKey: Double] = [:]
    for t in transfers { moved[StockKey(sku: t.sku, location: t.from), default: 0] += t.quantity }
    overstock = overstock.compactMap { line in
      guard let out = moved[StockKey(sku: line.sku, location: line.location)], out > 0 else { return line }
      var l = line
      let unitValue = l.excessUnits > 0 ? l.excessValue / l.excessUnits : 0
      l.excessUnits -= out
      l.excessValue = l.excessUnits * unitValue
      return l.excessUnits > 0 ? l : nil
    }
    // Largest excess value first; equal values (the zero-cost lines of a returns centre) by SKU, location.
    overstock.sort { ($0.excessValue, $1.sku, $1.location) > ($1.excessValue, $0.sku, $0.location) }
    let asOf = CivilDate(dayNumber: today).description
    return PurchasePlan(planID: Self.planID(asOf: asOf, orders: orders, deferred: deferred), asOf: asOf, orders: orders, deferred: deferred,
                        transfers: transfers, overstock: overstock, budget: budget, spend: spend)
  }

  /// The PO number of a supplier's order for one ship-to on a plan date: `PO-<date>-<supplier>-<ship-to>`
  /// (spaces as `_`).
  public static func purchaseOrderID(date: String, supplier: String, location: String) -> String {
    "PO-\(date)-\(supplier)-\(location)".replacingOccurrences(of: " ", with: "_")
  }

  /// `plan-<date>-<16 hex digits>`: FNV-1a (64 bit) over the date and each line's PO, SKU, ship-to and
  /// quantity, in the order written.
  static func planID(asOf: String, orders: [SuggestedPurchaseOrder], deferred: [SuggestedLine]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ text: String) {
      for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
      }
      hash ^= 0x1f
      hash = hash &* 0x100_0000_01b3
    }
    mix(asOf)
    for po in orders { for l in po.lines { mix(po.id); mix(l.lineID); mix(String(format: "%.0f", l.quantity)) } }
    for l in deferred { mix(l.lineID); mix(String(format: "%.0f", l.quantity)) }
    let hex = String(hash, radix: 16)
    return "plan-\(asOf)-" + String(repeating: "0", count: 16 - hex.count) + hex
  }
}
