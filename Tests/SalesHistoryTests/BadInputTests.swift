import CSV
import Foundation
import Testing

@testable import SalesHistory
@testable import TimeSeries

/// The bad-input catalogue of docs/RELIABILITY.md, applied to the sales-history reader: each case names the
/// file, line, column, value and what is accepted.
@Suite("Sales-history reader: bad input")
struct BadInputTests {
  @Test("Empty file, a file with only a BOM, and a blank first line")
  func empty() {
    expectError("", .emptyFile, [":1:", "file is empty", "expected a header row"])
    expectError([0xEF, 0xBB, 0xBF], .emptyFile, [":1:", "only a byte-order mark"])
    expectError("\nA,2024-01-01,1\n", .emptyFile, [":1:", "first line is blank"])
  }

  @Test("Missing header: the first line is data")
  func missingHeader() {
    expectError("A,2024-01-01,3\nB,2024-01-02,4\n", .noHeader, [":1:", "looks like data", "header row"])
  }

  @Test("Missing required column names the column and the accepted names")
  func missingColumn() {
    expectError("sku,date,amount\nA,2024-01-01,3\n", .missingColumn, ["qty (qty/y/quantity/units)", "--columns"])
  }

  @Test("Duplicate header names both positions")
  func duplicateHeader() {
    expectError("sku,date,qty,qty\nA,2024-01-01,3,4\n", .duplicateColumn, [":1:4", "'qty' twice (columns 3 and 4)"])
  }

  @Test("Two columns that could both be the SKU are ambiguous")
  func ambiguous() {
    expectError("sku,unique_id,date,qty\nA,A,2024-01-01,3\n", .ambiguousColumn, ["sku, unique_id", "--columns sku=sku"])
  }

  @Test("Wrong delimiter: semicolons and tabs are recognised and named")
  func wrongDelimiter() throws {
    expectError("sku;date;qty\nA;2024-01-01;3\n", .wrongDelimiter, ["separated by ';'", "--delimiter"])
    expectError("sku\tdate\tqty\nA\t2024-01-01\t3\n", .wrongDelimiter, ["separated by tab"])
    // With the right delimiter the same file reads.
    #expect(try read("sku;date;qty\nA;2024-01-01;3\n", SalesHistoryOptions(delimiter: UInt8(ascii: ";"))).report.rows == 1)
  }

  @Test("NaN, infinity, 1e309 and other non-finite quantities")
  func nonFinite() {
    expectError("sku,date,qty\nA,2024-01-01,NaN\n", .invalidNumber, [":2:3", "column 'qty'", "value \"NaN\"", "not finite", "plain decimal"])
    expectError("sku,date,qty\nA,2024-01-01,inf\n", .invalidNumber, ["not finite"])
    expectError("sku,date,qty\nA,2024-01-01,1e309\n", .invalidNumber, ["value \"1e309\"", "out of range"])
  }

  @Test("Issue 11: one far-future date is refused with its row and the span it would create, before anything is allocated")
  func farFutureDate() throws {
    var rows = "sku,date,qty\n"
    for week in 0..<20 { rows += "A,\(CivilDate(dayNumber: CivilDate(year: 2011, month: 1, day: 3)!.dayNumber + 7 * week)),5\n" }
    expectError(rows + "B,9999-12-31,1\n", .invalidDate,
                [":22:2", "value \"9999-12-31\"", "span 7988 years", "within 30 years", "--max-span-years"], options: SalesHistoryOptions(frequency: .week))
    // A mistyped year before the rest is caught the same way, and skip mode leaves just that row out.
    var skip = SalesHistoryOptions(frequency: .week, badRows: .skip)
    let history = try read(rows + "B,1011-01-01,1\nC,2011-03-01,2\n", skip)
    #expect(history.report.rowsSkipped == 1 && history.panel.seriesCount == 2 && history.panel.endPeriod - history.panel.startPeriod < 60, "\(history.report.badRows)")
    // A wider span is allowed when asked for.
    skip.maximumSpanYears = 200
    skip.badRows = .fail
    #expect(try read("sku,date,qty\nA,1900-01-01,1\nA,2011-01-03,2\n", skip).panel.values.count > 5_000)
  }

  @Test("Issue 11: quantities whose sums could overflow, and prices beyond 10^9, are refused like NaN and infinity")
  func hugeValues() {
    expectError("sku,date,qty\nA,2024-01-01,1e308\nA,2024-01-01,1e308\n", .invalidNumber, [":2:3", "value \"1e308\"", "beyond ±10^12 units"])
    expectError("sku,date,qty\nA,2024-01-01,-2e12\n", .invalidNumber, ["beyond ±10^12 units"])
    expectError("sku,date,qty,price\nA,2024-01-01,1,1e300\n", .invalidNumber, [":2:4", "price is beyond 10^9"])
  }

  @Test("Issue 11: a SKU longer than the ledger's 255-byte limit is refused, and the message shows only its start")
  func longSKU() {
    let long = String(repeating: "X", count: 10_000)
    let path = temporaryFile("sku,date,qty\n\(long),2024-01-01,1\n")
    do {
      _ = try SalesHistoryReader.read(file: path)
      Issue.record("a 10,000-byte SKU was accepted")
    } catch {
      let message = error.description
      #expect(message.contains(":2:1") && message.contains("10000 bytes long (at most 255)"), "\(message)")
      #expect(message.utf8.count < 600, "the message echoes \(message.utf8.count) bytes")
    }
    // A 5 MB first line without a line break (no header): the message shows its start and its size.
    let huge = temporaryFile(String(repeating: "x", count: 5_000_000))
    do {
      _ = try SalesHistoryReader.read(file: huge)
      Issue.record("a 5 MB headerless line was accepted")
    } catch {
      #expect(error.description.contains("… (5000000 bytes)") && error.description.utf8.count < 1_000, "\(error.description.prefix(400))")
    }
  }

  @Test("Thousands separators: unquoted 1,000 splits the row; quoted \"1,000\" is not a number")
  func thousands() {
    expectError("sku,date,qty\nA,2024-01-01,1,000\n", .fieldCount, [":2:4", "4 fields but the header has 3", "1,000 must be written 1000"])
    expectError("sku,date,qty\nA,2024-01-01,\"1,000\"\n", .invalidNumber, [":2:3", "value \"1,000\"", "thousands separator"])
  }

  @Test("Quantity with spaces, words, non-ASCII digits, or empty")
  func badQuantities() {
    expectError("sku,date,qty\nA,2024-01-01,10 \n", .invalidNumber, ["value \"10 \"", "leading or trailing spaces"])
    expectError("sku,date,qty\nA,2024-01-01,ten\n", .invalidNumber, ["value \"ten\"", "not a number"])
    expectError("sku,date,qty\nA,2024-01-01,١٢\n", .invalidNumber, ["value \"١٢\"", "non-ASCII"])
    expectError("sku,date,qty\nA,2024-01-01,\n", .invalidNumber, ["empty number"])
  }

  @Test("Unparseable dates say what is accepted; impossible dates are refused")
  func badDates() {
    expectError("sku,date,qty\nA,12/01/2010,1\n", .invalidDate, [":2:2", "column 'date'", "value \"12/01/2010\"", "ambiguous", "YYYY-MM-DD"])
    expectError("sku,date,qty\nA,2011-02-29,1\n", .invalidDate, ["no such calendar date"])
    expectError("sku,date,qty\nA,2011-01-29 25:00,1\n", .invalidDate, ["unrecognised time part"])
    expectError("sku,date,qty\nA,yesterday,1\n", .invalidDate, ["not an ISO-8601 date"])
  }

  @Test("Dates with times and zones are accepted (the calendar date as written)")
  func datesWithTimes() throws {
    let history = try read("sku,date,qty\nA,2011-01-29 08:26:00,1\nA,2011-01-29T23:59:59.5+02:00,1\nA,2011-01-30T00:00Z,1\n")
    #expect(Array(history.panel.values(of: 0)) == [2, 1])
  }

  @Test("Truncated last row (no line break, too few fields)")
  func truncated() {
    expectError("sku,date,qty\nA,2024-01-01,3\nA,2024-01", .truncatedRow, [":3:", "file looks truncated"])
  }

  @Test("A short row in the middle is a field-count error, not a truncation")
  func shortRow() {
    expectError("sku,date,qty\nA,2024-01-01\nA,2024-01-02,3\n", .fieldCount, [":2:", "2 fields but the header has 3"])
  }

  @Test("Unterminated quote and text after a closing quote")
  func quoting() {
    expectError("sku,date,qty\n\"A,2024-01-01,3\n", .unterminatedQuote, [":2:1", "never closed"])
    expectError("sku,date,qty\n\"A\"x,2024-01-01,3\n", .textAfterQuote, [":2:1", "closing quote"])
  }

  @Test("A line break inside a quoted SKU is refused")
  func newlineInSKU() {
    expectError("sku,date,qty\n\"A\nB\",2024-01-01,3\n", .invalidText, [":2:1", "column 'sku'", "line break", "\"A\\nB\""])
  }

  @Test("Non-UTF-8 bytes in a SKU show as escapes; in the header too")
  func nonUTF8() {
    expectError(Array("sku,date,qty\n".utf8) + [0x41, 0xFF] + Array(",2024-01-01,3\n".utf8), .invalidText,
      [":2:1", "not valid UTF-8", "\"A\\xFF\""])
    expectError([0x73, 0xE9] + Array(",date,qty\nA,2024-01-01,1\n".utf8), .invalidText, [":1:1", "header is not valid UTF-8"])
  }

  @Test("SKUs with surrounding spaces or control characters, and empty SKUs")
  func badSKUs() {
    expectError("sku,date,qty\n\"A \",2024-01-01,3\n", .invalidText, ["leading or trailing spaces"])
    expectError("sku,date,qty\nA\u{7},2024-01-01,3\n", .invalidText, ["control characters", "\\u{7}"])
    expectError("sku,date,qty\n,2024-01-01,3\n", .invalidText, ["empty value"])
  }

  @Test("SQL-looking and confusable SKUs are just text: kept apart, never interpreted")
  func sqlAndConfusables() throws {
    let history = try read("sku,date,qty\n\"x'); DROP TABLE sales;--\",2024-01-01,1\nАBC,2024-01-01,1\nABC,2024-01-01,1\n")
    #expect(history.panel.seriesCount == 3)  // Cyrillic А ≠ Latin A
    #expect(history.panel.keys[0].sku == "x'); DROP TABLE sales;--")
  }

  @Test("Bad in_stock flags and negative prices")
  func badFlagAndPrice() {
    expectError("sku,date,qty,in_stock\nA,2024-01-01,3,yes\n", .invalidFlag, [":2:4", "value \"yes\"", "1 (in stock), 0"])
    expectError("sku,date,qty,price\nA,2024-01-01,3,-2\n", .invalidNumber, ["price is negative"])
  }

  @Test("Unreadable paths are I/O errors naming the file")
  func io() {
    do {
      _ = try SalesHistoryReader.read(file: "/nonexistent/sales.csv")
      Issue.record("expected an error")
    } catch {
      #expect(error.kind == .io)
      #expect("\(error)" == "/nonexistent/sales.csv: cannot read file: No such file or directory; expected a readable CSV file")
    }
    do {
      _ = try SalesHistoryReader.read(file: NSTemporaryDirectory())
      Issue.record("expected an error")
    } catch {
      #expect("\(error)".contains("is a directory"))
    }
  }

  @Test("Column mapping errors")
  func mappingErrors() {
    #expect(throws: CSVError.self) { try ColumnMapping(parsing: "sku") }
    do {
      _ = try ColumnMapping(parsing: "sku=StockCode,colour=Red")
    } catch {
      #expect("\(error)".contains("unknown column role"))
      #expect("\(error)".contains("one of sku, date, qty, location, price, channel, in_stock"))
    }
    expectError("StockCode,InvoiceDate,Quantity\nA,2024-01-01,1\n", .missingColumn, ["maps qty to 'Qty'"],
      options: SalesHistoryOptions(columns: try! ColumnMapping(parsing: "sku=StockCode,date=InvoiceDate,qty=Qty")))
  }

  @Test("Skip mode: bad rows are listed with their locations and counted; good rows are read; no trace of bad rows")
  func skipMode() throws {
    let history = try read(
      """
      sku,date,qty
      A,2024-01-01,1
      NEW,2024-13-01,5
      A,2024-01-02,NaN
      A,2024-01-03,3
      B,2024-01-01
      """, SalesHistoryOptions(badRows: .skip, maximumReportedErrors: 2))
    #expect(history.report.rows == 5)
    #expect(history.report.rowsUsed == 2)
    #expect(history.report.rowsSkipped == 3)
    #expect(history.report.badRows.count == 2)  // capped, but all counted
    #expect(history.report.badRows.map(\.line) == [3, 4])
    #expect(history.panel.keys == [SeriesKey(sku: "A")])  // the bad row's SKU "NEW" left no series
    #expect(Array(history.panel.values(of: 0)) == [1, 0, 3])
  }
}
