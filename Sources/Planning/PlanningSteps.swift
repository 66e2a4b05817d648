import Foundation
import Policy
import TimeSeries

/// Builds ABC/XYZ inputs from a panel: per SKU (summed over locations), the value and units over the
/// window of periods that start in (asOf − windowDays, asOf], and the per-period demand for XYZ. SKUs
/// with neither units nor value in the window (not yet launched, or discontinued) are left out: they have
/// no class, and policies give them the default service level.
///
/// Revenue = Σ qty × price of the period (the history's price column); margin = Σ qty × (price − unit
/// cost) with the item master's cost; units = Σ qty. Censored (stock-out) periods count their sales in the
/// value but are left out of the XYZ variability.
public enum ClassificationInputs {
  public enum Problem: Error, CustomStringConvertible {
    case noPrices(String)
    case noCosts([String])
    public var description: String {
      switch self {
      case .noPrices(let m): m
      case .noCosts(let skus): "margin needs unit_cost in the item master; missing for \(skus.count) SKUs (first: \(skus.prefix(5).joined(separator: ", ")))"
      }
    }
  }

  public static func build(panel: Panel, asOfDay: Int, windowDays: Int, measure: ABCMeasure, items: ItemMaster?) throws(Problem) -> [ClassificationInput] {
    if measure != .units && panel.prices == nil {
      throw .noPrices("ABC by \(measure.rawValue) needs a price column in the history (or use --by units)")
    }
    let frequency = panel.frequency
    let firstDay = asOfDay - windowDays + 1
    var bySKU: [String: ClassificationInput] = [:]
    var order: [String] = []
    var missingCost: [String] = []
    for s in 0..<panel.seriesCount {
      let sku = panel.keys[s].sku
      var input = bySKU[sku] ?? {
        order.append(sku)
        return ClassificationInput(sku: sku, value: 0, units: 0, periodDemand: [])
      }()
      let cost = items?.item(sku: sku, location: panel.keys[s].location).unitCost
      if measure == .margin && cost == nil && !missingCost.contains(sku) { missingCost.append(sku) }
      var demand: [Double] = []
      for (k, i) in panel.range(of: s).enumerated() {
        let day = frequency.firstDay(ofPeriod: panel.startPeriods[s] + k)
        guard day >= firstDay, day <= asOfDay else { continue }
        let q = panel.values[i]
        guard !q.isNaN else { continue }
        input.units += q
        let price = panel.prices?[i] ?? .nan
        switch measure {
        case .units: input.value += q
        case .revenue: if !price.isNaN { input.value += q * price }
        case .margin: if !price.isNaN, let cost { input.value += q * (price - cost) }
        }
        demand.append(panel.flags[i].contains(.stockOut) ? .nan : q)
      }
      // Several locations: add period by period (aligned from the window's end).
      if input.periodDemand.isEmpty {
        input.periodDemand = demand
      } else {
        let n = max(input.periodDemand.count, demand.count)
        let a = Array(repeating: 0.0, count: n - input.periodDemand.count) + input.periodDemand
        let b = Array(repeating: 0.0, count: n - demand.count) + demand
        input.periodDemand = zip(a, b).map { $0 + $1 }
      }
      bySKU[sku] = input
    }
    if measure == .margin && !missingCost.isEmpty { throw .noCosts(missingCost) }
    return order.map { bySKU[$0]! }.filter { $0.units != 0 || $0.value != 0 }
  }
}

extension Classifier {
  /// ABC/XYZ of a panel as of a day: by `measure`, or by units when the history has no prices (the
  /// returned measure says which). Missing unit costs for margin are an error, not a silent fallback.
  public func classify(panel: Panel, asOfDay: Int, windowDays: Int, measure: ABCMeasure, items: ItemMaster?) throws(ClassificationInputs.Problem)
    -> (classes: [ClassifiedSKU], measure: ABCMeasure)
  {
    let used = panel.prices == nil ? ABCMeasure.units : measure
    let inputs = try ClassificationInputs.build(panel: panel, asOfDay: asOfDay, windowDays: windowDays, measure: used, items: items)
    return (classify(inputs), used)
  }
}

/// Service level per SKU: the item master's, else the ABC/XYZ cell's, else the default.
public func serviceLevel(for item: Item, classes: [String: ClassifiedSKU]) -> (level: Double, source: String) {
  if let level = item.serviceLevel { return (level, "item master") }
  if let c = classes[item.sku] { return (c.serviceLevel, "class \(c.cell)") }
  return (ItemMaster.defaultServiceLevel, "default")
}

/// One series as every planning step sees it: its item resolved once from the master (the location's
/// row, else the SKU's row, else the documented defaults; scenario changes applied once), its ABC class
/// (`new` when unclassified) and its target service level with where that came from.
public struct PlannedItem: Sendable {
  public var series: Int
  public var key: StockKey
  public var item: Item
  public var abc: ABCClass
  public var serviceLevel: Double
  public var serviceLevelSource: String

  public init(series: Int, key: StockKey, item: Item, abc: ABCClass, serviceLevel: Double, serviceLevelSource: String) {
    self.series = series
    self.key = key
    self.item = item
    self.abc = abc
    self.serviceLevel = serviceLevel
    self.serviceLevelSource = serviceLevelSource
  }

  /// Exposure (lead time + review period in force) in periods of `periodDays` days.
  public func exposurePeriods(periodDays: Double) -> Double { item.exposureDays / periodDays }
}

extension PlannedItem {
  /// Resolves every series of `panel` against `master`: item, class and service level.
  ///
  /// service level = `fixedServiceLevel`, else the item master's, else the ABC×XYZ cell's, else 0.95;
  /// then + `serviceLevelShift`, clamped to [0.5, 0.9999]. `safetyStockMethod` overrides every item's rule.
  public static func resolve(panel: Panel, master: ItemMaster, classes: [String: ClassifiedSKU], serviceLevelShift: Double = 0,
                             fixedServiceLevel: Double? = nil, safetyStockMethod: SafetyStockMethod? = nil) -> [PlannedItem] {
    (0..<panel.seriesCount).map { s in
      let key = panel.keys[s]
      var item = master.item(sku: key.sku, location: key.location)
      if item.location == nil { item.location = key.location ?? "" }
      if let safetyStockMethod { item.safetyStockMethod = safetyStockMethod }
      var (level, source) = fixedServiceLevel.map { ($0, "fixed for the run") } ?? Planning.serviceLevel(for: item, classes: classes)
      if serviceLevelShift != 0 {
        level = min(0.9999, max(0.5, level + serviceLevelShift))
        source += String(format: " %+.3f", serviceLevelShift)
      }
      // The stocking location is the item's (an item master row may place a history without locations).
      return PlannedItem(series: s, key: StockKey(sku: key.sku, location: item.location ?? ""), item: item, abc: classes.abcClass(of: key.sku), serviceLevel: level, serviceLevelSource: source)
    }
  }
}

extension PolicyCalculator {
  /// The policy of a planned item for a demand estimate.
  public static func compute(_ planned: PlannedItem, demand: DemandEstimate) -> PolicyResult {
    compute(item: planned.item, demand: demand, serviceLevel: planned.serviceLevel, serviceLevelSource: planned.serviceLevelSource)
  }

  /// Time-phased policies of a planned item: one for each of the `phases` periods from the plan on, period
  /// j's from the forecast of the exposure window (⌈E⌉ periods) starting j periods after the plan
  /// (`SeriesDemand.estimate(offset:exposurePeriods:)`); element 0 is the plan's own policy.
  public static func phased(_ planned: PlannedItem, demand: SeriesDemand, periodDays: Double, phases: Int) -> [PolicyResult] {
    let window = max(1, Int(planned.exposurePeriods(periodDays: periodDays).rounded(.up)))
    return (0..<max(1, phases)).map { compute(planned, demand: demand.estimate(offset: $0, exposurePeriods: window)) }
  }
}

extension Panel {
  /// Days since the last positive sale of each series as of `asOfDay` (`nil`: never sold).
  public func daysSinceLastSale(asOfDay: Int) -> [Int?] {
    (0..<seriesCount).map { s in
      let series = values(of: s)
      guard let k = series.lastIndex(where: { $0 > 0 }) else { return nil }
      let day = frequency.firstDay(ofPeriod: startPeriods[s] + (k - series.startIndex))
      return max(0, asOfDay - day)
    }
  }
}
