#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import CSV
import TimeSeries

/// What to do with a row that cannot be read.
public enum BadRowPolicy: String, Sendable, CaseIterable {
  /// Stop at the first bad row with its error.
  case fail
  /// Skip it, keep reading, and list it in the report (`ReadReport.badRows`, `rowsSkipped`).
  case skip
}

/// How to read a sales history.
public struct SalesHistoryOptions: Sendable {
  public var columns: ColumnMapping
  public var frequency: Frequency
  /// Infer the frequency from the dates (`FrequencyInference`) instead of using `frequency`.
  public var inferFrequency = false
  public var badRows: BadRowPolicy
  public var delimiter: UInt8
  public var seriesStart: SeriesStart
  /// Bad rows kept in the report (all are counted).
  public var maximumReportedErrors: Int
  /// Read buffer size; records longer than it grow it (up to 64 MiB). Small values are for tests.
  public var bufferBytes: Int = 1 << 22
  /// The widest span of dates accepted, in years (first to last row of the file). A history is dense from
  /// each series' first row to the panel's end, so one mistyped date (9999-12-31) would otherwise allocate
  /// centuries of periods per series; the row that would widen the span beyond this is an error naming it.
  public var maximumSpanYears = SalesHistoryOptions.defaultMaximumSpanYears
  public static let defaultMaximumSpanYears = 30

  /// The largest quantity magnitude of one row, in units (the ledger's per-event limit): sums of any
  /// realistic number of rows stay finite and exact to the unit.
  public static let maximumQuantity = 1e12
  /// The largest price accepted (as for item-master prices and costs).
  public static let maximumPrice = 1e9
  /// The longest SKU, location or channel, in UTF-8 bytes (the ledger's limit).
  public static let maximumNameBytes = 255

  public init(
    columns: ColumnMapping = ColumnMapping(), frequency: Frequency = .day, badRows: BadRowPolicy = .fail,
    delimiter: UInt8 = UInt8(ascii: ","), seriesStart: SeriesStart = .firstRow, maximumReportedErrors: Int = 50
  ) {
    self.columns = columns
    self.frequency = frequency
    self.badRows = badRows
    self.delimiter = delimiter
    self.seriesStart = seriesStart
    self.maximumReportedErrors = maximumReportedErrors
  }
}

/// A sales history read into a panel, with the account of what was read.
public struct SalesHistory: Sendable {
  public let panel: Panel
  public let report: ReadReport
}

/// Everything a planner should know about how a file was read: nothing is dropped without a count here.
public struct ReadReport: Sendable {
  public var file: String
  public var bytes = 0
  public var columns: ResolvedColumns
  /// Data records (excluding the header and blank lines).
  public var rows = 0
  public var rowsUsed = 0
  public var rowsSkipped = 0
  /// The first `maximumReportedErrors` bad rows.
  public var badRows: [CSVError] = []
  public var blankLines = 0
  /// Rows whose (SKU, location, channel, date) repeats an earlier row; their quantities are summed.
  public var duplicateRows = 0
  /// Rows with a negative quantity (returns), kept and netted against sales.
  public var negativeRows = 0
  public var negativeUnits = 0.0
  /// Rows marked `in_stock = 0`.
  public var stockOutRows = 0
  public var firstDate: CivilDate?
  public var lastDate: CivilDate?
  public var byteOrderMark = false
  /// How the frequency was inferred (`nil`: given).
  public var frequencyInference: FrequencyInference?
  public var crlfLines = 0
  public var channels: [String] = []
}

/// Reads a long sales-history CSV (one row per SKU, [location,] date and quantity) into a `Panel`.
///
/// Columns: `sku`, `date`, `qty` required; `location`, `price`, `channel`, `in_stock` optional; names as in
/// `SalesColumn.automaticNames` (so statsforecast's `unique_id,ds,y` reads as is) or mapped explicitly.
/// Rows are aggregated to the chosen frequency; quantities in the same period add up; periods with no
/// rows between a series' start and the panel end are zero. Every bad value is an error naming file,
/// line, column, value and what is accepted, or (with `.skip`) a counted, listed skip.
public enum SalesHistoryReader {
  public static func read(file path: String, options: SalesHistoryOptions = SalesHistoryOptions())
    throws(CSVError) -> SalesHistory
  {
    let scanner: CSVScanner
    do {
      scanner = try CSVScanner(path: path, delimiter: options.delimiter, chunkBytes: max(16, options.bufferBytes))
    } catch {
      throw scanError(error, file: path, header: [])
    }
    var options = options
    var inference: FrequencyInference?
    if options.inferFrequency {
      inference = try inferFrequency(file: path, options: options)
      options.frequency = inference!.frequency
    }
    var reader = RowReader(scanner: scanner, path: path, options: options)
    reader.inference = inference
    return try reader.run()
  }

  /// The frequency of the file's first `FrequencyInference.sampleRows` rows' dates (rows whose date does
  /// not parse are left to the full read to report).
  static func inferFrequency(file path: String, options: SalesHistoryOptions) throws(CSVError) -> FrequencyInference {
    let scanner: CSVScanner
    do { scanner = try CSVScanner(path: path, delimiter: options.delimiter, chunkBytes: max(16, min(options.bufferBytes, 1 << 20))) } catch {
      throw scanError(error, file: path, header: [])
    }
    var header: [String] = []
    var dateColumn = -1
    var firstLine: [Int: Int] = [:]
    var cache = FieldParser.MonthCache()
    var rows = 0
    while rows < FrequencyInference.sampleRows {
      let next: CSVScanner.Record?
      do { next = try scanner.next() } catch { break }  // the full read reports it, located
      guard let record = next else { break }
      if dateColumn < 0 {
        header = (0..<record.fieldCount).map { scanner.text(scanner.fields[$0])?.trimmingSpaces ?? "" }
        guard let columns = try? ResolvedColumns.resolve(header: header, mapping: options.columns, file: path, delimiter: options.delimiter),
          let date = columns.index(.date)
        else { return FrequencyInference(frequency: .day, rule: .any, evidence: "no date column") }
        dateColumn = date
        continue
      }
      guard record.fieldCount == header.count else { continue }
      rows += 1
      if let day = FieldParser.parseDay(scanner.bytes(scanner.fields[dateColumn]), cache: &cache), firstLine[day] == nil { firstLine[day] = record.line }
    }
    switch FrequencyInference.infer(distinctDays: Set(firstLine.keys)) {
    case .success(let inference): return inference
    case .failure(let mixed):
      throw CSVError(
        .invalidDate, file: path, line: firstLine[mixed.exception], column: dateColumn + 1, columnName: header[dateColumn],
        value: CivilDate(dayNumber: mixed.exception).description,
        problem: "dates are mixed, so the frequency cannot be inferred: \(mixed.majority), this one is not",
        expected: "one kind of date throughout (all 1st of the month, all one weekday, or daily), or --freq day|week|month to say how to bucket")
    }
  }

  static func scanError(_ error: CSVScanner.ScanError, file: String, header: [String]) -> CSVError {
    func name(_ field: Int) -> String? { field >= 1 && field <= header.count ? header[field - 1] : nil }
    switch error {
    case .io(let message):
      return CSVError(.io, file: file, problem: "cannot read file: \(message)", expected: "a readable CSV file")
    case let .unterminatedQuote(line, field):
      return CSVError(
        .unterminatedQuote, file: file, line: line, column: field, columnName: name(field),
        problem: "quoted field is never closed (the file may be truncated)",
        expected: "a closing '\"' before the end of the file; write a quote inside a field as \"\"")
    case let .textAfterQuote(line, field):
      return CSVError(
        .textAfterQuote, file: file, line: line, column: field, columnName: name(field),
        problem: "text follows the closing quote of a field",
        expected: "a delimiter or line break right after the closing '\"'")
    case .recordTooLong(let line):
      return CSVError(
        .recordTooLong, file: file, line: line, problem: "record is longer than 64 MiB",
        expected: "one record per line (check the delimiter and quoting)")
    }
  }
}

/// The reading loop and its state.
private struct RowReader {
  let scanner: CSVScanner
  let path: String
  let options: SalesHistoryOptions
  // Set once the header is read.
  var header: [String] = []
  var report: ReadReport
  var skuColumn = 0, dateColumn = 0, qtyColumn = 0
  var locationColumn: Int?, priceColumn: Int?, channelColumn: Int?, inStockColumn: Int?
  var builder: PanelBuilder
  // Look-up state, with one-entry caches for the runs of equal values that sorted files have.
  var seriesIndex: [SeriesKey: Int] = [:]
  var lastSku: [UInt8] = [], lastLocation: [UInt8] = []
  var lastSeries = -1
  var channelIndex: [String: Int] = [:]
  var lastChannel: [UInt8] = [], lastChannelId = -1
  var daySets: [DaySet] = []  // per series, or per (series, channel) pair when there is a channel column
  var pairIndex: [Int: Int] = [:]
  var monthCache = FieldParser.MonthCache()
  var minDay = Int.max, maxDay = Int.min
  /// The inferred frequency's rule, checked on every row.
  var inference: FrequencyInference?

  init(scanner: CSVScanner, path: String, options: SalesHistoryOptions) {
    self.scanner = scanner
    self.path = path
    self.options = options
    self.report = ReadReport(file: path, columns: ResolvedColumns(header: [], indices: [:]))
    self.builder = PanelBuilder(frequency: options.frequency, tracksPrices: false)
  }

  mutating func run() throws(CSVError) -> SalesHistory {
    header = try readHeader()
    let columns = try ResolvedColumns.resolve(
      header: header, mapping: options.columns, file: path, delimiter: options.delimiter)
    scanner.reserveFields(header.count + 1)
    report = ReadReport(file: path, columns: columns)
    report.byteOrderMark = scanner.byteOrderMark
    report.frequencyInference = inference
    skuColumn = columns.index(.sku)!
    dateColumn = columns.index(.date)!
    qtyColumn = columns.index(.qty)!
    locationColumn = columns.index(.location)
    priceColumn = columns.index(.price)
    channelColumn = columns.index(.channel)
    inStockColumn = columns.index(.inStock)
    builder = PanelBuilder(
      frequency: options.frequency, tracksPrices: priceColumn != nil, expectedCells: estimatedRows())

    while true {
      let next: CSVScanner.Record?
      do { next = try scanner.next() } catch { throw SalesHistoryReader.scanError(error, file: path, header: header) }
      guard let record = next else { break }
      let first = scanner.fields[0]
      if record.fieldCount == 1 && first.start == first.end && !first.quoted {
        report.blankLines += 1
        continue
      }
      report.rows += 1
      if let error = readRow(record) {
        if options.badRows == .fail { throw error }
        report.rowsSkipped += 1
        if report.badRows.count < options.maximumReportedErrors { report.badRows.append(error) }
      } else {
        report.rowsUsed += 1
      }
    }
    report.bytes = scanner.bytesRead
    report.crlfLines = scanner.crlfLines
    if minDay <= maxDay {
      report.firstDate = CivilDate(dayNumber: minDay)
      report.lastDate = CivilDate(dayNumber: maxDay)
    }
    let panel = builder.build(start: options.seriesStart)
    return SalesHistory(panel: panel, report: report)
  }

  /// Rows in the file, estimated from its size and the bytes per row of the first chunk (for
  /// reserving the panel's capacity; the reservation is virtual memory until written).
  private func estimatedRows() -> Int {
    var info = stat()
    guard stat(path, &info) == 0, options.frequency == .day else { return 0 }
    let headerBytes = header.reduce(header.count) { $0 + $1.utf8.count }
    return Int(info.st_size) / max(8, headerBytes) + 1024
  }

  /// Reads one record into the panel, or returns why it cannot. Every field is validated before any
  /// state changes, so a skipped row leaves no trace.
  @inline(__always)
  private mutating func readRow(_ record: CSVScanner.Record) -> CSVError? {
    if record.fieldCount != header.count { return fieldCountError(record) }
    let fields = scanner.fields
    let base = scanner.base
    @inline(__always) func bytes(_ column: Int) -> UnsafeRawBufferPointer {
      let f = fields[column]
      return UnsafeRawBufferPointer(start: base + f.start, count: f.end - f.start)
    }
    // Date.
    let dateBytes = bytes(dateColumn)
    guard let day = FieldParser.parseDay(dateBytes, cache: &monthCache) else {
      return rowError(.invalidDate, record.line, dateColumn, FieldParser.dateHint(dateBytes), FieldParser.acceptedDates)
    }
    if let inference, !inference.admits(day) {
      return rowError(
        .invalidDate, record.line, dateColumn, "date breaks the frequency inferred from the first rows (\(inference.evidence))", inference.expectedDates)
    }
    // The span of dates: bounded, because the panel is dense from each series' start to the end.
    let first = min(minDay, day), last = max(maxDay, day)
    if last - first > options.maximumSpanYears * 366 {
      let existing = minDay <= maxDay ? "\(CivilDate(dayNumber: minDay)) … \(CivilDate(dayNumber: maxDay))" : ""
      return rowError(
        .invalidDate, record.line, dateColumn,
        "date would make the history span \(Int(Double(last - first) / 365.2425)) years (\(CivilDate(dayNumber: first)) … \(CivilDate(dayNumber: last)); the rows so far cover \(existing))",
        "dates within \(options.maximumSpanYears) years of each other (a mistyped year?), or --max-span-years to allow a wider history")
    }
    // Quantity.
    let quantity: Double
    switch FieldParser.parseNumber(bytes(qtyColumn)) {
    case .success(let v) where abs(v) <= SalesHistoryOptions.maximumQuantity: quantity = v
    case .success:
      return rowError(.invalidNumber, record.line, qtyColumn, "quantity is beyond ±10^12 units (sums of such values overflow)",
                      "a plain decimal number of units between −1000000000000 and 1000000000000")
    case .failure(let problem):
      return rowError(
        .invalidNumber, record.line, qtyColumn, "quantity: " + problem.message,
        "a plain decimal number such as 12, -3 or 12.5 (no thousands separators, no NaN/inf)")
    }
    // Price (optional; an empty field means unknown).
    var price = Double.nan
    if let priceColumn, fields[priceColumn].end > fields[priceColumn].start {
      let expected = "a non-negative decimal price such as 2.99, or an empty field when unknown"
      switch FieldParser.parseNumber(bytes(priceColumn)) {
      case .success(let v) where v >= 0 && v <= SalesHistoryOptions.maximumPrice: price = v
      case .success(let v) where v > SalesHistoryOptions.maximumPrice:
        return rowError(.invalidNumber, record.line, priceColumn, "price is beyond 10^9", "a price between 0 and 1000000000")
      case .success: return rowError(.invalidNumber, record.line, priceColumn, "price is negative", expected)
      case .failure(let problem): return rowError(.invalidNumber, record.line, priceColumn, "price: " + problem.message, expected)
      }
    }
    // In-stock flag.
    var stockOut = false
    if let inStockColumn {
      guard let inStock = FieldParser.parseInStock(bytes(inStockColumn)) else {
        return rowError(
          .invalidFlag, record.line, inStockColumn, "in_stock flag is not 0 or 1",
          "1 (in stock), 0 (stocked out: demand censored), true/false, or empty")
      }
      stockOut = !inStock
    }
    // Channel: validated now, registered only once the whole row is known to be good.
    var newChannel: String? = nil
    if let channelColumn, lastChannelId < 0 || !equal(bytes(channelColumn), lastChannel) {
      guard let name = validText(fields[channelColumn], allowEmpty: true) else {
        return rowError(.invalidText, record.line, channelColumn, "channel: " + textProblem(fields[channelColumn]), Self.textExpectation)
      }
      newChannel = name
    }
    // Series key: SKU and location.
    var newKey: SeriesKey? = nil
    let skuBytes = bytes(skuColumn)
    if lastSeries < 0 || !equal(skuBytes, lastSku) || (locationColumn.map { !equal(bytes($0), lastLocation) } ?? false) {
      guard let sku = validText(fields[skuColumn], allowEmpty: false) else {
        return rowError(.invalidText, record.line, skuColumn, "SKU: " + textProblem(fields[skuColumn]), Self.textExpectation)
      }
      var location: String? = nil
      if let locationColumn {
        guard let name = validText(fields[locationColumn], allowEmpty: false) else {
          return rowError(.invalidText, record.line, locationColumn, "location: " + textProblem(fields[locationColumn]), Self.textExpectation)
        }
        location = name
      }
      newKey = SeriesKey(sku: sku, location: location)
    }

    // The row is valid: apply it.
    if let newChannel, let channelColumn {
      if let id = channelIndex[newChannel] {
        lastChannelId = id
      } else {
        lastChannelId = channelIndex.count
        channelIndex[newChannel] = lastChannelId
        report.channels.append(newChannel)
      }
      lastChannel = Array(bytes(channelColumn))
    }
    if let newKey {
      if let existing = seriesIndex[newKey] {
        lastSeries = existing
      } else {
        lastSeries = builder.addSeries(newKey)
        seriesIndex[newKey] = lastSeries
        if channelColumn == nil { daySets.append(DaySet()) }
      }
      lastSku = Array(skuBytes)
      lastLocation = locationColumn.map { Array(bytes($0)) } ?? []
    }
    let series = lastSeries
    var setIndex = series
    if channelColumn != nil {
      let pair = series &* 1_048_576 &+ lastChannelId
      if let existing = pairIndex[pair] {
        setIndex = existing
      } else {
        setIndex = daySets.count
        daySets.append(DaySet())
        pairIndex[pair] = setIndex
      }
    }
    if !daySets[setIndex].insert(day) { report.duplicateRows += 1 }
    if quantity < 0 {
      report.negativeRows += 1
      report.negativeUnits -= quantity
    }
    if stockOut { report.stockOutRows += 1 }
    if day < minDay { minDay = day }
    if day > maxDay { maxDay = day }
    builder.add(
      series: series, period: options.frequency.period(containing: day), quantity: quantity, stockOut: stockOut,
      price: price)
    return nil
  }

  private func rowError(
    _ kind: CSVError.Kind, _ line: Int, _ column: Int, _ problem: String, _ expected: String
  ) -> CSVError {
    CSVError(
      kind, file: path, line: line, column: column + 1, columnName: header[column],
      value: CSVError.display(scanner.bytes(scanner.fields[column])), problem: problem, expected: expected)
  }

  private mutating func readHeader() throws(CSVError) -> [String] {
    let record: CSVScanner.Record?
    do { record = try scanner.next() } catch { throw SalesHistoryReader.scanError(error, file: path, header: []) }
    guard let record else {
      throw CSVError(
        .emptyFile, file: path, line: 1, problem: scanner.byteOrderMark ? "file holds only a byte-order mark" : "file is empty",
        expected: "a header row (e.g. sku,date,qty) followed by one row per SKU, date and quantity")
    }
    guard record.fieldCount <= scanner.fields.count else {
      throw CSVError(
        .missingColumn, file: path, line: 1, problem: "header has \(record.fieldCount) columns",
        expected: "at most \(scanner.fields.count) columns")
    }
    var names: [String] = []
    for k in 0..<record.fieldCount {
      guard let name = scanner.text(scanner.fields[k]) else {
        throw CSVError(
          .invalidText, file: path, line: 1, column: k + 1,
          value: CSVError.display(scanner.bytes(scanner.fields[k])),
          problem: "header is not valid UTF-8", expected: "a UTF-8 encoded file (re-save it as UTF-8)")
      }
      names.append(name.trimmingSpaces)
    }
    if names.allSatisfy(\.isEmpty) {
      throw CSVError(
        .emptyFile, file: path, line: 1, problem: "the first line is blank",
        expected: "a header row (e.g. sku,date,qty) on the first line")
    }
    return names
  }

  private func fieldCountError(_ record: CSVScanner.Record) -> CSVError {
    let found = record.fieldCount, expected = header.count
    let columns = header.joined(separator: ",")
    if found < expected && !record.terminated {
      return CSVError(
        .truncatedRow, file: path, line: record.line, column: found,
        problem: "last row has \(found) of \(expected) fields and no line break: the file looks truncated",
        expected: "complete rows with \(expected) fields (\(columns))")
    }
    var hint = ""
    if found > expected {
      // An unquoted "1,000" splits a number in two: the field after qty is then 3 digits.
      let after = qtyColumn + 1
      if after < scanner.fields.count, after < found {
        let b = scanner.bytes(scanner.fields[after])
        if b.count == 3 && b.allSatisfy({ $0 &- 48 < 10 }) {
          hint = " (a number with a thousands separator such as 1,000 must be written 1000)"
        }
      }
      if hint.isEmpty { hint = " (a field containing the delimiter must be quoted)" }
    }
    return CSVError(
      .fieldCount, file: path, line: record.line, column: min(found, expected) + (found > expected ? 1 : 0),
      problem: "row has \(found) fields but the header has \(expected)\(hint)",
      expected: "\(expected) fields per row (\(columns))")
  }

  /// UTF-8 text with no control characters and no leading/trailing spaces (which would make
  /// "ABC" and "ABC " different SKUs).
  private func validText(_ field: FieldSpan, allowEmpty: Bool) -> String? {
    let bytes = scanner.bytes(field)
    if bytes.isEmpty { return allowEmpty ? "" : nil }
    if bytes.count > SalesHistoryOptions.maximumNameBytes { return nil }
    if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return nil }
    if bytes.first == 0x20 || bytes.last == 0x20 { return nil }
    return scanner.text(field)
  }

  private func textProblem(_ field: FieldSpan) -> String {
    let bytes = scanner.bytes(field)
    if bytes.isEmpty { return "empty value" }
    if bytes.count > SalesHistoryOptions.maximumNameBytes { return "value is \(bytes.count) bytes long (at most \(SalesHistoryOptions.maximumNameBytes))" }
    if bytes.contains(where: { $0 == 0x0A || $0 == 0x0D }) { return "value contains a line break" }
    if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return "value contains control characters" }
    if bytes.first == 0x20 || bytes.last == 0x20 { return "value has leading or trailing spaces" }
    return "value is not valid UTF-8"
  }

  static let textExpectation = "non-empty UTF-8 text of at most 255 bytes without control characters or surrounding spaces"
}

@inline(__always)
private func equal(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Bool {
  guard a.count == b.count else { return false }
  if a.count == 0 { return true }
  return b.withUnsafeBytes { memcmp(a.baseAddress!, $0.baseAddress!, a.count) == 0 }
}

/// A set of day numbers as a bitmap from the first day seen (grows either way).
private struct DaySet {
  var base = 0
  var words: [UInt64] = []

  /// Inserts a day; false when it was already present.
  mutating func insert(_ day: Int) -> Bool {
    if words.isEmpty { base = day & ~63 }
    if day < base {
      let shiftWords = (base - day + 63) / 64
      words.insert(contentsOf: repeatElement(0, count: shiftWords), at: 0)
      base -= shiftWords * 64
    }
    let offset = day - base
    let word = offset >> 6
    if word >= words.count { words.append(contentsOf: repeatElement(0, count: word - words.count + 1)) }
    let bit = UInt64(1) << UInt64(offset & 63)
    if words[word] & bit != 0 { return false }
    words[word] |= bit
    return true
  }
}
