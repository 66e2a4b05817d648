import Forecasting
import Foundation
import SalesHistory
import TimeSeries

/// M5 level-12 (item × store) WRMSSE of the benchmark methods on a daily history with prices: the last
/// 28 days held out, RMSSE scaled by the one-step naive error from each item's first sale, weights = each
/// item's dollar sales over the last 28 training days (Makridakis et al. 2022, M5 guidelines §4). Printed
/// next to the published level-12 scores of the same benchmarks on the full M5 data.
func m5Benchmark(file: String, published: String?) throws {
  let history = try SalesHistoryReader.read(file: file, options: SalesHistoryOptions(frequency: .day))
  let panel = history.panel
  guard let prices = panel.prices else { fail("\(file) has no price column (needed for the weights)") }
  let horizon = 28
  let weights = m5Weights(panel, prices: prices, horizon: horizon)
  let total = weights.reduce(0, +)
  let methods: [(String, String)] = [
    ("Naive", "naive"), ("sNaive", "snaive"), ("SES", "ets:ANN"), ("CRO", "croston"), ("optCRO", "crostonopt"), ("SBA", "sba"), ("TSB", "tsb"),
    ("ADIDA", "adida"), ("iMAPA", "imapa"), ("ETS (auto)", "ets"), ("Replenish auto", "auto"),
  ]
  var publishedL12: [String: Double] = [:]
  if let published, let text = try? String(contentsOfFile: published, encoding: .utf8) {
    for line in text.split(separator: "\n").dropFirst() {
      let f = line.split(separator: ",")
      if f.count >= 13, let v = Double(f[12]) { publishedL12[String(f[0])] = v }
    }
  }
  var rows: [(String, Double)] = []
  for (name, alias) in methods {
    guard let method = ModelCatalog.method(alias, horizon: horizon) else { continue }
    var wrmsse = 0.0
    for s in 0..<panel.seriesCount {
      let y = Array(panel.values(of: s))
      let train = Array(y.dropLast(horizon)), test = Array(y.suffix(horizon))
      let fit = (try? method.fit(train, seasonLength: 7)) ?? (try! NaiveMethod().fit(train, seasonLength: 7))
      let first = train.firstIndex { $0 != 0 } ?? 0
      let metrics = AccuracyMetrics(actual: test, forecast: fit.forecast(horizon: horizon, levels: []).nonNegative().mean, training: Array(train[first...]), seasonLength: 1)
      wrmsse += weights[s] / total * metrics.rmsse
    }
    rows.append((name, wrmsse))
  }
  print("M5 level-12 WRMSSE on \(file) (\(panel.seriesCount) items, last 28 days held out) vs the published level-12 scores (full M5, 30,490 items):")
  for (rank, (name, value)) in rows.sorted(by: { $0.1 < $1.1 }).enumerated() {
    let label = name.padding(toLength: 16, withPad: " ", startingAt: 0)
    print(String(format: "  %2d. %@ %.4f   published %@", rank + 1, label, value, publishedL12[name].map { String(format: "%.4f", $0) } ?? "—"))
  }
}

/// M5 uncertainty track at level 12: weighted scaled pinball loss over the nine quantiles 0.005 … 0.995 of
/// each of the 28 held-out days, and the coverage of each quantile, next to the published level-12 WSPL of
/// the benchmark methods (full M5).
func m5UncertaintyBenchmark(file: String, published: String?) throws {
  let history = try SalesHistoryReader.read(file: file, options: SalesHistoryOptions(frequency: .day))
  let panel = history.panel
  guard let prices = panel.prices else { fail("\(file) has no price column (needed for the weights)") }
  let horizon = 28
  let taus = [0.005, 0.025, 0.165, 0.25, 0.5, 0.75, 0.835, 0.975, 0.995]
  let levels = intervalLevels(forQuantiles: taus)
  let weights = m5Weights(panel, prices: prices, horizon: horizon)
  let total = weights.reduce(0, +)
  var publishedL12: [String: Double] = [:]
  if let published, let text = try? String(contentsOfFile: published, encoding: .utf8) {
    for line in text.split(separator: "\n") where line.hasPrefix("WSPL,") {
      let f = line.split(separator: ",")
      if f.count == 4, f[2] == "L12", let v = Double(f[3]) { publishedL12[String(f[1])] = v }
    }
  }
  print("M5 uncertainty, level 12: WSPL over 9 quantiles on \(file) (\(panel.seriesCount) items, last 28 days) vs published level-12 WSPL (full M5):")
  var rows: [(String, Double, [Double])] = []
  for (name, alias) in [("Naive", "naive"), ("sNaive", "snaive"), ("SES", "ets:ANN"), ("ETS", "ets"), ("count (Poisson/NegBin)", "count"), ("Replenish auto", "auto")] {
    guard let method = ModelCatalog.method(alias, horizon: horizon) else { continue }
    var wspl = 0.0
    var hits = [Double](repeating: 0, count: taus.count)
    var cells = 0.0
    for s in 0..<panel.seriesCount {
      let y = Array(panel.values(of: s))
      let train = Array(y.dropLast(horizon)), test = Array(y.suffix(horizon))
      let fit = (try? method.fit(train, seasonLength: 7)) ?? (try! NaiveMethod().fit(train, seasonLength: 7))
      let forecast = fit.forecast(horizon: horizon, levels: levels).nonNegative()
      var spl = 0.0
      for (k, tau) in taus.enumerated() {
        let q = (0..<horizon).map { quantileFromIntervals(forecast, tau, step: $0) }
        spl += scaledPinballLoss(actual: test, quantile: q, level: tau, training: train) / Double(taus.count)
        hits[k] += Double(zip(test, q).filter { $0.0 <= $0.1 }.count)
      }
      cells += Double(horizon)
      wspl += weights[s] / total * spl
    }
    rows.append((name, wspl, hits.map { $0 / cells }))
  }
  for (rank, (name, value, coverage)) in rows.sorted(by: { $0.1 < $1.1 }).enumerated() {
    let label = name.padding(toLength: 24, withPad: " ", startingAt: 0)
    // Upper quantiles only: with many zero days, y ≤ q holds trivially at the low ones (q clipped at 0).
    print(String(format: "  %d. %@ WSPL %.4f   published %@   coverage at 0.5/0.75/0.835/0.975/0.995: %.2f %.2f %.2f %.2f %.2f", rank + 1, label, value,
                 publishedL12[name].map { String(format: "%.4f", $0) } ?? "—", coverage[4], coverage[5], coverage[6], coverage[7], coverage[8]))
  }
}

/// M5 series weights: each series' dollar sales over the last 28 days before the held-out `horizon`.
func m5Weights(_ panel: Panel, prices: [Double], horizon: Int) -> [Double] {
  (0..<panel.seriesCount).map { s in
    let r = panel.range(of: s)
    let trainEnd = r.upperBound - horizon
    var w = 0.0
    for i in max(r.lowerBound, trainEnd - 28)..<trainEnd where !prices[i].isNaN { w += panel.values[i] * prices[i] }
    return w
  }
}
