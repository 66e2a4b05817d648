import Foundation
import Testing

@testable import Forecasting
@testable import TimeSeries

@Suite("Stock-out censoring and lead-time demand")
struct CensoringTests {
  @Test("Stock-out periods become unobserved, not zero demand, and do not pull the forecast down")
  func censoredHistory() throws {
    // Demand of 9–11 a day; the last 8 days stocked out and recorded as zero sales.
    var builder = PanelBuilder(frequency: .day, tracksPrices: false)
    let s = builder.addSeries(SeriesKey(sku: "A"))
    for t in 0..<60 {
      let out = t >= 52
      builder.add(series: s, period: t, quantity: out ? 0 : Double(9 + t % 3), stockOut: out, price: .nan)
    }
    let panel = builder.build()
    let censored = panel.history(of: 0, censorStockOuts: true)
    #expect(censored.filter(\.isNaN).count == 8)
    let naive = panel.history(of: 0, censorStockOuts: false)
    // (Croston-type levels only move on non-zero demand, so trailing zeros cannot pull them down; TSB's
    // demand probability decays on every zero, so it is the intermittent model censoring matters to.)
    for (method, expected) in [(ETSMethod(), 10.0), (TSBMethod(), 10.0)] as [(any ForecastingMethod, Double)] {
      let withCensoring = try method.fitCensored(censored, seasonLength: 7).forecast(horizon: 1, levels: []).mean[0]
      let withZeros = try method.fitCensored(naive, seasonLength: 7).forecast(horizon: 1, levels: []).mean[0]
      #expect(abs(withCensoring - expected) < abs(withZeros - expected), "\(method.alias): \(withCensoring) vs \(withZeros)")
      #expect(abs(withCensoring - expected) < 0.6, "\(method.alias): \(withCensoring)")
    }
    // Methods without missing-value support see an interpolated history.
    let theta = try ThetaMethod().fitCensored(censored, seasonLength: 7).forecast(horizon: 1, levels: []).mean[0]
    #expect(abs(theta - 10) < 1)
    // A constant series: Theta (like R's thetaf) forecasts the constant.
    #expect(try ThetaMethod().fit([5, 5, 5, 5, 5, 5, 5, 5], seasonLength: 1).forecast(horizon: 2, levels: [80]).mean == [5, 5])
  }

  @Test("Lead-time demand of a count model is the exact quantile of the summed distribution")
  func countLeadTime() throws {
    let y: [Double] = (0..<56).map { Double($0 % 3) }  // mean 1, variance < mean → Poisson(1)
    let method = CountModelMethod(family: .poisson)
    let fit = try method.fit(y, seasonLength: 7)
    let ltd = LeadTimeDemand(history: y, fit: fit, method: method, seasonLength: 7, leadTime: 5, levels: [0.5, 0.95])
    #expect(ltd.method == .distribution)
    // R 4.2.2: qpois(c(.5, .95), 5) = 5 9
    #expect(ltd.quantiles.map(\.value) == [5, 9])
  }

  @Test("Conformal lead-time quantiles cover about their level on simulated Poisson demand")
  func conformalCoverage() throws {
    var state: UInt64 = 7
    func poisson(_ lambda: Double) -> Double {
      var k = 0.0, p = 1.0
      let limit = exp(-lambda)
      repeat {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        p *= Double(state >> 11) / Double(1 << 53)
        k += 1
      } while p > limit
      return k - 1
    }
    var covered90 = 0, covered95 = 0, trials = 0
    for _ in 0..<150 {
      let y = (0..<90).map { _ in poisson(0.8) }
      let history = Array(y.prefix(84)), future = y.suffix(6).reduce(0, +)
      let method = CrostonMethod(variant: .sba)
      let fit = try method.fit(history, seasonLength: 7)
      let ltd = LeadTimeDemand(history: history, fit: fit, method: method, seasonLength: 7, leadTime: 6, levels: [0.9, 0.95])
      #expect(ltd.method == .conformal)
      if future <= ltd.quantiles[0].value { covered90 += 1 }
      if future <= ltd.quantiles[1].value { covered95 += 1 }
      trials += 1
    }
    // 150 seeded trials: binomial standard error ≈ 2.5 points at 90 %. Measured: 90 % → 0.87, 95 % → 0.88.
    // The 95 % level under-covers: 26 overlapping 6-period sums are correlated, so the effective sample
    // is smaller than 26 (issue 4 asks for ±2 points; not reached yet). This guards against regressions.
    let c90 = Double(covered90) / Double(trials), c95 = Double(covered95) / Double(trials)
    #expect(c90 > 0.82 && c90 < 0.98, "coverage 90 %: \(c90)")
    #expect(c95 >= 0.86, "coverage 95 %: \(c95)")
  }

  @Test("A SKU that stopped selling has no lead-time demand: errors are of the forecasts as published (≥ 0), not of a trend below zero")
  func stoppedSelling() throws {
    // Online Retail SKU 10002, weekly units from 2010-11-29 (notebooks-data/online_retail_weekly_sku.csv):
    // 21 weeks of sales, then none for 33 weeks. A trend's raw path runs below zero (here the drift method:
    // 0 − 70/53 per week); the published forecast is 0 each week. Errors against the raw path were
    // 0 − (negative) > 0 at every origin, a positive "bias" that made the demo order 60 units of a SKU
    // nobody buys.
    let sold: [Double] = [70, 138, 41, 2, 0, 73, 42, 76, 17, 133, 1, 14, 36, 4, 2, 11, 11, 126, 0, 62, 1]
    let y = sold + [Double](repeating: 0, count: 33)
    let method = DriftMethod()
    let fit = try method.fit(y, seasonLength: 1)
    let raw = fit.forecast(horizon: 2, levels: []).mean
    let ltd = LeadTimeDemand(history: y, fit: fit, method: method, seasonLength: 1, leadTime: 2, levels: [0.9])
    let profile = try #require(ltd.errorProfile)
    // Every origin of the last 26 weeks saw 0 sold and a published forecast of 0.
    #expect(raw.allSatisfy { $0 < 0 }, "the case needs a raw path below zero: \(raw)")
    #expect(ltd.mean == 0)
    #expect(profile.meanErrors.allSatisfy { $0 == 0 }, "bias \(profile.meanErrors)")
    #expect(profile.meanSquares.allSatisfy { $0 == 0 }, "MSE \(profile.meanSquares)")
    #expect(ltd.quantiles[0].value == 0)
  }
}
