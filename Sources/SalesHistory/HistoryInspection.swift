import CSV
import Foundation
import TimeSeries

/// What a planner checks before trusting a sales history: coverage, gaps, sparsity, anomalies and bad rows.
public struct HistoryInspection: Sendable, Encodable {
  public struct BadRow: Sendable, Encodable {
    public let line: Int?
    public let column: Int?
    public let columnName: String?
    public let value: String?
    public let message: String
  }

  /// One series' vital signs.
  public struct SeriesSummary: Sendable, Encodable {
    public let sku: String
    public let location: String?
    public let firstPeriod: String
    public let periods: Int
    public let totalUnits: Double
    public let meanPerPeriod: Double
    /// Share of periods with zero demand.
    public let zeroShare: Double
    public let stockOutPeriods: Int
    /// Last known price, if the history has prices.
    public let lastPrice: Double?
  }

  public let file: String
  public let bytes: Int
  public let frequency: String
  /// "given" (--freq) or "inferred: <evidence>".
  public let frequencySource: String
  public let seasonLength: Int
  public let columns: [String: String]
  public let ignoredColumns: [String]
  public let rows: Int
  public let rowsUsed: Int
  public let rowsSkipped: Int
  public let blankLines: Int
  public let duplicateRows: Int
  public let negativeRows: Int
  public let negativeUnits: Double
  public let stockOutRows: Int
  public let byteOrderMark: Bool
  public let crlfLines: Int
  public let skus: Int
  public let locations: Int
  public let series: Int
  public let channels: [String]
  public let firstDate: String?
  public let lastDate: String?
  /// Periods from the earliest series start to the panel end.
  public let periods: Int
  public let totalUnits: Double
  /// Share of all series-periods with zero demand (filled or observed).
  public let zeroShare: Double
  /// Share of series-periods with no row at all (zeros filled in).
  public let filledShare: Double
  public let stockOutPeriods: Int
  public let seriesLength: LengthStatistics
  /// Minimum periods for a series to count as having enough history.
  public let minimumPeriods: Int
  public let shortSeries: Int
  public let shortSeriesExamples: [String]
  public let badRows: [BadRow]
  public let perSeries: [SeriesSummary]?

  public struct LengthStatistics: Sendable, Encodable {
    public let min: Int
    public let median: Int
    public let max: Int
  }

  /// Summarises a history.
  /// - Parameters:
  ///   - minimumPeriods: series shorter than this are listed as having too little history
  ///     (default: one season, e.g. 52 weeks).
  ///   - perSeriesLimit: include per-series summaries for the largest series by units (`nil`: none;
  ///     `0`: all).
  public init(_ history: SalesHistory, seasonLength: Int? = nil, minimumPeriods: Int? = nil, perSeriesLimit: Int? = nil) {
    let panel = history.panel
    let report = history.report
    file = report.file
    bytes = report.bytes
    frequency = panel.frequency.rawValue
    frequencySource = history.report.frequencyInference.map { "inferred: \($0.evidence)" } ?? "given"
    self.seasonLength = seasonLength ?? panel.frequency.defaultSeasonLength
    var roles: [String: String] = [:]
    for role in SalesColumn.allCases { if let name = report.columns.name(role) { roles[role.rawValue] = name } }
    columns = roles
    ignoredColumns = report.columns.ignored
    rows = report.rows
    rowsUsed = report.rowsUsed
    rowsSkipped = report.rowsSkipped
    blankLines = report.blankLines
    duplicateRows = report.duplicateRows
    negativeRows = report.negativeRows
    negativeUnits = report.negativeUnits
    stockOutRows = report.stockOutRows
    byteOrderMark = report.byteOrderMark
    crlfLines = report.crlfLines
    skus = Set(panel.keys.map(\.sku)).count
    locations = Set(panel.keys.compactMap(\.location)).count
    series = panel.seriesCount
    channels = report.channels
    firstDate = report.firstDate?.description
    lastDate = report.lastDate?.description
    periods = panel.seriesCount == 0 ? 0 : panel.endPeriod - panel.startPeriod
    var total = 0.0, zeros = 0, filled = 0, stockOuts = 0
    for k in panel.values.indices {
      let v = panel.values[k]
      total += v
      if v == 0 { zeros += 1 }
      let f = panel.flags[k]
      if !f.contains(.observed) { filled += 1 }
      if f.contains(.stockOut) { stockOuts += 1 }
    }
    totalUnits = total
    let cells = max(1, panel.values.count)
    zeroShare = Double(zeros) / Double(cells)
    filledShare = Double(filled) / Double(cells)
    stockOutPeriods = stockOuts
    let lengths = (0..<panel.seriesCount).map { panel.length(of: $0) }.sorted()
    seriesLength = LengthStatistics(
      min: lengths.first ?? 0, median: lengths.isEmpty ? 0 : lengths[lengths.count / 2], max: lengths.last ?? 0)
    let minimum = minimumPeriods ?? self.seasonLength
    self.minimumPeriods = minimum
    let short = (0..<panel.seriesCount).filter { panel.length(of: $0) < minimum }
    shortSeries = short.count
    shortSeriesExamples = short.prefix(10).map { "\(panel.keys[$0]) (\(panel.length(of: $0)))" }
    badRows = report.badRows.map {
      BadRow(line: $0.line, column: $0.column, columnName: $0.columnName, value: $0.value, message: $0.description)
    }
    if let limit = perSeriesLimit {
      var summaries = (0..<panel.seriesCount).map { s -> SeriesSummary in
        let range = panel.range(of: s)
        var units = 0.0, zeroCount = 0, outs = 0
        for k in range {
          units += panel.values[k]
          if panel.values[k] == 0 { zeroCount += 1 }
          if panel.flags[k].contains(.stockOut) { outs += 1 }
        }
        let n = max(1, range.count)
        let lastPrice = panel.prices.flatMap { prices in prices[range].last(where: { !$0.isNaN }) }
        return SeriesSummary(
          sku: panel.keys[s].sku, location: panel.keys[s].location,
          firstPeriod: panel.frequency.label(ofPeriod: panel.startPeriods[s]).description, periods: range.count,
          totalUnits: units, meanPerPeriod: units / Double(n), zeroShare: Double(zeroCount) / Double(n),
          stockOutPeriods: outs, lastPrice: lastPrice)
      }
      summaries.sort { ($0.totalUnits, $1.sku) > ($1.totalUnits, $0.sku) }
      perSeries = limit > 0 ? Array(summaries.prefix(limit)) : summaries
    } else {
      perSeries = nil
    }
  }
}

extension HistoryInspection {
  /// One CSV row per series: `sku,location,first_period,periods,units,mean,zero_share,stockout_periods,last_price`.
  public static func perSeriesCSV(_ rows: [SeriesSummary]) -> String {
    var out = "sku,location,first_period,periods,units,mean,zero_share,stockout_periods,last_price\n"
    for r in rows {
      let fields = [
        csvField(r.sku), csvField(r.location ?? ""), r.firstPeriod, String(r.periods), "\(r.totalUnits)",
        "\(r.meanPerPeriod)", "\(r.zeroShare)", String(r.stockOutPeriods), r.lastPrice.map { "\($0)" } ?? "",
      ]
      out += fields.joined(separator: ",") + "\n"
    }
    return out
  }

  /// The per-series summary as a header and text rows for a terminal (location only when the history has one).
  public static func perSeriesRows(_ rows: [SeriesSummary]) -> (header: [String], rows: [[String]]) {
    let hasLocation = rows.contains { $0.location != nil }
    let header = ["sku"] + (hasLocation ? ["location"] : []) + ["first", "periods", "units", "mean", "zero %", "stock-out", "last price"]
    return (header, rows.map { r -> [String] in
      var row = [r.sku]
      if hasLocation { row.append(r.location ?? "") }
      let price: String = r.lastPrice.map { String(format: "%.2f", $0) } ?? ""
      row += [r.firstPeriod, String(r.periods), unitsText(r.totalUnits), String(format: "%.2f", r.meanPerPeriod)]
      row += [String(format: "%.1f", 100 * r.zeroShare), String(r.stockOutPeriods), price]
      return row
    })
  }
}

/// A whole number with thousands separators (`12,345`), as the inspection prints counts.
public func grouped(_ n: Int) -> String {
  let digits = String(n.magnitude)
  var out = ""
  for (k, c) in digits.enumerated() {
    if k > 0 && (digits.count - k) % 3 == 0 { out += "," }
    out.append(c)
  }
  return (n < 0 ? "-" : "") + out
}

/// Units as the inspection prints them: grouped when whole, else two decimals.
public func unitsText(_ x: Double) -> String {
  x == x.rounded() && abs(x) < 1e15 ? grouped(Int(x)) : String(format: "%.2f", x)
}
