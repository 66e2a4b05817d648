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
}
