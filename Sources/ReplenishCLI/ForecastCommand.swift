import ArgumentParser
import CSV
import Forecasting
import Foundation
import SalesHistory
import TimeSeries

/// Options shared by `forecast` and `backtest`.
struct ModelOptions: ParsableArguments {
  @Option(name: .long, help: "Models: auto, or a comma-separated list of aliases (see `replenish models`).")
  var models: String = "auto"

  @Option(name: .customLong("season-length"), help: "Season length in periods (default: 7 daily, 52 weekly, 12 monthly).")
  var seasonLength: Int?

  @Option(name: .long, help: "Worker threads (default: all cores). BLAS always runs on one thread per worker.")
  var threads: Int?

  func validate() throws {
    if let seasonLength, seasonLength < 1 { throw ValidationError("--season-length must be at least 1, got \(seasonLength)") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    if case .failure(let error) = ModelCatalog.methods(models) { throw ValidationError("--models: \(error)") }
  }

  func methods(horizon: Int? = nil) throws -> [any ForecastingMethod] { try ModelCatalog.methods(models, horizon: horizon).get() }
  func season(for frequency: Frequency) -> Int { seasonLength ?? frequency.defaultSeasonLength }
  var workerCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }
}

/// Reads a history for a command (reader errors are `CSVError`s: exit 65 with the located message).
/// Says on standard error which frequency was inferred and why (`--freq` absent).
func reportInferredFrequency(_ history: SalesHistory, file: String) {
  guard let inference = history.report.frequencyInference else { return }
  printError("\(file): frequency \(history.panel.frequency.rawValue) (inferred: \(inference.evidence); --freq to choose)")
}

func readHistory(_ input: HistoryOptions) throws -> SalesHistory {
  let history = try SalesHistoryReader.read(file: input.history, options: try input.readerOptions())
  reportInferredFrequency(history, file: input.history)
  if history.report.rowsSkipped > 0 {
    printError("\(input.history): skipped \(history.report.rowsSkipped) bad rows (--on-error skip); first: \(history.report.badRows.first.map(\.description) ?? "")")
  }
  return history
}


/// `replenish forecast`: forecasts for every series, with prediction intervals.
struct ForecastCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "forecast",
    abstract: "Forecast every series of a sales history, with prediction intervals.",
    discussion: """
      Writes one row per series, model and future period: sku[,location],date,method,model,mean,lo-80,hi-80,…
      (statsforecast's column names). `method` is the alias asked for, `model` the fitted model (for auto:
      the model chosen by backtest). A series whose model fails is forecast by the fallback (the mean of its
      last 13 periods); the run summary and --fallbacks list them with the reason.
      """
  )

  @OptionGroup var input: HistoryOptions
  @OptionGroup var seriesEnd: SeriesEndOption
  @OptionGroup var modelOptions: ModelOptions
  @OptionGroup var sharding: ShardOption

  @Option(name: .long, help: "Periods to forecast.")
  var horizon: Int

  @Option(name: .long, help: "Prediction interval levels in percent, comma-separated (e.g. 80,95); empty for none.")
  var level: String = "80,95"

  @Option(name: .long, help: "Output CSV.")
  var out: String

  @Option(name: .long, help: "Also write the series that fell back, and why, to this CSV.")
  var fallbacks: String?

  @Option(name: .long, help: "One-sided quantile levels for every period, e.g. 0.5,0.9,0.95 (columns q-0.9 …).")
  var quantiles: String = ""

  @Flag(name: .customLong("round-quantiles"), help: "Round quantiles up to whole units.")
  var roundQuantiles = false

  @Flag(name: .customLong("no-censor-stockouts"), help: "Fit in_stock = 0 periods as zero demand instead of unobserved.")
  var noCensor = false

  @Option(name: .customLong("lead-time"), help: "Lead time in periods: also compute lead-time demand quantiles (--ltd-out).")
  var leadTime: Int?

  @Option(name: .customLong("ltd-out"), help: "Lead-time demand CSV: sum over the lead time, quantiles (--quantiles, default 0.5,0.9,0.95,0.99), method.")
  var ltdOut: String?

  func validate() throws {
    if horizon < 1 { throw ValidationError("--horizon must be at least 1, got \(horizon)") }
    _ = try levels()
    _ = try quantileLevels()
    if let leadTime, leadTime < 1 { throw ValidationError("--lead-time must be at least 1, got \(leadTime)") }
    if (leadTime == nil) != (ltdOut == nil) { throw ValidationError("--lead-time and --ltd-out go together") }
  }

  func quantileLevels() throws -> [Double] {
    try parseNumberList(quantiles, flag: "--quantiles", openRange: 0...1, example: "0.5,0.9,0.95")
  }

  func levels() throws -> [Double] {
    try parseLevels(level)
  }

  func run() throws {
    let history = try readHistory(input)
    let panel = history.panel
    let methods = try modelOptions.methods(horizon: horizon)
    let m = modelOptions.season(for: panel.frequency)
    // Series ends are found on the whole panel, so that every shard cuts its series as one process would.
    let (ends, endSummary) = seriesEnd.seriesEnds(panel)
    let selected = sharding.shard.map { $0.series(of: panel) }
    let progress = ProgressBar(total: selected?.count ?? panel.seriesCount, label: "forecast")
    let levelValues = try levels()
    let taus = try quantileLevels()
    let ltdTaus = taus.isEmpty ? [0.5, 0.9, 0.95, 0.99] : taus
    let allLevels = Array(Set(levelValues + intervalLevels(forQuantiles: taus))).sorted()
    let forecaster = PanelForecaster(
      methods: methods, horizon: horizon, levels: allLevels, seasonLength: m, threads: modelOptions.workerCount,
      censorStockOuts: !noCensor, leadTime: leadTime, leadTimeQuantiles: ltdTaus)
    let results = forecaster.run(panel: panel, seriesIndices: selected, seriesEnds: ends) { progress.update($0) }
    progress.finish()
    let tables = ForecastTables(panel: panel, results: results, horizon: horizon, levels: levelValues, quantiles: taus, leadTimeQuantiles: ltdTaus,
                                roundQuantiles: roundQuantiles)
    try writeAllOrNothing([(out, tables.forecasts)] + (fallbacks.map { [($0, tables.fallbacks)] } ?? []) + (ltdOut.map { [($0, tables.leadTimeDemand)] } ?? []))
    let (modelCounts, fallbackCount, failed) = (tables.modelCounts, tables.fallbackCount, tables.failed)
    let models = modelCounts.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    print(String(
      format: "Forecast %d series%@ × %d model(s), horizon %d, in %.1f s on %d thread(s): %@. Fallbacks: %d%@. Wrote %@.",
      selected?.count ?? panel.seriesCount, sharding.shard.map { " (shard \($0) of \(panel.seriesCount))" } ?? "", methods.count, horizon, progress.elapsed, modelOptions.workerCount, models, fallbackCount,
      failed > 0 ? " (\(failed) series without any forecast)" : "", out))
    print(endSummary)
  }
}

func parseLevels(_ text: String) throws -> [Double] {
  try parseNumberList(text, flag: "--level", openRange: 0...100, example: "80,95")
}

/// Parses a comma-separated list of numbers strictly inside `openRange`, sorted and without repeats.
func parseNumberList(_ text: String, flag: String, openRange: ClosedRange<Double>, example: String) throws -> [Double] {
  if text.isEmpty { return [] }
  var values: [Double] = []
  for part in text.split(separator: ",") {
    guard let v = Double(part.trimmingCharacters(in: .whitespaces)), v > openRange.lowerBound, v < openRange.upperBound else {
      let bounds = "between \(levelLabel(openRange.lowerBound)) and \(levelLabel(openRange.upperBound))"
      throw ValidationError("\(flag) takes numbers \(bounds), e.g. \(example); got '\(part)'")
    }
    values.append(v)
  }
  return Array(Set(values)).sorted()
}

func levelLabel(_ level: Double) -> String { ForecastTables.levelLabel(level) }

/// `replenish backtest`: rolling-origin accuracy per series and model.
struct BacktestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "backtest",
    abstract: "Rolling-origin backtest: accuracy per series, model and window, and a summary per model.",
    discussion: """
      Windows end at the last `--windows` forecast origins, `--step` periods apart (default: the horizon).
      Metrics: MAE, RMSE, MASE (seasonal-naive scale), RMSSE (M5), sMAPE (M3), WAPE, bias (mean of
      forecast − actual). The summary averages each metric over series and windows, and gives the pooled
      WAPE (Σ|error| / Σ|actual| over everything).
      """
  )

  @OptionGroup var input: HistoryOptions
  @OptionGroup var seriesEnd: SeriesEndOption
  @OptionGroup var modelOptions: ModelOptions

  @Option(name: .long, help: "Periods forecast from each origin.")
  var horizon: Int

  @Option(name: .long, help: "Number of forecast origins.")
  var windows: Int = 3

  @Option(name: .long, help: "Periods between origins (default: the horizon).")
  var step: Int?

  @Option(name: .long, help: "Per-series, per-window metrics CSV.")
  var out: String

  @Option(name: .long, help: "Per-model summary CSV (also printed).")
  var summary: String?

  @Flag(name: .customLong("no-censor-stockouts"), help: "Treat in_stock = 0 periods as zero demand instead of unobserved.")
  var noCensor = false

  func validate() throws {
    if horizon < 1 { throw ValidationError("--horizon must be at least 1, got \(horizon)") }
    if windows < 1 { throw ValidationError("--windows must be at least 1, got \(windows)") }
    if let step, step < 1 { throw ValidationError("--step must be at least 1, got \(step)") }
  }

  func run() throws {
    let history = try readHistory(input)
    let panel = history.panel
    let methods = try modelOptions.methods(horizon: horizon)
    let m = modelOptions.season(for: panel.frequency)
    let plan = BacktestPlan(horizon: horizon, windows: windows, step: step)
    let progress = ProgressBar(total: panel.seriesCount, label: "backtest")
    let (ends, endSummary) = seriesEnd.seriesEnds(panel)
    let rows = PanelBacktester(
      methods: methods, plan: plan, seasonLength: m, threads: modelOptions.workerCount, censorStockOuts: !noCensor
    ).run(panel: panel, seriesEnds: ends) { progress.update($0) }
    progress.finish()
    let tables = BacktestTables(panel: panel, rows: rows, methods: methods.map(\.alias), horizon: horizon, censorStockOuts: !noCensor)
    try writeAllOrNothing([(out, tables.windows)] + (summary.map { [($0, tables.summary)] } ?? []))
    let table = tables.summaryRows
    print(renderTable(table))
    print(String(format: "Backtest of %d series, %d window(s) of %d periods, in %.1f s. Wrote %@.", panel.seriesCount, windows, horizon, progress.elapsed, out))
    print(endSummary)
  }
}

/// `replenish models`: the model aliases.
struct ModelsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "models", abstract: "List the forecasting models and their aliases.")
  func run() {
    let width = ModelCatalog.descriptions.map(\.alias.count).max() ?? 0
    for (alias, description) in ModelCatalog.descriptions {
      print(alias.padding(toLength: width + 2, withPad: " ", startingAt: 0) + description)
    }
  }
}

/// Left-aligned first column, right-aligned numbers.
func renderTable(_ rows: [[String]]) -> String {
  guard let first = rows.first else { return "" }
  let widths = first.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
  return rows.map { row in
    row.indices.map { c in
      c == 0 ? row[c].padding(toLength: widths[c], withPad: " ", startingAt: 0)
        : String(repeating: " ", count: widths[c] - row[c].count) + row[c]
    }.joined(separator: "  ")
  }.joined(separator: "\n")
}
