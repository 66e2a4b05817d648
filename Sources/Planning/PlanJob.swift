import Forecasting
import Foundation
import Policy
import TimeSeries

/// Stock positions by SKU × location, from the ledger (`StockSource.read`) or a stock
/// snapshot (`StockSnapshot.read`).
public typealias StockPositions = [StockKey: StockPosition]

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
  /// Budget priority weight per class (ties between classes: A before B before C).
  public var classWeights: [ABCClass: Double] = [.A: 3, .B: 2, .C: 1, .new: 1]

  public init(method: any ForecastingMethod, seasonLength: Int, threads: Int, horizon: Int) {
    self.method = method
    self.seasonLength = seasonLength
    self.threads = threads
    self.horizon = horizon
  }
}

/// What a plan is computed from: the history panel, the item master, the stock positions, the settings.
/// The CLI, the server and the tests build one of these and call `PlanJob.run`.
public struct PlanInputs: Sendable {
  public var panel: Panel
  public var items: ItemMaster
  public var positions: StockPositions
  public var settings: PlanSettings

  public init(panel: Panel, items: ItemMaster, positions: StockPositions, settings: PlanSettings) {
    self.panel = panel
    self.items = items
    self.positions = positions
    self.settings = settings
  }
}

/// The outcome of one planning run: demand, classes, resolved items, policies, positions and PO suggestions.
/// `demands[i]`, `planned[i]` and `policies[i]` describe the same series, `planned[i].series`.
public struct PlanResult: Sendable {
  public var asOfDay: Int
  public var panel: Panel
  public var settings: PlanSettings
  public var demands: [SeriesDemand]
  public var classes: [ClassifiedSKU]
  public var classMap: [String: ClassifiedSKU]
  public var planned: [PlannedItem]
  public var policies: [PolicyResult]
  public var positions: StockPositions
  public var purchase: PurchasePlan
  public var timings: [(step: String, seconds: Double)]

  /// The position of a planned series (zero when the stock source has none).
  public func position(of planned: PlannedItem) -> StockPosition { positions[planned.key] ?? StockPosition() }

  /// The figures of the one-screen summary.
  public struct Summary: Sendable {
    public var classCounts: [(abc: ABCClass, skus: Int)]
    public var fitted: Int
    public var fallbacks: Int
    public var lines: Int
    public var deferredValue: Double
    public var transferUnits: Double
    public var overstockValue: Double
  }

  public var summary: Summary {
    let fallbacks = demands.filter { $0.fallback != nil }.count
    return Summary(
      classCounts: ABCClass.ranked.map { c in (c, classes.filter { $0.abc == c }.count) }, fitted: demands.count - fallbacks, fallbacks: fallbacks,
      lines: purchase.orders.reduce(0) { $0 + $1.lines.count }, deferredValue: purchase.deferred.reduce(0) { $0 + $1.lineValue },
      transferUnits: purchase.transfers.reduce(0) { $0 + $1.quantity }, overstockValue: purchase.overstock.reduce(0) { $0 + $1.excessValue })
  }
}

public enum PlanJob {
  /// Runs classify → resolve items → forecast → (scenario) → policy → PO suggestions.
  ///
  /// With a `scenario`, its service-level shift and budget replace the settings', and its demand, lead-time
  /// and price changes are applied once to each series' demand and item, which then drive the policy, the
  /// PO priorities and the expected arrival dates alike. `demands` reuses forecasts of an earlier run on
  /// the same panel (a scenario against its baseline).
  public static func run(_ inputs: PlanInputs, scenario: ScenarioSpec? = nil, demands precomputed: [SeriesDemand]? = nil,
                         progress: (@Sendable (String, Int, Int) -> Void)? = nil) throws(ClassificationInputs.Problem) -> PlanResult {
    var timings: [(String, Double)] = []
    var clock = Date()
    func lap(_ name: String) {
      timings.append((name, Date().timeIntervalSince(clock)))
      clock = Date()
    }
    let panel = inputs.panel
    var settings = inputs.settings
    if let budget = scenario?.budget { settings.budget = budget }
    let lastDay = panel.frequency.firstDay(ofPeriod: panel.endPeriod) - 1
    let asOf = settings.asOfDay ?? lastDay
    let classes = try settings.classifier.classify(panel: panel, asOfDay: asOf, windowDays: settings.windowDays, measure: settings.measure,
                                                   items: inputs.items).classes
    let classMap = Dictionary(uniqueKeysWithValues: classes.map { ($0.sku, $0) })
    lap("classify")

    var planned = PlannedItem.resolve(panel: panel, master: inputs.items, classes: classMap, serviceLevelShift: scenario?.serviceLevelShift ?? 0)
    let periodDays = panel.frequency.nominalDays
    var demands: [SeriesDemand]
    if let precomputed {
      demands = precomputed
    } else {
      let estimator = DemandEstimator(method: settings.method, seasonLength: settings.seasonLength, threads: settings.threads, horizon: settings.horizon)
      let total = panel.seriesCount
      let exposure = planned.map { ($0.exposurePeriods(periodDays: periodDays), $0.serviceLevel) }
      demands = estimator.estimate(panel: panel, exposure: { exposure[$0] }, progress: { progress?("forecast", $0, total) })
    }
    lap(precomputed == nil ? "forecast" : "forecast (reused)")

    if let scenario {
      for i in demands.indices {
        let s = demands[i].series
        (demands[i], planned[s].item) = scenario.adjust(demands[i], item: planned[s].item, frequency: panel.frequency, firstForecastPeriod: panel.endPeriod)
      }
    }
    let plannedInOrder = demands.map { planned[$0.series] }
    let policies = zip(demands, plannedInOrder).map { PolicyCalculator.compute($1, demand: $0.estimate) }
    lap("policy")

    let lastSale = panel.daysSinceLastSale(asOfDay: asOf)
    var daysSinceLastSale: [StockKey: Int] = [:]
    for p in planned { if let days = lastSale[p.series] { daysSinceLastSale[p.key] = min(days, daysSinceLastSale[p.key] ?? .max) } }
    var planner = PurchasePlanner(budget: settings.budget, today: asOf)
    planner.classWeights = settings.classWeights
    let purchase = planner.plan(Array(zip(policies, plannedInOrder)), positions: inputs.positions, master: inputs.items, daysSinceLastSale: daysSinceLastSale)
    lap("purchase suggestions")
    return PlanResult(asOfDay: asOf, panel: panel, settings: settings, demands: demands, classes: classes, classMap: classMap, planned: plannedInOrder,
                      policies: policies, positions: inputs.positions, purchase: purchase, timings: timings)
  }
}
