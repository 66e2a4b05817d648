import CSV
import Policy
import Statistics
import TimeSeries

/// A forecast file as `replenish forecast` writes it (`sku[,location],date,method,model,mean,lo-80,hi-80,…`),
/// read back for policies without re-forecasting.
public struct ForecastFile: Sendable {
  /// One series' forecast path of one method.
  public struct Path: Sendable {
    public var key: SeriesKey
    public var means: [Double]
    /// σ of the one-step forecast error from the 80 % interval of step 1, `nil` without intervals.
    public var sigma: Double?
  }

  public var paths: [Path]

  /// Reads `path`; with `method`, only that method's rows, else the first method of the file.
  ///
  /// σ = (hi-80 − mean) / z₀.₉ of the first step (a two-sided 80 % interval is mean ± 1.2816 σ).
  public static func read(path: String, method: String? = nil) throws(CSVError) -> ForecastFile {
    let table = try CSVTable.read(path: path, required: ["sku", "date", "mean"])
    let hasInterval = table.header.contains("hi-80")
    let chosen = method ?? table.rows.first?.text("method")
    var index: [SeriesKey: Int] = [:]
    var paths: [Path] = []
    for row in table.rows {
      guard let sku = row.text("sku") else { throw row.error("sku", value: "", problem: "empty SKU", expected: "a SKU code") }
      if let chosen, row.text("method") != chosen { continue }
      guard let mean = try row.number("mean", range: 0...Double.greatestFiniteMagnitude, expected: "a forecast mean ≥ 0") else {
        throw row.error("mean", value: "", problem: "empty mean", expected: "a number")
      }
      let key = SeriesKey(sku: sku, location: row.text("location"))
      if let i = index[key] {
        paths[i].means.append(mean)
      } else {
        var sigma: Double?
        if hasInterval, let hi = try row.number("hi-80") { sigma = max(0, (hi - mean) / normalQuantile(0.9)) }
        index[key] = paths.count
        paths.append(Path(key: key, means: [mean], sigma: sigma))
      }
    }
    return ForecastFile(paths: paths)
  }

  /// Policies for every path: d = mean forecast over the exposure (lead time + review period in force),
  /// σ from the interval, service level from the item master, else the class, else 0.95. `warnings` lists
  /// paths shorter than the exposure (their mean is extended flat).
  public func policies(items master: ItemMaster, classes: [String: ClassifiedSKU], periodDays: Double) -> (policies: [PolicyResult], warnings: [String]) {
    var warnings: [String] = []
    let policies = paths.map { path -> PolicyResult in
      let item = master.item(sku: path.key.sku, location: path.key.location)
      let exposure = item.exposureDays / periodDays
      let periods = max(1, min(path.means.count, Int(exposure.rounded(.up))))
      let d = path.means.prefix(periods).reduce(0, +) / Double(periods)
      if Double(path.means.count) < exposure {
        warnings.append("\(path.key): forecast covers \(path.means.count) periods, exposure is \(String(format: "%.1f", exposure)); the mean is extended flat")
      }
      let estimate = DemandEstimate(sku: path.key.sku, location: path.key.location, periodDays: periodDays, meanPerPeriod: d, sigmaPerPeriod: path.sigma ?? 0,
                                    sigmaSource: path.sigma == nil ? "none (no intervals in the forecast file)" : "80% interval of step 1")
      let (level, source) = serviceLevel(for: item, classes: classes)
      return PolicyCalculator.compute(item: item, demand: estimate, serviceLevel: level, serviceLevelSource: source)
    }
    return (policies, warnings)
  }
}
