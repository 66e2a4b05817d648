import Forecasting
import Statistics
import SyntheticData
import Testing
import TimeSeries

@testable import Planning
@testable import Policy

@Suite("Seasonality borrowed from a category for SKUs with a short history")
struct CategorySeasonalityTests {
  /// Season of length 4, indices (0.5, 1.5, 1.2, 0.8) from the first long member's first period P0.
  static let season = [0.5, 1.5, 1.2, 0.8]

  /// toys: three members with 3 seasons (levels 10, 20, 40) and one SKU with 5 periods; pair: two members
  /// with 3 seasons and a short one (too few members); flat: three constant members and a short one (no
  /// season); one SKU with no category; mixed: three members with the season and one, smaller, with the
  /// opposite season. Every series reaches the panel's end, P0 + 12.
  static func panel() -> (Panel, [String], p0: Int) {
    let p0 = Frequency.week.period(containing: CivilDate(year: 2024, month: 1, day: 1)!.dayNumber)
    let specs: [(name: String, category: String, level: Double, first: Int, seasonal: Bool)] = [
      ("T1", "toys", 10, 0, true), ("T2", "toys", 20, 0, true), ("T3", "toys", 40, 0, true), ("T-new", "toys", 10, 7, true),
      ("P1", "pair", 10, 0, true), ("P2", "pair", 10, 0, true), ("P-new", "pair", 10, 7, true),
      ("F1", "flat", 5, 0, false), ("F2", "flat", 5, 0, false), ("F3", "flat", 5, 0, false), ("F-new", "flat", 5, 9, false),
      ("loose", "", 10, 9, true),
      ("M1", "mixed", 10, 0, true), ("M2", "mixed", 10, 0, true), ("M3", "mixed", 10, 0, true), ("M-anti", "mixed", 4, 0, false),
    ]
    let opposite = [1.5, 0.5, 0.8, 1.2]
    var values: [Double] = [], offsets = [0]
    for spec in specs {
      for t in spec.first..<12 { values.append(spec.level * (spec.seasonal ? season[t % 4] : spec.name == "M-anti" ? opposite[t % 4] : 1)) }
      offsets.append(values.count)
    }
    let panel = Panel(frequency: .week, keys: specs.map { SeriesKey(sku: $0.name) }, offsets: offsets, startPeriods: specs.map { p0 + $0.first },
                      endPeriod: p0 + 12, values: values, flags: Array(repeating: .observed, count: values.count), prices: nil)
    return (panel, specs.map(\.category), p0)
  }

  @Test("A category's profile is its members' season; short SKUs borrow it, long ones when their own season agrees; too few members or no season: none")
  func profiles() throws {
    let (panel, categories, p0) = Self.panel()
    let borrowed = CategorySeasonality(panel: panel, categories: categories, seasonLength: 4)
    #expect(borrowed.profiles.keys.sorted() == ["mixed", "toys"])
    let toys = try #require(borrowed.profiles["toys"])
    // Exact for a periodic history: the centred moving average is the level, each ratio the index.
    for p in (p0 - 3)...(p0 + 20) { #expect(abs(toys.index(ofPeriod: p) - Self.season[((p - p0) % 4 + 4) % 4]) < 1e-12, "period \(p)") }
    #expect(toys.source == "season of category toys (3 SKUs, 3 seasons)")
    // T1–T3 (r = 1 with their own season) and T-new; in mixed M1–M3 but not M-anti, whose season is the opposite.
    #expect(borrowed.borrowers.keys.sorted() == [0, 1, 2, 3, 12, 13, 14])
    #expect(borrowed.borrowers[0]?.source == "season of category toys (3 SKUs, 3 seasons), r = 1.00 with its own")
    #expect(borrowed.borrowers[3]?.source == "season of category toys (3 SKUs, 3 seasons)")
    let mixed = try #require(borrowed.profiles["mixed"])
    #expect(try #require(mixed.agreement(with: panel.history(of: 15, censorStockOuts: true), firstPeriod: p0)) < -0.9)
    // Cut a period after the launch: the members have 2 seasons, the new SKU one period and borrows; a
    // period earlier the members have less than 2 seasons and no category has a profile.
    let early = CategorySeasonality(panel: panel, categories: categories, seasonLength: 4, endPeriod: p0 + 8)
    #expect(early.profiles["toys"]?.source == "season of category toys (3 SKUs, 2 seasons)")
    #expect(early.borrowers.keys.sorted() == [0, 1, 2, 3, 12, 13, 14])
    #expect(CategorySeasonality(panel: panel, categories: categories, seasonLength: 4, endPeriod: p0 + 7).profiles.isEmpty)
  }

  @Test("A borrower is forecast on the adjusted scale: the season multiplied back, residuals in units")
  func forecastOnAdjustedScale() throws {
    let (panel, categories, p0) = Self.panel()
    var estimator = DemandEstimator(method: AverageMethod(), seasonLength: 4, threads: 1, horizon: 4)
    estimator.categories = categories
    let demands = estimator.estimate(panel: panel, exposure: { _ in (2, 0.9) })
    let new = demands[3]
    let forecast = try #require(new.forecast)
    // History 10·S → adjusted 10 everywhere → the mean 10, times S of periods P0 + 12 … P0 + 15.
    for h in 0..<4 { #expect(abs(forecast.mean[h] - 10 * Self.season[(12 + h) % 4]) < 1e-9, "step \(h + 1): \(forecast.mean[h])") }
    #expect(forecast.residuals.allSatisfy { abs($0) < 1e-9 })
    #expect(forecast.model.hasSuffix("× season of category toys (3 SKUs, 3 seasons)"))
    #expect(abs(new.estimate.meanPerPeriod - 10 * (Self.season[0] + Self.season[1]) / 2) < 1e-9)
    // Without categories the same SKU's forecast is flat at its mean.
    estimator.categories = nil
    let flat = try #require(estimator.estimate(panel: panel, exposure: { _ in (2, 0.9) })[3].forecast)
    #expect(flat.mean.allSatisfy { abs($0 - flat.mean[0]) < 1e-9 } && !flat.model.contains("season of"))
    _ = p0
  }

  /// Known-truth SKUs launched 30 weeks before the cut (yearly season, peaks spread like their category's):
  /// the exposure demand (3 weeks: 14 days of lead time + the weekly review) of the first plan, against
  /// the truth, with and without the category's season.
  @Test("On launched known-truth SKUs the borrowed season cuts the error of lead-time demand")
  func launchedKnownTruth() throws {
    let truth = KnownDemandPanel(perCell: 8, launchedPerCell: 8, launchWeek: 74)
    let panel = truth.panel()
    var estimator = DemandEstimator(method: ThetaMethod(), seasonLength: 52, threads: 2, horizon: 3)
    let cut = panel.startPeriod + 104
    func errors(_ categories: [String]?) -> (error: Double, borrowed: Int) {
      estimator.categories = categories
      var total = 0.0, borrowed = 0
      for demand in estimator.estimate(panel: panel, endPeriod: cut, exposure: { _ in (3, 0.9) }) where truth.skus[demand.series].process == .launched {
        let expected = (104..<107).reduce(0) { $0 + truth.skus[demand.series].moments(week: $1).mean }
        total += abs(3 * demand.estimate.meanPerPeriod - expected) / expected
        if demand.model.contains("season of category") { borrowed += 1 }
      }
      return (total / 24, borrowed)
    }
    let without = errors(nil)
    let with = errors(truth.skus.map(\.category))
    // 16 of 24: the other launched SKUs' categories have fewer than 3 seasonal SKUs in this small panel.
    #expect(without.borrowed == 0 && with.borrowed == 16, "\(with.borrowed) of 24 borrowed")
    print("launched: mean absolute relative error of 3-week demand \(with.error) with the category's season, \(without.error) without")
    #expect(with.error < 0.6 * without.error, "mean absolute relative error \(with.error) with, \(without.error) without")
  }
}

@Suite("Time-phased reorder points until the next plan")
struct TimePhasedPolicyTests {
  /// A forecast path 10, 10, 20, 30, 40 with a 2-period exposure: the window starting j periods after the
  /// plan has mean (f_j + f_{j+1}) / 2 — 10, 15, 25, 35 — and the error profile is the plan's.
  @Test("Each period's demand is the forecast of the exposure window starting then; the plan's own beyond the forecast")
  func shiftedWindows() {
    let profile = ForecastErrorProfile(meanSquares: [4, 9], forecastSums: [10, 20], origins: 12, source: "12 rolling origins")
    let estimate = DemandEstimate(sku: "S", periodDays: 7, meanPerPeriod: 10, sigmaPerPeriod: 2, sigmaSource: "test", errorProfile: profile)
    let forecast = Forecast(model: "test", mean: [10, 10, 20, 30, 40], fitted: [], residuals: [])
    let demand = SeriesDemand(series: 0, key: SeriesKey(sku: "S"), estimate: estimate, model: "test", forecast: forecast, historyLength: 52)
    #expect([0, 1, 2, 3].map { demand.estimate(offset: $0, exposurePeriods: 2).meanPerPeriod } == [10, 15, 25, 35])
    #expect(demand.estimate(offset: 4, exposurePeriods: 2).meanPerPeriod == 10)  // the window runs past the forecast
    #expect(demand.estimate(offset: 3, exposurePeriods: 2).errorProfile == profile)
    // The reorder point follows: the calibrated rule on the window with twice the demand is higher.
    var item = Item(sku: "S")
    item.leadTimeDays = 7
    let first = PolicyCalculator.compute(item: item, demand: demand.estimate(offset: 0, exposurePeriods: 2), serviceLevel: 0.95, serviceLevelSource: "test")
    let third = PolicyCalculator.compute(item: item, demand: demand.estimate(offset: 2, exposurePeriods: 2), serviceLevel: 0.95, serviceLevelSource: "test")
    #expect(third.reorderPoint > first.reorderPoint + 10, "\(first.reorderPoint) → \(third.reorderPoint)")
  }
}
