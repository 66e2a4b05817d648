import Foundation
import Statistics
import Testing

@testable import Forecasting

@Suite("Intermittent demand models")
struct IntermittentTests {
  /// carparts, 1,046-series subset (Snyder, Ord & Beaumont 2012), training months 1–45.
  static func carparts() throws -> [String: [Double]] {
    var out: [String: [Double]] = [:]
    for row in try fixtureRows("carparts_sob1046") { out[row["unique_id"]!, default: []].append(Double(row["y"]!)!) }
    return out.mapValues { Array($0.prefix(45)) }
  }

  @Test("Croston (α = 0.1), SBA and their fitted values match R's croston() on all 1,046 carparts series to 1e-6")
  func crostonAgainstR() throws {
    let series = try Self.carparts()
    let rows = try fixtureRows("r_croston")
    #expect(rows.count == 1046)
    for row in rows {
      let y = try #require(series[row["unique_id"]!])
      let croston = try CrostonMethod(variant: .classic).fit(y, seasonLength: 12)
      let sba = try CrostonMethod(variant: .sba).fit(y, seasonLength: 12)
      let f = croston.forecast(horizon: 6, levels: []).mean
      #expect(abs(f[0] - Double(row["croston"]!)!) < 1e-9, "\(row["unique_id"]!)")
      #expect(f.allSatisfy { $0 == f[0] })
      #expect(abs(sba.forecast(horizon: 1, levels: []).mean[0] - Double(row["sba"]!)!) < 1e-9)
      // R's fitted values: NA for the first period and wherever a prefix has a single demand at its start.
      let rFitted = vector(row["croston_fitted"])
      for (t, r) in rFitted.enumerated() where !r.isNaN {
        #expect(abs(croston.fitted[t] - r) < 1e-9, "\(row["unique_id"]!) t=\(t)")
      }
    }
  }

  @Test("Syntetos–Boylan classification of hand-made series")
  func classification() {
    #expect(DemandClassification([5, 6, 5, 6, 5, 6]).pattern == .smooth)
    #expect(DemandClassification([1, 20, 2, 30, 1, 25]).pattern == .erratic)
    #expect(DemandClassification([0, 0, 5, 0, 0, 5, 0, 0, 6]).pattern == .intermittent)
    #expect(DemandClassification([0, 0, 1, 0, 0, 40, 0, 0, 3]).pattern == .lumpy)
    #expect(DemandClassification([0, 0, 0]).pattern == .none)
    let c = DemandClassification([0, 0, 5, 0, 0, 5, 0, 0, 6])
    #expect(c.adi == 3)
  }

  @Test("Poisson and negative-binomial quantiles equal R's qpois/qnbinom; sums over a lead time stay in the family")
  func countQuantiles() {
    // R 4.2.2: qpois(c(.5,.9,.95,.99), 2.3) = 2 4 5 6; qnbinom(c(.5,.9,.95,.99), size = 1.5, mu = 2.3) = 2 5 7 11
    let poisson = CountDistribution.poisson(mean: 2.3)
    #expect([0.5, 0.9, 0.95, 0.99].map { poisson.quantile($0) } == [2, 4, 5, 6])
    let nb = CountDistribution.negativeBinomial(mean: 2.3, size: 1.5)
    #expect([0.5, 0.9, 0.95, 0.99].map { nb.quantile($0) } == [2, 5, 7, 11])
    // R: qpois(.95, 7 * 0.4) = 6; qnbinom(.95, size = 7 * 0.8, mu = 7 * 0.4) = 7
    #expect(CountDistribution.poisson(mean: 0.4).sum(over: 7).quantile(0.95) == 6)
    #expect(CountDistribution.negativeBinomial(mean: 0.4, size: 0.8).sum(over: 7).quantile(0.95) == 7)
    // Large means start near the mean instead of underflowing at 0. R: qpois(.99, 5000) = 5165
    #expect(CountDistribution.poisson(mean: 5000).quantile(0.99) == 5165)
  }

  @Test("A count model's backtest origins re-estimate the count model, not the method that chose it")
  func countModelSpecification() throws {
    // Lumpy counts: `auto` routes them to the intermittent candidates; whichever it picks, a count model's
    // specification is its own method, and the rolling origins refit that (cheaply), not `auto` again.
    let fit = try CountModelMethod().fit([0, 3, 0, 0, 7, 1, 0, 0, 2, 0, 5, 0], seasonLength: 1)
    let spec = try #require(fit.specification as? CountModelMethod)
    #expect(spec.alias == "count" && spec.window == 56)
    let y: [Double] = (0..<60).map { [0, 3, 0, 0, 7, 1, 0, 0, 2, 0, 5, 0][$0 % 12] }
    let forecasts = Backtest.forecastsAtOrigins(y, origins: [30, 40, 50], method: spec, seasonLength: 1, horizon: 2, carrying: .everySupported)
    for (origin, forecast) in zip([30, 40, 50], forecasts) {
      let mean = Array(y[0..<origin].suffix(56)).reduce(0, +) / Double(min(56, origin))
      #expect(forecast == [mean, mean])
    }
  }
}
