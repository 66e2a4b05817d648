import CSV
import Foundation
import TimeSeries

/// The CSV files `replenish forecast` and `replenish backtest` write, built from the panel forecaster's
/// and backtester's results (statsforecast's column names: `unique_id`-style keys, `mean`, `lo-80`, `hi-80`).
public struct ForecastTables: Sendable {
  /// Forecasts: `sku[,location],date,method,model,demand_pattern,mean,lo-L,hi-L…,q-τ…`.
  public var forecasts: String
  /// Lead-time demand: `sku[,location],method,model,demand_pattern,lead_time,mean,q-τ…,quantile_method,origins`.
  public var leadTimeDemand: String
  /// Series that fell back: `sku[,location],method,fallback_model,reason`.
  public var fallbacks: String
  public var fallbackCount = 0
  /// Series for which nothing could be fitted (no observations).
  public var failed = 0
  /// Series per fitted model family (`ETS`, `AutoTheta`, …).
  public var modelCounts: [String: Int] = [:]

  /// `levels`: the interval columns written; `quantiles`: the one-sided quantile columns (read off the
  /// intervals at levels |2τ − 1|·100, which the forecasts must hold); `leadTimeQuantiles`: the lead-time
  /// columns; `roundQuantiles` rounds quantiles up to whole units.
  public init(panel: Panel, results: [SeriesForecast], horizon: Int, levels: [Double], quantiles: [Double], leadTimeQuantiles: [Double],
              roundQuantiles: Bool) {
    let hasLocation = panel.keys.contains { $0.location != nil }
    let keyHeader = hasLocation ? "sku,location," : "sku,"
    forecasts = keyHeader + "date,method,model,demand_pattern,mean"
    for l in levels { forecasts += ",lo-\(Self.levelLabel(l)),hi-\(Self.levelLabel(l))" }
    for tau in quantiles { forecasts += ",q-\(tau)" }
    forecasts += "\n"
    leadTimeDemand = keyHeader + "method,model,demand_pattern,lead_time,mean," + leadTimeQuantiles.map { "q-\($0)" }.joined(separator: ",") + ",quantile_method,origins\n"
    fallbacks = keyHeader + "method,fallback_model,reason\n"
    func number(_ x: Double) -> String { x.isNaN ? "" : "\(x)" }
    for result in results {
      let key = Self.keyFields(panel.keys[result.series], hasLocation: hasLocation)
      if let reason = result.fallbackReason {
        fallbackCount += 1
        fallbacks += "\(key),\(result.method),\(csvField(result.forecast?.model ?? "")),\(csvField(reason))\n"
      }
      guard let forecast = result.forecast else {
        failed += 1
        continue
      }
      modelCounts[forecast.model.split(separator: "(").first.map(String.init) ?? forecast.model, default: 0] += 1
      let pattern = result.pattern.pattern.rawValue
      for step in 0..<horizon {
        let date = panel.frequency.label(ofPeriod: result.firstForecastPeriod + step)
        forecasts += "\(key),\(date),\(result.method),\(csvField(forecast.model)),\(pattern),\(number(forecast.mean[step]))"
        for level in levels {
          let k = forecast.levels.firstIndex(of: level)!
          forecasts += ",\(number(forecast.lower[k][step])),\(number(forecast.upper[k][step]))"
        }
        for tau in quantiles {
          let q = quantileFromIntervals(forecast, tau, step: step)
          forecasts += ",\(number(roundQuantiles ? q.rounded(.up) : q))"
        }
        forecasts += "\n"
      }
      if let ltd = result.leadTimeDemand {
        leadTimeDemand += "\(key),\(result.method),\(csvField(forecast.model)),\(pattern),\(ltd.leadTime),\(number(ltd.mean)),"
        leadTimeDemand += ltd.quantiles.map { number(roundQuantiles ? $0.value.rounded(.up) : $0.value) }.joined(separator: ",")
        leadTimeDemand += ",\(ltd.method.rawValue),\(ltd.origins)\n"
      }
    }
  }

  /// The key columns of a series: `sku` or `sku,location`.
  public static func keyFields(_ key: SeriesKey, hasLocation: Bool) -> String {
    hasLocation ? csvField(key.sku) + "," + csvField(key.location ?? "") : csvField(key.sku)
  }

  /// `80` for 80.0, `97.5` for 97.5.
  public static func levelLabel(_ level: Double) -> String {
    level == level.rounded() ? String(Int(level)) : String(level)
  }
}

/// The CSV files and summary of `replenish backtest`: per series, method and window, and per method.
public struct BacktestTables: Sendable {
  /// Per series, method and window: `sku[,location],method,model,origin,periods,<metrics>,error`.
  public var windows: String
  /// Per method: `method,series,windows,mean_<metric>…,pooled_wape,failed_windows`.
  public var summary: String
  /// The summary as rows for a terminal table (header first).
  public var summaryRows: [[String]]

  /// Mean of each metric over series and windows; pooled WAPE = Σ|error| / Σ|actual| over everything.
  public init(panel: Panel, rows: [PanelBacktester.Row], methods: [String], horizon: Int, censorStockOuts: Bool) {
    let hasLocation = panel.keys.contains { $0.location != nil }
    func number(_ x: Double) -> String { x.isNaN ? "" : "\(x)" }
    windows = (hasLocation ? "sku,location," : "sku,") + "method,model,origin,periods," + AccuracyMetrics.names.joined(separator: ",") + ",error\n"
    struct Totals {
      var metrics: [String: [Double]] = [:]
      var absError = 0.0, absActual = 0.0
      var series = Set<Int>()
      var failures = 0
    }
    var totals: [String: Totals] = [:]
    for row in rows {
      let key = ForecastTables.keyFields(panel.keys[row.series], hasLocation: hasLocation)
      switch row.window {
      case .success(let w):
        let origin = panel.frequency.label(ofPeriod: panel.startPeriods[row.series] + w.origin)
        windows += "\(key),\(row.method),\(csvField(w.model)),\(origin),\(w.metrics.count),"
        windows += AccuracyMetrics.names.map { number(w.metrics.value($0)!) }.joined(separator: ",") + ",\n"
        var t = totals[row.method, default: Totals()]
        for name in AccuracyMetrics.names {
          let v = w.metrics.value(name)!
          if v.isFinite { t.metrics[name, default: []].append(v) }
        }
        t.absError += w.metrics.mae * Double(w.metrics.count)
        let y = panel.history(of: row.series, censorStockOuts: censorStockOuts)[w.origin..<(w.origin + horizon)]
        t.absActual += y.reduce(0) { $0 + ($1.isNaN ? 0 : abs($1)) }
        t.series.insert(row.series)
        totals[row.method] = t
      case .failure(let error):
        windows += "\(key),\(row.method),,,0," + AccuracyMetrics.names.map { _ in "" }.joined(separator: ",") + ",\(csvField(error.description))\n"
        totals[row.method, default: Totals()].failures += 1
      }
    }
    summary = "method,series,windows," + AccuracyMetrics.names.map { "mean_\($0)" }.joined(separator: ",") + ",pooled_wape,failed_windows\n"
    summaryRows = [["method", "series", "windows"] + AccuracyMetrics.names + ["pooled wape", "failed"]]
    for method in methods {
      let t = totals[method] ?? Totals()
      let means = AccuracyMetrics.names.map { name -> Double in
        let v = t.metrics[name] ?? []
        return v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count)
      }
      let windowsCount = t.metrics["mae"]?.count ?? 0
      let pooled = t.absActual > 0 ? t.absError / t.absActual : .nan
      summary += "\(method),\(t.series.count),\(windowsCount)," + means.map(number).joined(separator: ",") + ",\(number(pooled)),\(t.failures)\n"
      summaryRows.append([method, String(t.series.count), String(windowsCount)] + means.map { String(format: "%.4f", $0) } + [String(format: "%.4f", pooled), String(t.failures)])
    }
  }
}

extension PanelRegression {
  /// `sku[,location],date,method,model,mean,lo-L,hi-L…` for the periods after `trainEnd`.
  public static func forecastTable(_ results: [SeriesResult], panel: Panel, trainEnd: Int, horizon: Int, levels: [Double]) -> String {
    let hasLocation = panel.keys.contains { $0.location != nil }
    func number(_ x: Double) -> String { x.isNaN ? "" : "\(x)" }
    var csv = (hasLocation ? "sku,location" : "sku") + ",date,method,model,mean" + levels.map { ",lo-\(Int($0)),hi-\(Int($0))" }.joined() + "\n"
    for r in results {
      for h in 0..<horizon {
        csv += ForecastTables.keyFields(panel.keys[r.series], hasLocation: hasLocation)
          + ",\(panel.frequency.label(ofPeriod: trainEnd + h)),regression,\(csvField(r.forecast.model)),\(number(r.forecast.mean[h]))"
        for k in levels.indices { csv += ",\(number(r.forecast.lower[k][h])),\(number(r.forecast.upper[k][h]))" }
        csv += "\n"
      }
    }
    return csv
  }

  /// Per series: elasticity, promotion effect, residual SD, design rank, group size and one effect per calendar feature.
  public static func coefficientTable(_ results: [SeriesResult], panel: Panel, features: [String]) -> String {
    let hasLocation = panel.keys.contains { $0.location != nil }
    func number(_ x: Double) -> String { x.isNaN ? "" : "\(x)" }
    var csv = (hasLocation ? "sku,location" : "sku") + ",log_price_elasticity,promotion_effect,residual_sd,design_rank,group_size"
      + features.map { "," + csvField("effect " + $0) }.joined() + "\n"
    for r in results {
      csv += ForecastTables.keyFields(panel.keys[r.series], hasLocation: hasLocation)
        + ",\(number(r.elasticity)),\(number(r.promotionEffect)),\(number(r.residualSD)),\(r.rank),\(r.groupSize)"
        + r.eventEffects.map { ",\(number($0))" }.joined() + "\n"
    }
    return csv
  }
}

/// Accuracy of forecasts made at one origin on the `horizon` periods after it (a hold-out backtest).
public struct HoldoutScore: Sendable {
  public var series: Int
  public var meanRMSSE: Double
  public var meanMASE: Double

  /// Mean RMSSE and MASE over the series of `forecasts` (series index, forecast mean from `trainEnd`),
  /// scaled by each series' training history from its first sale; series without a full hold-out are left out.
  public static func score(_ forecasts: [(series: Int, mean: [Double])], panel: Panel, trainEnd: Int, horizon: Int, seasonLength: Int) -> HoldoutScore {
    var rmsse: [Double] = [], mase: [Double] = []
    for (s, mean) in forecasts {
      let y = panel.history(of: s, censorStockOuts: true)
      let split = trainEnd - panel.startPeriods[s]
      guard split > 1, split + horizon <= y.count else { continue }
      let train = Array(y[..<split]), test = Array(y[split..<(split + horizon)])
      let firstSale = train.firstIndex { $0 > 0 } ?? 0
      let metrics = AccuracyMetrics(actual: test, forecast: mean, training: Array(train[firstSale...]), seasonLength: seasonLength)
      if metrics.rmsse.isFinite { rmsse.append(metrics.rmsse) }
      if metrics.mase.isFinite { mase.append(metrics.mase) }
    }
    return HoldoutScore(series: rmsse.count, meanRMSSE: rmsse.reduce(0, +) / Double(max(1, rmsse.count)), meanMASE: mase.reduce(0, +) / Double(max(1, mase.count)))
  }
}
