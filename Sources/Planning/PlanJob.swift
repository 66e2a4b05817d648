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
  /// Overstock without a sale for this many days is reported as dead stock.
  public var deadStockDays = PurchasePlanner.defaultDeadStockDays
  /// SKUs with less than two seasons of history, and longer ones whose own season agrees with it, forecast
  /// on their item-master category's season (`CategorySeasonality`) when the category has one.
  public var borrowSeasonality = true
  /// Days until the next plan: the plan gives each series a reorder point for every period until then
  /// (`PlanResult.phasedPolicies`), from the forecast of the exposure window starting that period.
  public var replanDays = 28.0
  /// Gain κ of the feedback from realised service (`PolicyBacktest.withFeedback`), from
  /// `PlanInputs.realisedService`; 0 = none.
  public var serviceFeedback = 0.0

  /// Periods of time-phased policies: replanDays / P rounded to the nearest whole period, at least 1 (the
  /// plan's own policy).
  public func phases(periodDays: Double) -> Int { max(1, Int((replanDays / periodDays).rounded())) }

  /// The categories `DemandEstimator.categories` borrows seasons from: nil when borrowing is off or no item
  /// has a category.
  func borrowingCategories(_ planned: [PlannedItem]) -> [String]? {
    guard borrowSeasonality, planned.contains(where: { !$0.item.category.isEmpty }) else { return nil }
    return planned.map(\.item.category)
  }

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
  /// The last day with a row in the history file (`ReadReport.lastDate`); `nil`: the panel's last day.
  /// A plan as of an earlier day cuts the history there.
  public var historyLastDay: Int?
  /// The locations stock can be at (the ledger's); `nil`: any (a stock snapshot). Items placed anywhere
  /// else are refused.
  public var knownLocations: Set<String>?
  /// Complete replenishment cycles, and those with a stock-out, per SKU × location — from the latest policy
  /// backtest's file (`ServiceAchieved.realisedCycles(path:)`) or the ledger's own cycles
  /// (`StockSource.realisedService`): what `PlanSettings.serviceFeedback` corrects targets by.
  public var realisedService: [StockKey: (cycles: Int, failed: Int)] = [:]

  public init(panel: Panel, items: ItemMaster, positions: StockPositions, settings: PlanSettings, historyLastDay: Int? = nil,
              knownLocations: Set<String>? = nil) {
    self.panel = panel
    self.items = items
    self.positions = positions
    self.settings = settings
    self.historyLastDay = historyLastDay
    self.knownLocations = knownLocations
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
  /// Per series (in `demands` order), the policies of the periods after the first until the next plan
  /// (`PlanSettings.replanDays`): `phasedPolicies[i][j − 1]` governs period j after the plan; empty when
  /// the next plan is a period away.
  public var phasedPolicies: [[PolicyResult]] = []
  public var positions: StockPositions
  public var purchase: PurchasePlan
  public var timings: [(step: String, seconds: Double)]
  /// What the run did to its inputs that a reader should know (the history cut at the plan date, …).
  public var notes: [String] = []

  /// The position of a planned series (zero when the stock source has none).
  public func position(of planned: PlannedItem) -> StockPosition { positions[planned.key] ?? StockPosition() }

  /// The figures of the one-screen summary.
  public struct Summary: Sendable {
    public var classCounts: [(abc: ABCClass, skus: Int)]
    public var fitted: Int
    public var fallbacks: Int
    /// Series forecast on their category's season (`CategorySeasonality`).
    public var borrowedSeasons: Int
    public var lines: Int
    public var deferredValue: Double
    public var transferUnits: Double
    public var overstockValue: Double
  }

  public var summary: Summary {
    let fallbacks = demands.filter { $0.fallback != nil }.count
    return Summary(
      classCounts: ABCClass.ranked.map { c in (c, classes.filter { $0.abc == c }.count) }, fitted: demands.count - fallbacks, fallbacks: fallbacks,
      borrowedSeasons: demands.filter { $0.borrowedSeason != nil }.count,
      lines: purchase.orders.reduce(0) { $0 + $1.lines.count }, deferredValue: purchase.deferred.reduce(0) { $0 + $1.lineValue },
      transferUnits: purchase.transfers.reduce(0) { $0 + $1.quantity }, overstockValue: purchase.overstock.reduce(0) { $0 + $1.excessValue })
  }
}

public enum PlanJob {
  /// Why a plan cannot be computed from its inputs.
  public enum Problem: Error, CustomStringConvertible, Sendable {
    case classification(ClassificationInputs.Problem)
    /// The plan date is before the history has a full period.
    case asOfBeforeHistory(String)
    /// The plan date is more than a period after the history ends: the forecasts would start long before it.
    case asOfAfterHistory(String)
    /// An item is placed at a location the ledger does not have.
    case unknownLocation(String)
    /// Shard files that do not make one plan (missing, repeated, from other inputs, not a shard file).
    case demandShards(String)

    public var description: String {
      switch self {
      case .classification(let p): p.description
      case .asOfBeforeHistory(let m), .asOfAfterHistory(let m), .unknownLocation(let m), .demandShards(let m): m
      }
    }
  }

  /// The history a plan as of `asOf` may see: periods that end on or before it. A plan date inside a
  /// period drops that period (its later days are the future); a date on the history's last data day
  /// keeps everything.
  static func history(_ inputs: PlanInputs, asOf: Int) throws(Problem) -> (panel: Panel, note: String?) {
    let panel = inputs.panel
    let frequency = panel.frequency
    let panelLast = frequency.firstDay(ofPeriod: panel.endPeriod) - 1
    let lastData = inputs.historyLastDay ?? panelLast
    let firstDay = frequency.firstDay(ofPeriod: panel.startPeriod)
    let periodDays = Int(frequency.nominalDays.rounded(.up))
    if asOf > lastData + periodDays {
      throw .asOfAfterHistory(
        "as_of \(CivilDate(dayNumber: asOf)) is \(asOf - lastData) days after the history's last day \(CivilDate(dayNumber: lastData)): the forecasts would start long before the plan date; expected as_of at most one \(frequency.rawValue) after it, or before it (the history is then cut at as_of)")
    }
    guard asOf < lastData else { return (panel, nil) }
    let containing = frequency.period(containing: asOf)
    let end = frequency.firstDay(ofPeriod: containing + 1) - 1 == asOf ? containing + 1 : containing
    guard end > panel.startPeriod else {
      throw .asOfBeforeHistory(
        "as_of \(CivilDate(dayNumber: asOf)) leaves no full \(frequency.rawValue) of history (it starts \(CivilDate(dayNumber: firstDay))); expected a date after the first \(frequency.rawValue)")
    }
    let cut = panel.truncated(endPeriod: end)
    let dropped = panel.endPeriod - end
    return (cut, "history cut at as_of \(CivilDate(dayNumber: asOf)): \(dropped) \(frequency.rawValue)\(dropped == 1 ? "" : "s") from \(frequency.label(ofPeriod: end)) on are not used")
  }

  /// ABC/XYZ classes as of a day (nil: the plan date, else the history's last day), from the history that
  /// day may see — the first step of `run`, for the analyst's monthly review.
  public static func classify(_ inputs: PlanInputs, asOf day: Int? = nil) throws(Problem) -> (asOf: Int, classes: [ClassifiedSKU]) {
    let settings = inputs.settings
    let asOf = day ?? settings.asOfDay ?? inputs.historyLastDay ?? (inputs.panel.frequency.firstDay(ofPeriod: inputs.panel.endPeriod) - 1)
    let (panel, _) = try history(inputs, asOf: asOf)
    do {
      return (asOf, try settings.classifier.classify(panel: panel, asOfDay: asOf, windowDays: settings.windowDays, measure: settings.measure, items: inputs.items).classes)
    } catch { throw .classification(error) }
  }

  /// Runs classify → resolve items → forecast → (scenario) → policy → PO suggestions.
  ///
  /// With a `scenario`, its service-level shift and budget replace the settings', and its demand, lead-time
  /// and price changes are applied once to each series' demand and item, which then drive the policy, the
  /// PO priorities and the expected arrival dates alike. `demands` reuses forecasts of an earlier run on
  /// the same panel (a scenario against its baseline).
  public static func run(_ inputs: PlanInputs, scenario: ScenarioSpec? = nil, demands precomputed: [SeriesDemand]? = nil,
                         progress: (@Sendable (String, Int, Int) -> Void)? = nil) throws(Problem) -> PlanResult {
    var timings: [(String, Double)] = []
    var clock = Date()
    func lap(_ name: String) {
      timings.append((name, Date().timeIntervalSince(clock)))
      clock = Date()
    }
    let prepared = try prepare(inputs, scenario: scenario)
    let (settings, asOf, panel, cutNote, classes, classMap) = (prepared.settings, prepared.asOf, prepared.panel, prepared.cutNote, prepared.classes, prepared.classMap)
    var planned = prepared.planned
    lap("classify")

    var demands: [SeriesDemand]
    if let precomputed {
      demands = precomputed
    } else {
      let total = panel.seriesCount
      let exposure = prepared.exposure
      demands = prepared.estimator.estimate(panel: panel, exposure: { exposure[$0] }, progress: { progress?("forecast", $0, total) })
    }
    lap(precomputed == nil ? "forecast" : "forecast (reused)")

    if let scenario {
      for i in demands.indices {
        let s = demands[i].series
        (demands[i], planned[s].item) = scenario.adjust(demands[i], item: planned[s].item, frequency: panel.frequency, firstForecastPeriod: panel.endPeriod)
      }
    }
    let plannedInOrder = demands.map { planned[$0.series] }
    let periodDays = panel.frequency.nominalDays
    let phases = settings.phases(periodDays: periodDays)
    let demandList = demands
    let schedules = parallelMap(count: demands.count, threads: settings.threads) { i in
      PolicyCalculator.phased(plannedInOrder[i], demand: demandList[i], periodDays: periodDays, phases: phases)
    }
    let policies = schedules.map { $0[0] }
    let phased = phases <= 1 ? [] : schedules.map { Array($0.dropFirst()) }
    lap("policy")

    let lastSale = panel.daysSinceLastSale(asOfDay: asOf)
    var daysSinceLastSale: [StockKey: Int] = [:]
    for p in planned { if let days = lastSale[p.series] { daysSinceLastSale[p.key] = min(days, daysSinceLastSale[p.key] ?? .max) } }
    var planner = PurchasePlanner(budget: settings.budget, today: asOf)
    planner.classWeights = settings.classWeights
    planner.deadStockDays = settings.deadStockDays
    let purchase = planner.plan(Array(zip(policies, plannedInOrder)), positions: inputs.positions, master: inputs.items, daysSinceLastSale: daysSinceLastSale)
    lap("purchase suggestions")
    var result = PlanResult(asOfDay: asOf, panel: panel, settings: settings, demands: demands, classes: classes, classMap: classMap, planned: plannedInOrder,
                            policies: policies, phasedPolicies: phased, positions: inputs.positions, purchase: purchase, timings: timings)
    if let cutNote { result.notes.append(cutNote) }
    return result
  }

  /// What `run` works out before forecasting: the settings in force, the plan date, the history it may
  /// see, the classes, each series' item (lead time, review period, service level) and exposure.
  struct Preparation {
    var settings: PlanSettings
    var asOf: Int
    var panel: Panel
    var cutNote: String?
    var classes: [ClassifiedSKU]
    var classMap: [String: ClassifiedSKU]
    var planned: [PlannedItem]
    /// (exposure periods, service level) per series.
    var exposure: [(periods: Double, serviceLevel: Double)]
    var estimator: DemandEstimator

    /// FNV-1a of everything that decides a series' demand: model, season length, horizon, plan date, the
    /// panel's shape and keys, each series' exposure, service level and the category it may borrow a season from.
    var fingerprint: String {
      var hash = StableHash()
      hash.add(settings.method.alias)
      for n in [settings.seasonLength, settings.horizon, asOf, panel.seriesCount, panel.startPeriod, panel.endPeriod] { hash.add(n) }
      hash.add(panel.frequency.rawValue)
      for (s, key) in panel.keys.enumerated() {
        hash.add(key.description)
        hash.add(panel.length(of: s))
        hash.add(exposure[s].periods)
        hash.add(exposure[s].serviceLevel)
        hash.add(estimator.categories?[s] ?? "")
      }
      return String(hash.value, radix: 16)
    }
  }

  static func prepare(_ inputs: PlanInputs, scenario: ScenarioSpec?) throws(Problem) -> Preparation {
    var settings = inputs.settings
    if let budget = scenario?.budget { settings.budget = budget }
    let asOf = settings.asOfDay ?? inputs.historyLastDay ?? (inputs.panel.frequency.firstDay(ofPeriod: inputs.panel.endPeriod) - 1)
    let (panel, cutNote) = try history(inputs, asOf: asOf)
    let classes: [ClassifiedSKU]
    do {
      classes = try settings.classifier.classify(panel: panel, asOfDay: asOf, windowDays: settings.windowDays, measure: settings.measure,
                                                 items: inputs.items).classes
    } catch { throw .classification(error) }
    let classMap = Dictionary(uniqueKeysWithValues: classes.map { ($0.sku, $0) })
    var planned = PlannedItem.resolve(panel: panel, master: inputs.items, classes: classMap, serviceLevelShift: scenario?.serviceLevelShift ?? 0)
    if let known = inputs.knownLocations, known.count == 1, let only = known.first {
      // One stocking location: SKUs the item master does not place are stocked there.
      for i in planned.indices where planned[i].key.location.isEmpty {
        planned[i].key = StockKey(sku: planned[i].key.sku, location: only)
        planned[i].item.location = only
      }
    }
    if let known = inputs.knownLocations, let stray = planned.first(where: { !known.contains($0.key.location) }) {
      throw .unknownLocation(
        "item \(stray.key.sku) is placed at location \(stray.key.location.isEmpty ? "\"\" (none)" : stray.key.location), which the ledger does not have (\(known.sorted().joined(separator: ", "))); expected an item-master location defined with `replenish ledger init --locations`")
    }
    if settings.serviceFeedback > 0 {
      let realised = inputs.realisedService
      planned = PolicyBacktest.withFeedback(planned, realised: { realised[$0.key] }, gain: settings.serviceFeedback,
                                            minimumCycles: PolicyBacktest.defaultFeedbackMinimumCycles)
    }
    let periodDays = panel.frequency.nominalDays
    let exposure = planned.map { (periods: $0.exposurePeriods(periodDays: periodDays), serviceLevel: $0.serviceLevel) }
    var estimator = DemandEstimator(method: settings.method, seasonLength: settings.seasonLength, threads: settings.threads, horizon: settings.horizon)
    estimator.categories = settings.borrowingCategories(planned)
    return Preparation(settings: settings, asOf: asOf, panel: panel, cutNote: cutNote, classes: classes, classMap: classMap, planned: planned,
                       exposure: exposure, estimator: estimator)
  }

  /// One shard of a plan across machines: the demand of the shard's series (the forecasting step, which
  /// is nearly all of a plan's time), for `mergedDemands` to put together. Classes and items are worked
  /// out on the whole history, as `run` does, since exposure and service levels depend on them.
  public static func demandShard(_ inputs: PlanInputs, shard: PanelShard, progress: (@Sendable (String, Int, Int) -> Void)? = nil) throws(Problem) -> DemandShard {
    let prepared = try prepare(inputs, scenario: nil)
    let series = shard.series(of: prepared.panel)
    let exposure = prepared.exposure
    let partial = prepared.estimator.estimateEach(panel: prepared.panel, series: series, exposure: { exposure[$0] },
                                                  progress: { progress?("forecast", $0, series.count) })
    return DemandShard(shard: shard, seriesCount: prepared.panel.seriesCount, fingerprint: prepared.fingerprint, demands: partial)
  }

  /// The demands of the whole panel from the files of its N shards (any order), completed by the step
  /// across series: what `run` computes in one process, for `run(_:demands:)`. Refused: a count of files
  /// other than N, a shard twice, shards of different N, a shard computed from other inputs or settings,
  /// a series missing, repeated, in the wrong shard or not the panel's.
  public static func mergedDemands(_ files: [(name: String, shard: DemandShard)], inputs: PlanInputs) throws(Problem) -> [SeriesDemand] {
    guard let count = files.first?.shard.shard.count else { throw .demandShards("no demand shard files") }
    let prepared = try prepare(inputs, scenario: nil)
    let panel = prepared.panel
    let fingerprint = prepared.fingerprint
    var fileOfShard: [Int: String] = [:]
    var bySeries = [PartialDemand?](repeating: nil, count: panel.seriesCount)
    for (name, file) in files {
      guard file.shard.count == count else {
        throw .demandShards("\(name): shard \(file.shard) of \(file.shard.count); \(files[0].name) is one of \(count): every file must come from one run of N shards")
      }
      if let other = fileOfShard[file.shard.number] { throw .demandShards("\(name): shard \(file.shard) again (also \(other)); expected each of the \(count) shards once") }
      fileOfShard[file.shard.number] = name
      guard file.seriesCount == panel.seriesCount, file.fingerprint == fingerprint else {
        throw .demandShards(
          "\(name): computed from other inputs or settings (fingerprint \(file.fingerprint), \(file.seriesCount) series; this plan: \(fingerprint), \(panel.seriesCount) series); expected the shards run with the same history, items, suppliers, models, as_of and stock locations as the merge")
      }
      for partial in file.demands {
        let s = partial.demand.series
        guard s >= 0, s < panel.seriesCount, panel.keys[s] == partial.demand.key else {
          throw .demandShards("\(name): series \(s) (\(partial.demand.key)) is not the history's series \(s); expected the same history as the merge")
        }
        guard file.shard.contains(sku: partial.demand.key.sku) else {
          throw .demandShards("\(name): SKU \(partial.demand.key.sku) belongs to shard \(PanelShard.number(ofSKU: partial.demand.key.sku, count: count))/\(count), not \(file.shard)")
        }
        guard bySeries[s] == nil else { throw .demandShards("\(name): series \(partial.demand.key) twice") }
        bySeries[s] = partial
      }
    }
    guard fileOfShard.count == count else {
      let missing = (1...count).filter { fileOfShard[$0] == nil }.prefix(5).map { "\($0)/\(count)" }
      throw .demandShards("\(files.count) shard file(s) for \(count) shards: missing \(missing.joined(separator: ", ")); expected one file per shard")
    }
    if let s = bySeries.firstIndex(where: { $0 == nil }) {
      throw .demandShards("series \(panel.keys[s]) is in no shard file (its shard \(PanelShard.number(ofSKU: panel.keys[s].sku, count: count))/\(count) left it out)")
    }
    return DemandEstimator.completed(bySeries.map { $0! })
  }
}
