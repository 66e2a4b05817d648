import Forecasting
import Foundation
import Ledger
import Policy
import TimeSeries

/// Everything the planning job needs besides the data files.
public struct PlanSettings: Sendable {
  public var method: any ForecastingMethod
  public var seasonLength: Int
  public var threads: Int
  /// Forecast periods kept for charts and scenarios.
  public var horizon: Int
  public var classifier = Classifier()
  public var measure: ABCMeasure = .revenue
  public var windowDays = 365
  public var budget: Double?
  /// The planning date (day number); default: the history's last day.
  public var asOfDay: Int?
  /// Service level shift applied on top of every resolved service level (scenarios), capped to [0.5, 0.9999].
  public var serviceLevelShift = 0.0

  public init(method: any ForecastingMethod, seasonLength: Int, threads: Int, horizon: Int) {
    self.method = method
    self.seasonLength = seasonLength
    self.threads = threads
    self.horizon = horizon
  }
}

/// The outcome of one planning run: demand, classes, policies, ledger positions and PO suggestions.
public struct PlanResult: Sendable {
  public var asOfDay: Int
  public var panel: Panel
  public var demands: [SeriesDemand]
  public var classes: [ClassifiedSKU]
  public var classMap: [String: ClassifiedSKU]
  public var items: [Item]
  public var policies: [PolicyResult]
  public var positions: [String: StockPosition]
  public var purchase: PurchasePlan
  public var timings: [(step: String, seconds: Double)]
}

public enum PlanJob {
  public static func positionKey(_ sku: String, _ location: String) -> String { sku + "\u{1F}" + location }

  /// Ledger balances as planner positions, keyed by `positionKey`.
  public static func positions(from ledger: LedgerStore) throws -> [String: StockPosition] {
    var out: [String: StockPosition] = [:]
    for p in try ledger.positions() where !p.isKit {
      out[positionKey(p.sku, p.location)] = StockPosition(
        sellable: Double(p.sellable), committed: Double(p.committed), backordered: Double(p.backordered), inbound: Double(p.inbound),
        inTransit: Double(p.inTransit), averageUnitCost: Double(p.averageUnitCostMicros) / 1_000_000)
    }
    return out
  }

  /// Runs forecast → classify → policy → PO suggestions. `adjustDemand` lets scenarios scale the demand
  /// estimate of a series (its forecast path and σ) before policies are computed.
  public static func run(panel: Panel, items master: ItemMaster, positions: [String: StockPosition], settings: PlanSettings,
                         demands precomputed: [SeriesDemand]? = nil, adjust: (@Sendable (SeriesDemand, Item) -> (SeriesDemand, Item))? = nil,
                         progress: (@Sendable (String, Int, Int) -> Void)? = nil) throws(ClassificationInputs.Problem) -> PlanResult {
    var timings: [(String, Double)] = []
    var clock = Date()
    func lap(_ name: String) {
      timings.append((name, Date().timeIntervalSince(clock)))
      clock = Date()
    }
    let lastDay = panel.frequency.firstDay(ofPeriod: panel.endPeriod) - 1
    let asOf = settings.asOfDay ?? lastDay
    let classes = try settings.classifier.classify(panel: panel, asOfDay: asOf, windowDays: settings.windowDays, measure: settings.measure, items: master).classes
    let classMap = Dictionary(uniqueKeysWithValues: classes.map { ($0.sku, $0) })
    lap("classify")

    let periodDays = panel.frequency.nominalDays
    let items = (0..<panel.seriesCount).map { s -> Item in
      let key = panel.keys[s]
      var item = master.item(sku: key.sku, location: key.location)
      if item.location == nil { item.location = key.location ?? "" }
      return item
    }
    let shift = settings.serviceLevelShift
    let levels = items.map { item -> (Double, String) in
      let (level, source) = serviceLevel(for: item, classes: classMap)
      return (min(0.9999, max(0.5, level + shift)), shift == 0 ? source : source + String(format: " %+.3f", shift))
    }
    let estimator = DemandEstimator(method: settings.method, seasonLength: settings.seasonLength, threads: settings.threads, horizon: settings.horizon)
    let total = panel.seriesCount
    var demands = precomputed ?? estimator.estimate(panel: panel, exposure: { s in
      let item = items[s]
      return (item.exposureDays / periodDays, levels[s].0)
    }, progress: { progress?("forecast", $0, total) })
    lap(precomputed == nil ? "forecast" : "forecast (reused)")

    var adjustedItems = items
    if let adjust {
      for i in demands.indices {
        let (d, item) = adjust(demands[i], items[demands[i].series])
        demands[i] = d
        adjustedItems[demands[i].series] = item
      }
    }
    let policies = demands.map { d in
      PolicyCalculator.compute(item: adjustedItems[d.series], demand: d.estimate, serviceLevel: levels[d.series].0, serviceLevelSource: levels[d.series].1)
    }
    lap("policy")

    // Days since the last sale, for dead stock.
    var lastSale: [String: Int] = [:]
    for s in 0..<panel.seriesCount {
      let values = panel.values(of: s)
      if let k = values.lastIndex(where: { $0 > 0 }) {
        let day = panel.frequency.firstDay(ofPeriod: panel.startPeriods[s] + (k - values.startIndex))
        lastSale[panel.keys[s].sku] = max(0, asOf - day)
      }
    }
    var planner = PurchasePlanner(budget: settings.budget, today: asOf)
    planner.classWeights = ["A": 3, "B": 2, "C": 1]
    let purchase = planner.plan(policies: policies, positions: positions, items: master, classes: classMap, daysSinceLastSale: lastSale)
    lap("purchase suggestions")
    return PlanResult(asOfDay: asOf, panel: panel, demands: demands, classes: classes, classMap: classMap, items: adjustedItems, policies: policies,
                      positions: positions, purchase: purchase, timings: timings)
  }
}
