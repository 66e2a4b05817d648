import Dispatch
import Synchronization
import TimeSeries

/// The forecast of one series, with the model that produced it and, if the requested model failed,
/// the fallback and why.
public struct SeriesForecast: Sendable {
  public let series: Int
  public let method: String
  public let forecast: Forecast?
  public let fallbackReason: String?
  public let error: String?
}

/// Forecasts every series of a panel with every requested method, in parallel across series.
///
/// A method that fails on a series falls back to `fallback` (seasonal naive, else naive, else the mean)
/// and the result says so: batch runs degrade per series, they never abort.
public struct PanelForecaster: Sendable {
  public let methods: [any ForecastingMethod]
  public let horizon: Int
  public let levels: [Double]
  public let seasonLength: Int
  public let threads: Int

  public init(methods: [any ForecastingMethod], horizon: Int, levels: [Double], seasonLength: Int, threads: Int) {
    self.methods = methods
    self.horizon = horizon
    self.levels = levels
    self.seasonLength = seasonLength
    self.threads = max(1, threads)
  }

  /// The fallback chain for a series of length n.
  func fallback(_ y: [Double], primaryError: ForecastError) -> (Forecast?, String) {
    let chain: [any ForecastingMethod] = [SeasonalNaiveMethod(), NaiveMethod(), AverageMethod()]
    for method in chain {
      if let fit = try? method.fit(y, seasonLength: seasonLength) {
        return (fit.forecast(horizon: horizon, levels: levels), "\(primaryError) → \(fit.name)")
      }
    }
    return (nil, "\(primaryError); no fallback could be fitted")
  }

  /// Runs over `seriesIndices` of the panel (all by default). `progress` is called with the number of
  /// series finished (from worker threads).
  public func run(panel: Panel, seriesIndices: [Int]? = nil, progress: (@Sendable (Int) -> Void)? = nil) -> [SeriesForecast] {
    let indices = seriesIndices ?? Array(0..<panel.seriesCount)
    let total = indices.count * methods.count
    let results = ResultSlots(count: total)
    let chunk = max(1, min(64, indices.count / (threads * 8) + 1))
    let chunks = (indices.count + chunk - 1) / chunk
    let work: @Sendable (Int) -> Void = { c in
      for position in (c * chunk)..<min(indices.count, (c + 1) * chunk) {
        let s = indices[position]
        let y = Array(panel.values(of: s))
        for (k, method) in methods.enumerated() {
          let slot = position * methods.count + k
          do throws(ForecastError) {
            let fit = try method.fit(y, seasonLength: seasonLength)
            results.set(slot, SeriesForecast(series: s, method: method.alias, forecast: fit.forecast(horizon: horizon, levels: levels), fallbackReason: nil, error: nil))
          } catch {
            let (forecast, reason) = fallback(y, primaryError: error)
            results.set(slot, SeriesForecast(series: s, method: method.alias, forecast: forecast, fallbackReason: reason, error: forecast == nil ? reason : nil))
          }
        }
        let finished = results.finishSeries()
        progress?(finished)
      }
    }
    if threads == 1 {
      for c in 0..<chunks { work(c) }
    } else {
      DispatchQueue.concurrentPerform(iterations: chunks) { work($0) }
    }
    return results.values()
  }
}

/// Write-once result slots filled concurrently (each index by exactly one worker).
final class ResultSlots: @unchecked Sendable {
  private var storage: [SeriesForecast?]
  private var finished = 0
  private let lock = Mutex(())

  init(count: Int) { storage = Array(repeating: nil, count: count) }

  func set(_ index: Int, _ value: SeriesForecast) {
    lock.withLock { _ in storage[index] = value }
  }

  /// Counts one more finished series and returns the count.
  func finishSeries() -> Int {
    lock.withLock { _ in
      finished += 1
      return finished
    }
  }

  func values() -> [SeriesForecast] { lock.withLock { _ in storage.compactMap { $0 } } }
}
