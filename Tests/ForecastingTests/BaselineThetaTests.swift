import Foundation
import Testing

@testable import Forecasting

@Suite("Baselines and Theta agree with R's forecast package")
struct BaselineThetaTests {
  static let methods: [String: any ForecastingMethod] = [
    "naive": NaiveMethod(), "snaive": SeasonalNaiveMethod(), "mean": AverageMethod(), "drift": DriftMethod(),
  ]

  @Test("naive, snaive, meanf (Student-t) and rwf(drift): means, 80/95 % intervals and fitted values to 1e-6")
  func baselines() throws {
    let series = try fixtureSeries()
    let rows = try fixtureRows("r_baselines")
    #expect(rows.count == 68)
    for row in rows {
      let (y, m) = try #require(series[row["series"]!])
      let method = try #require(Self.methods[row["method"]!])
      let fit = try method.fit(y, seasonLength: m)
      let f = fit.forecast(horizon: 18, levels: [80, 95])
      let scale = meanAbs(y)
      let context = "\(row["series"]!) \(row["method"]!)"
      #expect(maxScaledDifference(f.mean, vector(row["mean"]), scale: scale) < 1e-6, "\(context)")
      #expect(maxScaledDifference(f.lower[0], vector(row["lo80"]), scale: scale) < 1e-6, "\(context)")
      #expect(maxScaledDifference(f.upper[1], vector(row["hi95"]), scale: scale) < 1e-6, "\(context)")
      #expect(maxScaledDifference(fit.fitted, vector(row["fitted"]), scale: scale) < 1e-6, "\(context)")
    }
  }

  @Test("thetaf: seasonality test, SES by MSE, drift, intervals and fitted values to 1e-6")
  func theta() throws {
    let series = try fixtureSeries()
    for row in try fixtureRows("r_theta") {
      let (y, m) = try #require(series[row["series"]!])
      let fit = try ThetaMethod().fit(y, seasonLength: m)
      let f = fit.forecast(horizon: 18, levels: [80, 95])
      let scale = meanAbs(y)
      let context = "\(row["series"]!)"
      // Both fits optimise SES by Nelder–Mead from the same start; agreement is to the optimiser's tolerance.
      #expect(maxScaledDifference(f.mean, vector(row["mean"]), scale: scale) < 1e-6, "\(context)")
      #expect(maxScaledDifference(f.lower[0], vector(row["lo80"]), scale: scale) < 1e-6, "\(context)")
      #expect(maxScaledDifference(f.upper[1], vector(row["hi95"]), scale: scale) < 1e-6, "\(context)")
      #expect(maxScaledDifference(fit.fitted, vector(row["fitted"]), scale: scale) < 1e-6, "\(context)")
    }
  }

  @Test("Recursive trend line of the dynamic Theta models equals OLS on 1…t")
  func recursiveLine() {
    let y: [Double] = [3, 5, 4, 8, 9, 7, 12, 11, 15]
    var state = DynamicThetaFit.ThetaState(level: 0, t: 0, mean: 0, a: 0, b: 0)
    for (i, v) in y.enumerated() {
      DynamicThetaFit.update(&state, with: v)
      state.t = i + 1
      if i >= 1 {
        let line = leastSquaresLine(x: (1...(i + 1)).map(Double.init), y: Array(y.prefix(i + 1)))
        #expect(abs(state.b - line.slope) < 1e-12)
        #expect(abs(state.a - line.intercept) < 1e-12)
      }
    }
  }

  @Test("AutoTheta picks the variant with the lowest in-sample MSE and never does worse than STM")
  func autoTheta() throws {
    let series = try fixtureSeries()
    for (id, (y, m)) in series {
      let auto = try AutoThetaMethod().fit(y, seasonLength: m) as! DynamicThetaFit
      let standard = try AutoThetaMethod(variants: [.standard]).fit(y, seasonLength: m) as! DynamicThetaFit
      #expect(auto.mse <= standard.mse + 1e-9, "\(id)")
      let f = auto.forecast(horizon: 12, levels: [80, 95])
      for k in 0..<12 { #expect(f.lower[1][k] <= f.lower[0][k] && f.upper[0][k] <= f.upper[1][k], "\(id) nested") }
    }
  }
}
