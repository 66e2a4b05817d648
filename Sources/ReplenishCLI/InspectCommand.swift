import ArgumentParser
import CSV
import Foundation
import SalesHistory
import TimeSeries

/// `replenish inspect`: validate a sales history and print what a planner checks before trusting it.
struct InspectCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect",
    abstract: "Validate a sales history and summarise it (SKUs, dates, gaps, zeros, returns, bad rows).",
    discussion: """
      Every bad row is listed with its line, column, value and what is accepted (up to --max-errors; all
      are counted). Exit status: 0 when the file is clean (or --on-error skip), 65 when it has bad rows or
      cannot be read, 64 for wrong flags.
      """
  )

  @OptionGroup var input: HistoryOptions

  @Option(name: .long, help: "Output format: table, json, or csv (one row per series, all series).")
  var format: OutputFormat = .table

  @Option(name: .customLong("min-periods"), help: "Series shorter than this have too little history (default: one season).")
  var minimumPeriods: Int?

  @Option(name: .customLong("season-length"), help: "Season length in periods (default: 7 daily, 52 weekly, 12 monthly).")
  var seasonLength: Int?

  @Flag(name: .customLong("per-sku"), help: "Also print one line per series (largest first).")
  var perSKU = false

  @Option(name: .long, help: "With --per-sku: how many series to list (0 = all).")
  var top: Int = 20

  @Option(name: .customLong("max-errors"), help: "Bad rows to list (all are counted).")
  var maxErrors: Int = 50

  func validate() throws {
    if let minimumPeriods, minimumPeriods < 1 { throw ValidationError("--min-periods must be at least 1, got \(minimumPeriods)") }
    if let seasonLength, seasonLength < 1 { throw ValidationError("--season-length must be at least 1, got \(seasonLength)") }
    if top < 0 { throw ValidationError("--top must be 0 (all) or more, got \(top)") }
    if maxErrors < 0 { throw ValidationError("--max-errors must be 0 or more, got \(maxErrors)") }
  }

  func run() throws {
    let history = try SalesHistoryReader.read(
      file: input.history, options: try input.readerOptions(collectBadRows: true, maximumReportedErrors: maxErrors))
    let perSeriesLimit = format == .csv ? 0 : perSKU ? top : nil
    let inspection = HistoryInspection(
      history, seasonLength: seasonLength, minimumPeriods: minimumPeriods, perSeriesLimit: perSeriesLimit)
    switch format {
    case .json: print(try jsonString(inspection))
    case .table: print(InspectionTable(inspection).render())
    case .csv: print(HistoryInspection.perSeriesCSV(inspection.perSeries ?? []), terminator: "")
    }
    if inspection.rowsSkipped > 0 && input.onError == .fail {
      throw CLIError("\(input.history): \(inspection.rowsSkipped) bad row\(inspection.rowsSkipped == 1 ? "" : "s"); fix them, or pass --on-error skip to leave them out")
    }
  }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case table, json, csv
}


func jsonString<T: Encodable>(_ value: T) throws -> String {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
  return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Renders an inspection as aligned text for a terminal.
struct InspectionTable {
  let inspection: HistoryInspection
  init(_ inspection: HistoryInspection) { self.inspection = inspection }

  func render() -> String {
    let i = inspection
    var lines: [(String, String)] = []
    lines.append(("File", "\(i.file) (\(megabytes(i.bytes)))"))
    let roles = SalesColumn.allCases.compactMap { role in i.columns[role.rawValue].map { "\(role.rawValue)=\($0)" } }
    lines.append(("Columns", roles.joined(separator: "  ") + (i.ignoredColumns.isEmpty ? "" : "   (ignored: \(i.ignoredColumns.joined(separator: ", ")))")))
    lines.append(("Rows", "\(grouped(i.rows)) read, \(grouped(i.rowsUsed)) used, \(grouped(i.rowsSkipped)) bad, \(grouped(i.blankLines)) blank lines"))
    lines.append(("Frequency", "\(i.frequency) (\(i.frequencySource == "given" ? "" : i.frequencySource + "; ")season length \(i.seasonLength))"))
    lines.append(("SKUs", "\(grouped(i.skus)) SKUs, \(i.locations == 0 ? "no location column" : "\(grouped(i.locations)) locations"), \(grouped(i.series)) series"))
    if !i.channels.isEmpty { lines.append(("Channels", i.channels.joined(separator: ", "))) }
    lines.append(("Dates", "\(i.firstDate ?? "–") … \(i.lastDate ?? "–") (\(grouped(i.periods)) \(i.frequency)s)"))
    lines.append(("Series length", "min \(i.seriesLength.min), median \(i.seriesLength.median), max \(i.seriesLength.max) periods"))
    var short = "\(grouped(i.shortSeries)) series with fewer than \(i.minimumPeriods) periods"
    if !i.shortSeriesExamples.isEmpty { short += " (e.g. \(i.shortSeriesExamples.prefix(3).joined(separator: ", ")))" }
    lines.append(("Too short", short))
    lines.append(("Units", "\(unitsText(i.totalUnits)) net"))
    lines.append(("Zero periods", "\(percent(i.zeroShare)) of series-periods (\(percent(i.filledShare)) had no row: filled with 0)"))
    lines.append(("Stock-outs", "\(grouped(i.stockOutRows)) rows marked in_stock = 0, in \(grouped(i.stockOutPeriods)) periods (demand censored)"))
    lines.append(("Duplicates", "\(grouped(i.duplicateRows)) rows repeat an earlier (sku, location, channel, date): quantities summed"))
    lines.append(("Returns", "\(grouped(i.negativeRows)) rows with negative quantity (\(unitsText(i.negativeUnits)) units): netted against sales"))
    lines.append(("Encoding", "UTF-8\(i.byteOrderMark ? " with byte-order mark" : ""), \(i.crlfLines > 0 ? "CRLF" : "LF") line endings"))
    lines.append(("Bad rows", i.rowsSkipped == 0 ? "none" : "\(grouped(i.rowsSkipped)) (listed below\(i.badRows.count < i.rowsSkipped ? ", first \(i.badRows.count)" : ""))"))
    let width = lines.map(\.0.count).max() ?? 0
    var out = lines.map { $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
    for bad in i.badRows { out += "\n  " + bad.message }
    if let perSeries = i.perSeries {
      out += "\n\n" + perSeriesTable(perSeries)
    }
    return out
  }

  func perSeriesTable(_ rows: [HistoryInspection.SeriesSummary]) -> String {
    let (header, table) = HistoryInspection.perSeriesRows(rows)
    let text = [header] + table
    let left = header.firstIndex(of: "location").map { $0 + 1 } ?? 1
    let widths = header.indices.map { c in text.map { $0[c].count }.max() ?? 0 }
    return text.map { row in
      row.indices.map { c in
        c < left ? row[c].padding(toLength: widths[c], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[c] - row[c].count) + row[c]
      }.joined(separator: "  ")
    }.joined(separator: "\n")
  }
}

func percent(_ x: Double) -> String { String(format: "%.1f %%", 100 * x) }

func megabytes(_ bytes: Int) -> String {
  bytes >= 1_000_000 ? String(format: "%.1f MB", Double(bytes) / 1e6) : String(format: "%.1f kB", Double(bytes) / 1e3)
}
