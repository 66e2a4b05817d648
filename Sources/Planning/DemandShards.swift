import Forecasting
import Foundation
import Policy
import Statistics
import TimeSeries

/// What one shard of a plan computed (`replenish plan --shard K/N --demands-out FILE`): the demand of its
/// series before the step across series, and a fingerprint of everything that decides a series' demand
/// (model, season length, horizon, plan date, the history's shape, every series' exposure and service
/// level), so that the merge (`replenish plan --demands FILE…`) refuses shards computed from other inputs.
///
/// The file is JSON. Numbers are written as the shortest decimal that reads back as the same double, so
/// the merged plan is the single-process plan byte for byte. A forecast's in-sample fitted values and
/// residuals are not written: after the demand step nothing reads them.
public struct DemandShard: Sendable {
  public static let format = "replenish-demand-shard/1"

  public var shard: PanelShard
  /// Series in the whole panel.
  public var seriesCount: Int
  public var fingerprint: String
  public var demands: [PartialDemand]

  public init(shard: PanelShard, seriesCount: Int, fingerprint: String, demands: [PartialDemand]) {
    self.shard = shard
    self.seriesCount = seriesCount
    self.fingerprint = fingerprint
    self.demands = demands
  }

  public func json() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try encoder.encode(Stored(self))
  }

  /// Reads a shard file; a file that is not one, or of another format version, is refused naming the
  /// field that does not fit.
  public static func read(_ data: Data, file: String) throws(PlanJob.Problem) -> DemandShard {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let stored: Stored
    do { stored = try decoder.decode(Stored.self, from: data) } catch let error as DecodingError {
      throw .demandShards("\(file): not a demand shard file: \(Self.describe(error)); expected the file `replenish plan --shard K/N --demands-out` wrote")
    } catch { throw .demandShards("\(file): not a demand shard file (\(error)); expected the file `replenish plan --shard K/N --demands-out` wrote") }
    guard stored.format == format else {
      throw .demandShards("\(file): format \"\(stored.format)\"; expected \"\(format)\" (the shards and the merge must be the same release)")
    }
    guard let shard = PanelShard(parsing: stored.shard) else {
      throw .demandShards("\(file): shard \"\(stored.shard)\"; expected K/N with 1 ≤ K ≤ N ≤ \(PanelShard.maximumCount)")
    }
    return DemandShard(shard: shard, seriesCount: stored.seriesCount, fingerprint: stored.fingerprint, demands: stored.demands.map(\.partial))
  }

  static func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
      context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
    }
    switch error {
    case .keyNotFound(let key, let context): return "field \(path(context)).\(key.stringValue) is missing"
    case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
      return "field \(path(context).isEmpty ? "(top)" : path(context)): \(context.debugDescription)"
    @unknown default: return "\(error)"
    }
  }

  /// The file's layout: plain fields, so that the domain types need not be Codable.
  struct Stored: Codable {
    var format: String
    var shard: String
    var seriesCount: Int
    var fingerprint: String
    var demands: [StoredDemand]

    init(_ s: DemandShard) {
      format = DemandShard.format
      shard = s.shard.description
      seriesCount = s.seriesCount
      fingerprint = s.fingerprint
      demands = s.demands.map(StoredDemand.init)
    }
  }

  struct StoredForecast: Codable {
    var model: String
    var mean: [Double]
    var levels: [Double]
    var lower: [[Double]]
    var upper: [[Double]]
    var intervalMethod: IntervalMethod
  }

  struct StoredProfile: Codable {
    var meanSquares: [Double]
    var forecastSums: [Double]
    var meanErrors: [Double]
    var origins: Int
    var source: String
  }

  struct StoredExposure: Codable {
    var periods: Int
    var mean: Double
    var levels: [Double]
    var values: [Double]
    var method: String
  }

  struct StoredDemand: Codable {
    var series: Int
    var sku: String
    var location: String?
    var model: String
    var historyLength: Int
    var fallback: String?
    var borrowedSeason: String?
    var forecast: StoredForecast?
    var periodDays: Double
    var meanPerPeriod: Double
    var sigmaPerPeriod: Double
    var sigmaSource: String
    var pattern: DemandPattern?
    var exposure: StoredExposure?
    var profile: StoredProfile?
    var dispersion: Double?
    var exposurePeriods: Int

    init(_ p: PartialDemand) {
      let d = p.demand, e = d.estimate
      series = d.series
      sku = d.key.sku
      location = d.key.location
      model = d.model
      historyLength = d.historyLength
      fallback = d.fallback
      borrowedSeason = d.borrowedSeason
      forecast = d.forecast.map {
        StoredForecast(model: $0.model, mean: $0.mean, levels: $0.levels, lower: $0.lower, upper: $0.upper, intervalMethod: $0.intervalMethod)
      }
      periodDays = e.periodDays
      meanPerPeriod = e.meanPerPeriod
      sigmaPerPeriod = e.sigmaPerPeriod
      sigmaSource = e.sigmaSource
      pattern = e.pattern
      exposure = e.exposureDemand.map {
        StoredExposure(periods: $0.periods, mean: $0.mean, levels: $0.quantiles.map(\.level), values: $0.quantiles.map(\.value), method: $0.method)
      }
      profile = e.errorProfile.map {
        StoredProfile(meanSquares: $0.meanSquares, forecastSums: $0.forecastSums, meanErrors: $0.meanErrors, origins: $0.origins, source: $0.source)
      }
      dispersion = p.dispersion
      exposurePeriods = p.exposurePeriods
    }

    var partial: PartialDemand {
      let key = SeriesKey(sku: sku, location: location)
      let estimate = DemandEstimate(
        sku: sku, location: location, periodDays: periodDays, meanPerPeriod: meanPerPeriod, sigmaPerPeriod: sigmaPerPeriod, sigmaSource: sigmaSource,
        pattern: pattern,
        exposureDemand: exposure.map { ExposureDemand(periods: $0.periods, mean: $0.mean, quantiles: Array(zip($0.levels, $0.values)), method: $0.method) },
        errorProfile: profile.map {
          ForecastErrorProfile(meanSquares: $0.meanSquares, forecastSums: $0.forecastSums, meanErrors: $0.meanErrors, origins: $0.origins, source: $0.source)
        })
      let f = forecast.map {
        Forecast(model: $0.model, mean: $0.mean, levels: $0.levels, lower: $0.lower, upper: $0.upper, intervalMethod: $0.intervalMethod, fitted: [], residuals: [])
      }
      return PartialDemand(
        demand: SeriesDemand(series: series, key: key, estimate: estimate, model: model, forecast: f, historyLength: historyLength, fallback: fallback,
                             borrowedSeason: borrowedSeason),
        dispersion: dispersion, exposurePeriods: exposurePeriods)
    }
  }
}
