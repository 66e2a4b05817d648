import Foundation
import Testing

@testable import Forecasting

/// m > 24 (weekly data, m = 52) must work: R's ets() refuses it; here the seasonal states are fixed at
/// their decomposition values and only the smoothing parameters and ℓ₀, b₀ are optimised.
@Suite("Weekly data with a yearly season (m = 52)")
struct LongSeasonTests {
  /// Weekly gift-ware demand: level 100 with a five-week Christmas peak (+150 %) every 52 weeks, and
  /// seeded noise. (A pure sine is not a fair case: its autocorrelations are large at every lag, and the
  /// Theta test — like R's thetaf — then does not call it seasonal.)
  static func shape(_ t: Int) -> Double { (46...50).contains(t % 52) ? 250 : 100 }
  static let y: [Double] = {
    var state: UInt64 = 42
    return (0..<156).map { t in
      state = state &* 6364136223846793005 &+ 1442695040888963407
      let noise = Double(state >> 11) / Double(1 << 53) - 0.5
      return shape(t) + 10 * noise
    }
  }()

  /// The true seasonal shape of the next 52 weeks.
  static let truth: [Double] = (156..<208).map { shape($0) }

  @Test("ETS, Theta, AutoTheta and the Fourier regression forecast the yearly shape", arguments: ["ets", "theta", "autotheta", "lm", "combo"])
  func seasonalShape(alias: String) throws {
    #expect(isSeasonal(Self.y, seasonLength: 52))
    let method = try #require(ModelCatalog.method(alias))
    let fit = try method.fit(Self.y, seasonLength: 52)
    if alias == "ets" { #expect(fit.name.hasSuffix(",A)") || fit.name.hasSuffix(",M)"), "ETS picked \(fit.name)") }
    let forecast = fit.forecast(horizon: 52, levels: [80, 95])
    let metrics = AccuracyMetrics(actual: Self.truth, forecast: forecast.mean, training: Self.y, seasonLength: 52)
    // A flat forecast at the mean has MAE ≈ 26; forecasting the peak brings it near the noise level.
    #expect(metrics.mae < 10, "\(alias) \(fit.name): MAE \(metrics.mae)")
  }

  @Test("Without two full seasons, ETS does not fit a 52-week season and says why for an explicit seasonal model")
  func tooShort() throws {
    let short = Array(Self.y.prefix(80))
    let fit = try ETSMethod().fit(short, seasonLength: 52)
    #expect(fit.name.hasSuffix(",N)"))
    #expect(throws: ForecastError.tooShort(observations: 80, needed: 104, model: "ETS(A,N,A)")) {
      try ETSMethod(spec: ETSSpec("ANA")!).fit(short, seasonLength: 52)
    }
  }

  @Test("52 seasons or more: the initial seasonal states stay at their decomposition values, count in the AICc, and the weekly shape is forecast")
  func longDailyHistory() throws {
    // 400 days (57 weeks) of a weekday pattern with seeded noise: ≥ 52 seasons of m = 7.
    let pattern: [Double] = [60, 55, 50, 52, 70, 95, 90]
    var state: UInt64 = 7
    let y: [Double] = (0..<400).map { t in
      state = state &* 6364136223846793005 &+ 1442695040888963407
      let noise: Double = Double(state >> 11) / Double(1 << 53) - 0.5
      return pattern[t % 7] + 8 * noise
    }
    let spec = ETSSpec(error: .additive, trend: .none, season: .additive)
    let fit = try #require(ETSEstimator.fit(y, spec: spec, seasonLength: 7))
    let decomposition = try #require(ETSEstimator.initialState(y, spec: spec, seasonLength: 7))
    #expect(fit.initialState.seasonal == decomposition.seasonal)
    // α, γ, ℓ₀ and the 6 free seasonal states: 9 estimated, + σ² = 10.
    #expect(fit.parameterCount == 10)
    // Below 52 seasons the seasonal states are optimised (R's ets()).
    let short = Array(y.prefix(7 * 51))
    let shortFit = try #require(ETSEstimator.fit(short, spec: spec, seasonLength: 7))
    let shortStart = try #require(ETSEstimator.initialState(short, spec: spec, seasonLength: 7))
    #expect(shortFit.initialState.seasonal != shortStart.seasonal)
    // The automatic choice forecasts the weekday shape (noise sd ≈ 2.3; a flat forecast's MAE is ≈ 13).
    let auto = try ETSMethod().fitETS(y, seasonLength: 7)
    let forecast = auto.forecast(horizon: 14, levels: []).mean
    var absoluteErrors = 0.0
    for h in 0..<14 { absoluteErrors += abs(forecast[h] - pattern[(400 + h) % 7]) }
    let mae = absoluteErrors / 14
    #expect(mae < 3, "\(auto.name): MAE \(mae)")
  }

  @Test("The regression's rolling refits from one pass of normal equations equal a refit per origin", arguments: [52, 12, 7])
  func regressionRefitsAtOrigins(seasonLength: Int) throws {
    // A trend, the yearly shape and noise; origins as the weekly lead-time error profile takes them.
    let y = Self.y.enumerated().map { $0.element + 0.8 * Double($0.offset) }
    let origins = Array(stride(from: 60, through: 153, by: 3))
    let method = TrendSeasonalRegressionMethod()
    let shortcut = try #require(method.refitForecasts(y, origins: origins, horizon: 3, seasonLength: seasonLength))
    for (origin, forecast) in zip(origins, shortcut) {
      let refit = try method.fit(Array(y[0..<origin]), seasonLength: seasonLength).forecast(horizon: 3, levels: []).mean
      let fast = try #require(forecast)
      for (a, b) in zip(refit, fast) { #expect(abs(a - b) <= 1e-9 * max(1, abs(a)), "origin \(origin): \(a) vs \(b)") }
    }
    // Too few periods for the design: no model, as a refit throws.
    let early = try #require(method.refitForecasts(y, origins: [10], horizon: 2, seasonLength: 52))
    #expect(early == [nil])
    // Censored periods: no shortcut (a refit interpolates each prefix on its own).
    var censored = y
    censored[20] = .nan
    #expect(method.refitForecasts(censored, origins: origins, horizon: 3, seasonLength: seasonLength) == nil)
  }
}
