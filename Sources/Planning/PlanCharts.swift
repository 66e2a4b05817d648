import CSV
import Forecasting
import Foundation
import TimeSeries

/// Charts and chart data shared by the report and the workspace (inline SVG, styled by `css`).
public enum PlanCharts {
  /// The chart classes' style (history, forecast, bands, reorder point, safety stock, …).
  public static let css = """
    svg{max-width:100%;height:auto}svg .grid{stroke:#e6ebf0}svg .axis{stroke:#8593a3}svg .tick{font-size:11px;fill:#5b6776}
    svg .ytitle{font-size:11px;fill:#5b6776}svg .note{font-size:11px;fill:#374151}svg .hist{fill:none;stroke:#1d2733;stroke-width:1.5}
    svg .mean{fill:none;stroke:#2563eb;stroke-width:2}svg .b95{fill:#bfdbfe;opacity:.55}svg .b80{fill:#93c5fd;opacity:.6}
    svg .rop{fill:none;stroke:#dc2626;stroke-dasharray:6 4}svg .ss{stroke:#f59e0b;stroke-dasharray:3 3}svg .now{stroke:#8593a3;stroke-dasharray:2 3}
    svg .pareto{fill:none;stroke:#2563eb;stroke-width:2}svg .barA{fill:#2563eb}svg .barB{fill:#60a5fa}svg .barC{fill:#cbd5e1}
    svg .base{fill:#94a3b8}svg .scen{fill:#f97316}svg .onhand{fill:none;stroke:#059669;stroke-width:2}
    """

  /// The last (up to) 52 periods of history ending before period `end`, then the forecast from `end` with
  /// its 80 % (`lower[0]`, `upper[0]`) and 95 % (`[1]`) bands.
  public static func forecast(title: String, frequency: Frequency, end: Int, history fitted: [Double], mean: [Double], lower: [[Double]], upper: [[Double]]) -> String {
    guard !mean.isEmpty else { return "" }
    let historyCount = min(52, fitted.count)
    let history = Array(fitted.suffix(historyCount))
    let hist = history.enumerated().map { (Double(end - historyCount + $0.offset), $0.element) }
    let fc = mean.enumerated().map { (Double(end + $0.offset), $0.element) }
    let maxY = max(1, (history.filter(\.isFinite) + mean + (upper.last ?? [])).max() ?? 1)
    var c = SVGChart(width: 520, height: 230, x: Double(end - historyCount)...Double(end + mean.count), y: 0...maxY * 1.05)
    let labels = stride(from: end - historyCount, through: end + mean.count, by: max(1, (historyCount + mean.count) / 5)).map {
      (Double($0), String(frequency.label(ofPeriod: $0).description.prefix(7)))
    }
    c.axes(xLabels: labels, yTitle: "units per \(frequency.rawValue)")
    func points(_ values: [Double]) -> [(Double, Double)] { values.enumerated().map { (Double(end + $0.offset), $0.element) } }
    if upper.count >= 2 { c.band(lower: points(lower[1]), upper: points(upper[1]), cssClass: "b95") }
    if !upper.isEmpty { c.band(lower: points(lower[0]), upper: points(upper[0]), cssClass: "b80") }
    if !hist.isEmpty { c.line(hist, cssClass: "hist") }
    c.line([hist.last ?? fc[0]] + fc, cssClass: "mean")
    c.vline(Double(end), cssClass: "now", label: "forecast")
    c.legend([("hist", "actual"), ("mean", "forecast"), ("b80", "80%"), ("b95", "95%")])
    return c.svg(title: title)
  }

  /// One series' forecast as `replenish plan` wrote it into `forecasts.csv`.
  public struct SeriesForecast: Sendable {
    public var location: String
    public var model: String
    /// The first forecast day (day number) and the path with its 80 % (`[0]`) and 95 % (`[1]`) bounds.
    public var firstDay: Int
    public var mean: [Double] = []
    public var lower: [[Double]] = [[], []]
    public var upper: [[Double]] = [[], []]
  }

  /// Every forecast in `path` (a plan's `forecasts.csv`), by SKU, one per location.
  public static func forecasts(path: String) throws(CSVError) -> [String: [SeriesForecast]] {
    let table = try CSVTable.read(path: path, required: ["sku", "location", "date", "model", "mean"])
    var out: [String: [SeriesForecast]] = [:]
    for row in table.rows {
      let sku = row.text("sku") ?? ""
      let location = row.text("location") ?? ""
      guard let text = row.text("date"), let day = CivilDate(iso: text)?.dayNumber else {
        throw row.error("date", value: row.text("date") ?? "", problem: "not a date", expected: "an ISO date")
      }
      var series = out[sku, default: []]
      if series.last?.location != location { series.append(SeriesForecast(location: location, model: row.text("model") ?? "", firstDay: day)) }
      let k = series.count - 1
      series[k].mean.append(try row.number("mean") ?? .nan)
      for (j, level) in ["80", "95"].enumerated() {
        series[k].lower[j].append(try row.number("lo-\(level)") ?? .nan)
        series[k].upper[j].append(try row.number("hi-\(level)") ?? .nan)
      }
      out[sku] = series
    }
    for (sku, series) in out {
      out[sku] = series.map { f in
        var f = f
        if f.lower.contains(where: { $0.contains { $0.isNaN } }) { (f.lower, f.upper) = ([], []) }
        return f
      }
    }
    return out
  }
}

extension PlanCharts {
  /// A SKU's history (stock-outs censored) and its plan forecasts with bands, one chart per location.
  public static func skuForecasts(inputs: PlanInputs, forecasts: [SeriesForecast], sku: String) -> [(title: String, svg: String)] {
    let panel = inputs.panel
    return forecasts.map { f in
      let end = panel.frequency.period(containing: f.firstDay)
      let series = panel.keys.firstIndex { $0.sku == sku && ($0.location ?? "") == f.location }
      var history = series.map { s in panel.history(of: s, censorStockOuts: true, endPeriod: end) } ?? []
      if let s = series, panel.startPeriods[s] + history.count < end {
        history += Array(repeating: .nan, count: end - panel.startPeriods[s] - history.count)  // no rows up to the plan date
      }
      let title = "\(sku)\(f.location.isEmpty ? "" : " at \(f.location)"): \(f.model)"
      return (title, forecast(title: "forecast of \(sku)", frequency: panel.frequency, end: end, history: history, mean: f.mean, lower: f.lower, upper: f.upper))
    }
  }
}
