import Foundation
import Forecasting
import Policy
import Sampling
import TimeSeries

/// A planner's what-if: demand multipliers, lead-time shocks, service-level and budget changes.
public struct ScenarioSpec: Sendable {
  public var name: String
  /// Applied to every SKU and period.
  public var demandMultiplier = 1.0
  /// By calendar month (1–12) of the forecast period.
  public var monthMultipliers: [Int: Double] = [:]
  /// By item-master category.
  public var categoryMultipliers: [String: Double] = [:]
  /// By SKU.
  public var skuMultipliers: [String: Double] = [:]
  /// Extra lead-time days by supplier ("*" for all).
  public var leadTimeShiftDays: [String: Double] = [:]
  /// Added to every service level (e.g. +0.01).
  public var serviceLevelShift = 0.0
  /// Replaces the budget when set.
  public var budget: Double?
  /// Multiplies unit prices (value and priorities) and, with a price elasticity ε, demand by priceMultiplier^ε
  /// (constant-elasticity demand, ε from `replenish regress` or an assumption; 0 = demand unchanged).
  public var priceMultiplier = 1.0
  public var priceElasticity = 0.0

  public init(name: String) { self.name = name }

  /// The demand multiplier of a SKU in the period starting on `day`.
  public func multiplier(sku: String, category: String, day: Int) -> Double {
    var m = demandMultiplier * pow(priceMultiplier, priceElasticity)
    let month = CivilDate(dayNumber: day).month
    m *= monthMultipliers[month] ?? 1
    m *= categoryMultipliers[category] ?? 1
    m *= skuMultipliers[sku] ?? 1
    return m
  }

  /// Scales a series' forecast path, demand rate, σ and exposure quantiles; shifts the item's lead time.
  public func adjust(_ demand: SeriesDemand, item: Item, frequency: Frequency, firstForecastPeriod: Int) -> (SeriesDemand, Item) {
    var d = demand
    var it = item
    it.leadTimeDays += leadTimeShiftDays[item.supplier] ?? leadTimeShiftDays["*"] ?? 0
    if let unitPrice = it.unitPrice { it.unitPrice = unitPrice * priceMultiplier }
    guard var forecast = d.forecast else { return (d, it) }
    let factors = forecast.mean.indices.map { multiplier(sku: item.sku, category: item.category, day: frequency.firstDay(ofPeriod: firstForecastPeriod + $0)) }
    forecast.mean = zip(forecast.mean, factors).map { $0 * $1 }
    forecast.lower = forecast.lower.map { zip($0, factors).map { $0 * $1 } }
    forecast.upper = forecast.upper.map { zip($0, factors).map { $0 * $1 } }
    d.forecast = forecast
    let exposure = max(1, Int((it.exposureDays / frequency.nominalDays).rounded(.up)))
    let window = factors.prefix(exposure)
    let average = window.isEmpty ? 1 : window.reduce(0, +) / Double(window.count)
    d.estimate.meanPerPeriod = forecast.mean.prefix(exposure).reduce(0, +) / Double(min(exposure, max(1, forecast.mean.count)))
    d.estimate.sigmaPerPeriod *= average
    if var e = d.estimate.exposureDemand {
      e.mean *= average
      e.quantiles = e.quantiles.map { ($0.level, $0.value * average) }
      d.estimate.exposureDemand = e
    }
    return (d, it)
  }
}

/// Monte Carlo projection of a plan's policies over the forecast horizon, from the ledger's positions.
///
/// Each run draws per-period demand around the (scenario-scaled) forecast path: negative binomial with
/// mean μ_t and variance max(μ_t, σ_d²) (Poisson when σ_d² ≤ μ_t), integer units; starts from on hand =
/// sellable − committed, backorders, and inbound arriving the item's lead time (days) after the plan date;
/// then replays the
/// policy (`PolicySimulation`). Reported per ABC class: mean over runs of PO spend (units ordered × unit
/// cost), average inventory value, fill rate and stock-out units.
public struct ScenarioProjection: Sendable {
  public struct ClassFigures: Sendable, Codable {
    public var skus = 0
    public var spend = 0.0
    public var inventoryValue = 0.0
    public var demand = 0.0
    public var served = 0.0
    public var stockOutUnits = 0.0
    public var fillRate: Double { demand > 0 ? served / demand : 1 }
  }

  public var runs: Int
  public var seed: UInt64

  public init(runs: Int = 100, seed: UInt64 = 1) {
    self.runs = runs
    self.seed = seed
  }

  /// Figures per ABC class (`nil` key: all SKUs).
  public func project(_ plan: PlanResult, threads: Int) -> [ABCClass?: ClassFigures] {
    let perSeries = parallelMap(count: plan.demands.count, threads: threads) { i -> (ABCClass, ClassFigures) in
      let demand = plan.demands[i]
      let policy = plan.policies[i]
      let planned = plan.planned[i]
      let item = planned.item
      let cls = planned.abc
      var figures = ClassFigures()
      figures.skus = 1
      guard let path = demand.forecast?.mean, !path.isEmpty else { return (cls, figures) }
      let position = plan.position(of: planned)
      let cost = position.averageUnitCost > 0 ? position.averageUnitCost : item.unitCost ?? 0
      let sigma = demand.estimate.sigmaPerPeriod
      var rng = SeededGenerator(seed: seed &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15)
      for r in 0..<runs {
        let draws = path.map { mu -> Double in
          guard mu > 0 else { return 0 }
          let variance = max(mu, sigma * sigma)
          if variance <= mu * 1.0001 { return Double(rng.poisson(mu)) }
          return Double(rng.negativeBinomial(mean: mu, size: mu * mu / (variance - mu)))
        }
        let result = PolicySimulation.run(
          policy: policy, item: item, demand: draws, seed: seed &+ UInt64(r), initialOnHand: max(0, position.availableToPromise),
          initialBackorders: position.backordered, initialPipeline: position.pipeline > 0 ? [(item.leadTimeDays, position.pipeline)] : [])
        figures.spend += result.unitsOrdered * cost
        figures.inventoryValue += result.averageOnHand * cost
        figures.demand += result.demand
        figures.served += result.servedFromStock
        figures.stockOutUnits += result.demand - result.servedFromStock
      }
      let n = Double(runs)
      figures.spend /= n
      figures.inventoryValue /= n
      figures.demand /= n
      figures.served /= n
      figures.stockOutUnits /= n
      return (cls, figures)
    }
    var byClass: [ABCClass?: ClassFigures] = [:]
    for (cls, f) in perSeries {
      for key in [cls, nil] as [ABCClass?] {
        var t = byClass[key, default: ClassFigures()]
        t.skus += f.skus
        t.spend += f.spend
        t.inventoryValue += f.inventoryValue
        t.demand += f.demand
        t.served += f.served
        t.stockOutUnits += f.stockOutUnits
        byClass[key] = t
      }
    }
    return byClass
  }
}

/// A what-if run: the baseline plan, the same plan under a scenario (from the baseline's forecasts), and
/// both projected by the same seeded Monte Carlo.
public struct ScenarioComparison: Sendable {
  public var spec: ScenarioSpec
  public var baseline: PlanResult
  public var scenario: PlanResult
  public var baselineFigures: [ABCClass?: ScenarioProjection.ClassFigures]
  public var scenarioFigures: [ABCClass?: ScenarioProjection.ClassFigures]

  public static func run(_ inputs: PlanInputs, spec: ScenarioSpec, projection: ScenarioProjection,
                         progress: (@Sendable (String, Int, Int) -> Void)? = nil) throws(PlanJob.Problem) -> ScenarioComparison {
    let baseline = try PlanJob.run(inputs, progress: progress)
    let scenario = try PlanJob.run(inputs, scenario: spec, demands: baseline.demands)
    let threads = inputs.settings.threads
    return ScenarioComparison(spec: spec, baseline: baseline, scenario: scenario, baselineFigures: projection.project(baseline, threads: threads),
                              scenarioFigures: projection.project(scenario, threads: threads))
  }
}
