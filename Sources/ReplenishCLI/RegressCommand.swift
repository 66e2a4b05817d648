import ArgumentParser
import CSV
import Forecasting
import Foundation
import SalesHistory
import TimeSeries

extension EventCalendar.EventKey: ExpressibleByArgument {}

/// `replenish regress`: demand on price, promotion and calendar events, batched through LAPACK.
struct RegressCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "regress",
    abstract: "Regression of demand on trend, seasonality, events, log price and promotion (batched per shared design).",
    discussion: """
      y = X·β + γ·log price + δ·promotion, X = [1, trend, Fourier terms, event indicators from --calendar].
      Series starting in the same period share X and are solved together (one factorisation, many right-hand
      sides). Promotion = price below 95 % of the highest price of the previous 8 periods. Forecasts assume
      the last price and no promotion. --coefficients writes γ (log-price elasticity), δ and each event effect
      per SKU. --backtest holds out the last --horizon periods and prints RMSSE next to --compare models.
      """)

  @OptionGroup var input: HistoryOptions
  @Option(help: "Event calendar CSV (M5 calendar.csv layout: date, event_type_1/2, snap_*).") var calendar: String
  @Option(help: "Event indicators by event type or name.") var events: EventCalendar.EventKey = .type
  @Option(help: "0/1 calendar columns to use as indicators, comma-separated (e.g. snap_CA).") var flags: String = ""
  @Option(help: "Periods to forecast.") var horizon: Int
  @Option(name: .customLong("season-length"), help: "Season length (default: 7 daily, 52 weekly, 12 monthly).") var seasonLength: Int?
  @Option(help: "Fourier pairs for the season.") var pairs = 3
  @Option(help: "Ridge strength on price and promotion effects (0 = OLS).") var ridge = 0.1
  @Option(help: "Fit on the most recent N periods only (0 = all history).") var window = 0
  @Option(help: "Prediction interval levels in percent.") var level = "80,95"
  @Option(help: "Forecast CSV.") var out: String?
  @Option(help: "Coefficients CSV (elasticity, promotion effect, event effects, residual SD).") var coefficients: String?
  @Flag(help: "Hold out the last --horizon periods and report accuracy.") var backtest = false
  @Option(help: "With --backtest: univariate models to compare on the same split.") var compare = "auto"

  func validate() throws {
    if horizon < 1 { throw ValidationError("--horizon must be at least 1") }
    if pairs < 0 { throw ValidationError("--pairs must be 0 or more") }
    if ridge < 0 || !ridge.isFinite { throw ValidationError("--ridge must be ≥ 0") }
  }

  func run() throws {
    let history = try readHistory(input)
    let panel = history.panel
    let calendarData = try EventCalendar.read(path: calendar, events: events, flags: flags.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces).lowercased() })
    let m = seasonLength ?? panel.frequency.defaultSeasonLength
    let levels = try parseLevels(level)
    let trainEnd = backtest ? panel.endPeriod - horizon : panel.endPeriod
    var model = PanelRegression(seasonLength: m, fourierPairs: pairs, ridge: ridge)
    model.window = window
    let frequency = panel.frequency
    let started = Date()
    let run: (results: [PanelRegression.SeriesResult], flops: Double, seconds: Double)
    do { run = try model.run(panel: panel, trainEnd: trainEnd, horizon: horizon, levels: levels) { calendarData.values(period: $0, frequency: frequency) } } catch {
      throw CLIError("\(calendar): \(error)")
    }
    if let out { try writeAtomically(PanelRegression.forecastTable(run.results, panel: panel, trainEnd: trainEnd, horizon: horizon, levels: levels), to: out) }
    if let coefficients { try writeAtomically(PanelRegression.coefficientTable(run.results, panel: panel, features: calendarData.features), to: coefficients) }
    let skipped = panel.seriesCount - run.results.count
    print(String(format: "regression of %d series (%d skipped: < 8 periods) on %d calendar features + log price + promotion in %.2f s (solves %.2f s, %.2f GFLOP/s)",
                 run.results.count, skipped, calendarData.features.count, Date().timeIntervalSince(started), run.seconds, run.flops / max(run.seconds, 1e-9) / 1e9))
    let elasticities = run.results.map(\.elasticity).sorted()
    if !elasticities.isEmpty {
      print(String(format: "log-price elasticity: median %.2f (quartiles %.2f … %.2f)", elasticities[elasticities.count / 2], elasticities[elasticities.count / 4], elasticities[3 * elasticities.count / 4]))
    }
    guard backtest else { return }
    var rows = [["method", "series", "mean RMSSE", "mean MASE"]]
    func add(_ name: String, _ score: HoldoutScore) {
      rows.append([name, "\(score.series)", String(format: "%.4f", score.meanRMSSE), String(format: "%.4f", score.meanMASE)])
    }
    add("regression", HoldoutScore.score(run.results.map { ($0.series, $0.forecast.mean) }, panel: panel, trainEnd: trainEnd, horizon: horizon, seasonLength: m))
    let scored = run.results.map(\.series).sorted()
    switch ModelCatalog.methods(compare) {
    case .success(let methods):
      for method in methods {
        // The same panel loop (and fallback chain) as `forecast`, on the history before the hold-out.
        let forecasts = PanelForecaster(methods: [method], horizon: horizon, levels: [], seasonLength: m, threads: ProcessInfo.processInfo.activeProcessorCount)
          .run(panel: panel, seriesIndices: scored, endPeriod: trainEnd).compactMap { r in r.forecast.map { (r.series, $0.mean) } }
        add(method.alias, HoldoutScore.score(forecasts, panel: panel, trainEnd: trainEnd, horizon: horizon, seasonLength: m))
      }
    case .failure(let error): throw ValidationError("--compare: \(error)")
    }
    print("backtest: last \(horizon) periods held out")
    print(alignedTable(rows))
  }
}
