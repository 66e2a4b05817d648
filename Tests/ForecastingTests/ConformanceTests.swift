import Foundation
import Testing

@testable import Forecasting

/// The checks every model passes (statsforecast's `assert_class`, swift-collections' conformance
/// checkers): a new model is one more alias in `ConformanceTests.aliases`.
@Suite("Model conformance")
struct ConformanceTests {
  static let aliases = ["naive", "snaive", "drift", "mean", "window7", "ets", "ets:AAdN", "ets:MAM", "theta", "autotheta", "lm", "combo", "auto"]

  static func cases() throws -> [(String, [Double], Int)] {
    let series = try fixtureSeries()
    return [("airline", series["airline"]!.y, 12), ("woolyrnq", series["woolyrnq"]!.y, 4),
            ("shampoo", series["shampoo"]!.y, 1), ("N1652", series["N1652"]!.y, 12)]
  }

  @Test("Lengths, horizon consistency, determinism, nested intervals, finite output", arguments: aliases)
  func conformance(alias: String) throws {
    let method = try #require(ModelCatalog.method(alias))
    #expect(method.alias.lowercased().hasPrefix(alias.split(separator: ":")[0].lowercased()) || alias == "auto")
    for (id, y, m) in try Self.cases() {
      let fit: any FittedModel
      do {
        fit = try method.fit(y, seasonLength: m)
      } catch {
        // Only documented refusals: multiplicative models on non-positive data.
        #expect(alias == "ets:MAM", "\(alias) on \(id): \(error)")
        continue
      }
      #expect(fit.fitted.count == y.count, "\(alias) \(id): fitted length")
      let long = fit.forecast(horizon: 12, levels: [80, 95])
      let short = fit.forecast(horizon: 5, levels: [80, 95])
      let shapeOK = long.mean.count == 12 && long.lower.count == 2 && long.upper[1].count == 12
      #expect(shapeOK, "\(alias) \(id): shape")
      #expect(Array(long.mean.prefix(5)) == short.mean, "\(alias) \(id): forecast(5) is the head of forecast(12)")
      let finite = long.mean.allSatisfy { $0.isFinite }
      #expect(finite, "\(alias) \(id): finite means")
      // Determinism: a second fit gives identical numbers.
      let again = try method.fit(y, seasonLength: m).forecast(horizon: 12, levels: [80, 95])
      #expect(again.mean == long.mean && again.upper[1] == long.upper[1], "\(alias) \(id): deterministic")
      for h in 0..<12 {
        #expect(long.lower[1][h] <= long.lower[0][h] + 1e-9, "\(alias) \(id) h=\(h + 1): 95 % lower ≤ 80 % lower")
        #expect(long.lower[0][h] <= long.mean[h] + 1e-9 || alias == "combo" || alias == "auto" || alias.hasPrefix("ets"), "\(alias) \(id): lower ≤ mean")
        #expect(long.upper[0][h] <= long.upper[1][h] + 1e-9, "\(alias) \(id) h=\(h + 1): 80 % upper ≤ 95 % upper")
      }
      #expect(long.intervalMethod != .none)
    }
  }

  /// `extended(to:)` carries parameters to rolling origins (the lead-time error profile's 26–52 origins);
  /// on the history it was fitted on, it must give the model back: same forecasts, same fitted values.
  /// A wrong variant, seasonal adjustment, drift or initial level shows here.
  @Test("Carried to its own history, a model gives its own forecasts back", arguments: ["ets", "theta", "autotheta", "combo"])
  func carriedToOwnHistory(alias: String) throws {
    let method = try #require(ModelCatalog.method(alias))
    for (id, y, m) in try Self.cases() {
      let fit = try method.fit(y, seasonLength: m)
      let carried = try #require(fit.extended(to: y), "\(alias) \(id): not carried")
      let original = fit.forecast(horizon: 12, levels: []).mean, again = carried.forecast(horizon: 12, levels: []).mean
      for h in 0..<12 {
        #expect(abs(again[h] - original[h]) <= 1e-9 * max(1, abs(original[h])), "\(alias) \(id) h=\(h + 1): \(again[h]) vs \(original[h])")
      }
      let fittedOK = zip(carried.fitted, fit.fitted).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($1)) || ($0.isNaN && $1.isNaN) }
      #expect(fittedOK, "\(alias) \(id): fitted values")
      // On a shorter history (an earlier origin) the carried model forecasts from that history's end.
      let origin = y.count - 6
      let earlier = try #require(fit.extended(to: Array(y.prefix(origin))), "\(alias) \(id): not carried to an earlier origin")
      #expect(earlier.fitted.count == origin)
      let earlierFinite = earlier.forecast(horizon: 6, levels: []).mean.allSatisfy(\.isFinite)
      #expect(earlierFinite, "\(alias) \(id): forecast from an earlier origin")
    }
  }

  @Test("Nelder–Mead told what a trial point must beat follows the exact objective's path")
  func nelderMeadBounded() {
    // Rosenbrock from R's optim example; the bounded objective answers any point that cannot change the
    // search with a wrong value above the bound, as the ETS objective skips its admissibility test there.
    func rosenbrock(_ x: [Double]) -> Double { 100 * pow(x[1] - x[0] * x[0], 2) + pow(1 - x[0], 2) }
    let exact = nelderMead(start: [-1.2, 1], maxEvaluations: 500, rosenbrock)
    var skipped = 0
    let bounded = nelderMead(start: [-1.2, 1], maxEvaluations: 500) { x, mattersBelow in
      let value = rosenbrock(x)
      if value >= mattersBelow {
        skipped += 1
        return mattersBelow.isFinite ? mattersBelow + 1e6 : .infinity
      }
      return value
    }
    #expect(bounded.point == exact.point && bounded.value == exact.value && bounded.evaluations == exact.evaluations)
    #expect(skipped > 0, "the bound never spared an evaluation")
    // R: optim(c(-1.2, 1), fr) gives par 1.000260 1.000506, value 8.825241e-08.
    #expect(abs(exact.point[0] - 1.000260) < 1e-5 && abs(exact.point[1] - 1.000506) < 1e-5)
  }

  @Test("Unknown aliases are refused with the list of known ones")
  func unknownAlias() {
    guard case .failure(let error) = ModelCatalog.methods("ets,prophet") else {
      Issue.record("expected an error")
      return
    }
    #expect("\(error)".contains("unknown model 'prophet'"))
    #expect("\(error)".contains("autotheta"))
  }

  @Test("Too-short series are refused with the length needed, and the panel runner falls back")
  func shortSeries() {
    #expect(throws: ForecastError.tooShort(observations: 5, needed: 13, model: "SeasonalNaive")) {
      try SeasonalNaiveMethod().fit([1, 2, 3, 4, 5], seasonLength: 12)
    }
  }
}

@Suite("Accuracy metrics")
struct MetricTests {
  @Test("Hand-computed MAE, RMSE, MASE, RMSSE, sMAPE, WAPE, bias")
  func handComputed() {
    let training: [Double] = [1, 3, 2, 4]  // lag-1 |diffs| 2,1,2 → 5/3; squared 4,1,4 → 3
    let metrics = AccuracyMetrics(actual: [2, 4], forecast: [3, 2], training: training, seasonLength: 1)
    #expect(metrics.mae == 1.5)
    #expect(abs(metrics.rmse - (2.5).squareRoot()) < 1e-15)
    #expect(abs(metrics.mase - 1.5 / (5.0 / 3.0)) < 1e-15)
    #expect(abs(metrics.rmsse - (2.5 / 3).squareRoot()) < 1e-15)
    #expect(abs(metrics.smape - (200.0 / 5 + 400.0 / 6) / 2) < 1e-12)
    #expect(abs(metrics.wape - 0.5) < 1e-15)
    #expect(metrics.bias == -0.5)
    // A history shorter than a season + 1 scales MASE by the one-step naive error.
    let short = AccuracyMetrics(actual: [2, 4], forecast: [3, 2], training: training, seasonLength: 52)
    #expect(abs(short.mase - metrics.mase) < 1e-15)
    // Missing actuals are skipped.
    let censored = AccuracyMetrics(actual: [2, .nan], forecast: [3, 100], training: training, seasonLength: 1)
    #expect(censored.count == 1 && censored.mae == 1)
  }

  @Test("sMAPE reproduces the recomputed M3 monthly table: THETA 13.892, ForecastPro 13.898, NAIVE2 16.891 (h = 1–18)")
  func m3Published() throws {
    let text = try String(contentsOfFile: notebooksData("m3_monthly_forecasts.csv"), encoding: .utf8)
    var lines = text.split(separator: "\n").map(String.init)
    let header = lines.removeFirst().split(separator: ",").map(String.init)
    var perSeries: [String: [String: (actual: [Double], forecast: [Double])]] = [:]
    for line in lines {
      let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      let id = f[0]
      let y = Double(f[3])!
      for method in ["THETA", "ForecastPro", "NAIVE2"] {
        let value = Double(f[header.firstIndex(of: method)!])!
        perSeries[id, default: [:]][method, default: ([], [])].actual.append(y)
        perSeries[id, default: [:]][method, default: ([], [])].forecast.append(value)
      }
    }
    #expect(perSeries.count == 1428)
    for (method, published) in [("THETA", 13.892), ("ForecastPro", 13.898), ("NAIVE2", 16.891)] {
      let values = perSeries.values.map { s -> Double in
        let pair = s[method]!
        return AccuracyMetrics(actual: pair.actual, forecast: pair.forecast, training: [0, 0], seasonLength: 1).smape
      }
      let mean = values.reduce(0, +) / Double(values.count)
      #expect(abs(mean - published) < 0.0005, "\(method): \(mean) vs \(published)")
    }
  }
}
