import ArgumentParser
import SalesHistory
import TimeSeries

extension Frequency: ExpressibleByArgument {}
extension BadRowPolicy: ExpressibleByArgument {}
extension SeriesStart: ExpressibleByArgument {}
extension SeriesEnd: ExpressibleByArgument {}

/// How to find and read the sales history; shared by every command that reads one.
struct HistoryOptions: ParsableArguments {
  @Option(name: .long, help: "Sales history CSV (columns sku,date,qty [,location,price,channel,in_stock]).")
  var history: String

  @Option(
    name: .long,
    help: "Map roles to header names, e.g. sku=StockCode,date=InvoiceDate,qty=Quantity,price=UnitPrice.")
  var columns: String?

  @Option(name: .long, help: "Bucket demand by day, week (ISO, Monday start) or month (default: inferred from the dates and printed).")
  var freq: Frequency?

  @Option(name: .long, help: "Field delimiter (one character; 'tab' for tabs).")
  var delimiter: String = ","

  @Option(name: .customLong("on-error"), help: "Bad rows: fail (stop with the error) or skip (report, count and skip).")
  var onError: BadRowPolicy = .fail

  @Option(name: .long, help: "Series start: first-row (keeps explicit leading zeros) or first-sale.")
  var start: SeriesStart = .firstRow

  @Option(name: .customLong("max-span-years"), help: "Widest span of dates accepted (a mistyped year would otherwise allocate centuries of periods).")
  var maxSpanYears = SalesHistoryOptions.defaultMaximumSpanYears

  func validate() throws {
    _ = try delimiterByte()
    guard (1...3000).contains(maxSpanYears) else { throw ValidationError("--max-span-years must be between 1 and 3000, got \(maxSpanYears)") }
  }

  func delimiterByte() throws -> UInt8 {
    if delimiter == "tab" || delimiter == "\\t" { return UInt8(ascii: "\t") }
    guard delimiter.utf8.count == 1, let byte = delimiter.utf8.first, byte != UInt8(ascii: "\""), byte != 10, byte != 13
    else {
      throw ValidationError("--delimiter must be one ASCII character other than a quote or line break (or 'tab'), got '\(delimiter)'")
    }
    return byte
  }

  /// Reader options; `collectBadRows` forces skip mode so that every bad row can be listed.
  func readerOptions(collectBadRows: Bool = false, maximumReportedErrors: Int = 50) throws -> SalesHistoryOptions {
    let mapping: ColumnMapping
    do {
      mapping = try columns.map { try ColumnMapping(parsing: $0) } ?? ColumnMapping()
    } catch {
      throw ValidationError("\(error)")
    }
    var options = SalesHistoryOptions(
      columns: mapping, frequency: freq ?? .day, badRows: collectBadRows ? .skip : onError, delimiter: try delimiterByte(),
      seriesStart: start, maximumReportedErrors: maximumReportedErrors)
    options.maximumSpanYears = maxSpanYears
    options.inferFrequency = freq == nil
    return options
  }
}

/// `--series-end`, for the commands that forecast from each series' end (`forecast`, `backtest`).
struct SeriesEndOption: ParsableArguments {
  @Option(name: .customLong("series-end"), help: "Where a series ends: last-row (forecast from its own last row, statsforecast files) or panel-end (padded with zero demand to the file's last date, sales files). Default: last-row when every series has a row for every period up to its last, printed in the summary.")
  var seriesEnd: SeriesEnd?

  /// Each series' end for forecasting (`nil`: the panel's end) and what the summary says about it.
  func seriesEnds(_ panel: Panel) -> (ends: [Int]?, summary: String) {
    let (detected, reason, rowEnds) = panel.detectedSeriesEnd()
    let rule = seriesEnd ?? detected
    let summary = seriesEnd == nil ? "series end \(rule.rawValue) (\(reason); --series-end to choose)" : "series end \(rule.rawValue) (--series-end)"
    return (rule == .lastRow ? rowEnds : nil, summary)
  }
}

extension PanelShard: ExpressibleByArgument {
  public init?(argument: String) { self.init(parsing: argument) }
}

/// `--shard K/N`: work on one shard of the SKUs (a batch scheduler's array job); `replenish merge-shards`
/// (forecast files) or `replenish plan --demands` (plan shards) puts the shards' outputs back together.
struct ShardOption: ParsableArguments {
  @Option(name: .long, help: ArgumentHelp(
    "Only the SKUs of shard K of N (1 ≤ K ≤ N ≤ \(PanelShard.maximumCount)): a stable hash of the SKU decides, its locations stay together. The N outputs merge into what one process writes: forecast files with `replenish merge-shards`, plan shards with `replenish plan --demands`.",
    valueName: "K/N"))
  var shard: PanelShard?
}
