import Foundation
import Testing

@testable import SalesHistory
@testable import TimeSeries

@Suite("Sales-history reader: reading")
struct ReaderTests {
  @Test("Long CSV with gaps: zeros filled from each SKU's first row to the panel end")
  func fillsGaps() throws {
    let history = try read(
      """
      sku,date,qty
      A,2024-01-01,3
      A,2024-01-03,5
      B,2024-01-02,1
      B,2024-01-04,2.5
      """)
    let panel = history.panel
    #expect(panel.keys == [SeriesKey(sku: "A"), SeriesKey(sku: "B")])
    #expect(panel.endPeriod == day("2024-01-04") + 1)
    #expect(Array(panel.values(of: 0)) == [3, 0, 5, 0])
    #expect(Array(panel.values(of: 1)) == [1, 0, 2.5])
    #expect(panel.startPeriods == [day("2024-01-01"), day("2024-01-02")])
    #expect(panel.flags[panel.range(of: 0)].map { $0.contains(.observed) } == [true, false, true, false])
    #expect(history.report.rows == 4 && history.report.rowsUsed == 4 && history.report.rowsSkipped == 0)
    #expect(history.report.firstDate?.description == "2024-01-01")
    #expect(history.report.lastDate?.description == "2024-01-04")
    #expect(panel.prices == nil)
  }

  @Test("statsforecast files (unique_id, ds, y) read without flags")
  func statsforecastColumns() throws {
    let history = try read("unique_id,ds,y\nH1,2000-01-01,27\nH1,2000-02-01,16\n", SalesHistoryOptions(frequency: .month))
    #expect(history.report.columns.name(.sku) == "unique_id")
    #expect(Array(history.panel.values(of: 0)) == [27, 16])
    #expect(history.panel.frequency == .month)
  }

  @Test("Daily rows aggregate to ISO weeks (Monday start) and to months")
  func aggregation() throws {
    // 2024-01-07 is a Sunday, 2024-01-08 a Monday.
    let text = "sku,date,qty\nA,2024-01-01,1\nA,2024-01-07,2\nA,2024-01-08,4\nA,2024-02-29,8\n"
    let weekly = try read(text, SalesHistoryOptions(frequency: .week))
    #expect(weekly.panel.frequency.label(ofPeriod: weekly.panel.startPeriods[0]).description == "2024-01-01")
    let w = Array(weekly.panel.values(of: 0))
    #expect(w.prefix(2) == [3, 4])
    #expect(w.last == 8)
    #expect(w.count == 9)  // weeks of Jan 1 … Feb 26
    #expect(weekly.report.duplicateRows == 0)
    let monthly = try read(text, SalesHistoryOptions(frequency: .month))
    #expect(Array(monthly.panel.values(of: 0)) == [7, 8])
  }

  @Test("Locations, prices, channels and stock-out flags")
  func optionalColumns() throws {
    let history = try read(
      """
      sku,location,date,qty,price,channel,in_stock
      A,DC1,2024-01-01,2,9.99,web,1
      A,DC1,2024-01-01,1,9.49,amazon,1
      A,DC2,2024-01-01,0,,web,0
      A,DC1,2024-01-02,0,9.99,web,0
      """)
    let p = history.panel
    #expect(p.keys == [SeriesKey(sku: "A", location: "DC1"), SeriesKey(sku: "A", location: "DC2")])
    #expect(Array(p.values(of: 0)) == [3, 0])
    #expect(p.prices![p.range(of: 0)].first == 9.49)  // last price seen in the period
    #expect(p.prices![p.range(of: 1)].first!.isNaN)
    #expect(p.flags[p.range(of: 0)].map { $0.contains(.stockOut) } == [false, true])
    #expect(p.flags[p.range(of: 1)].first!.contains(.stockOut))
    #expect(history.report.channels == ["web", "amazon"])
    #expect(history.report.stockOutRows == 2)
    #expect(history.report.duplicateRows == 0)  // same day, different channels
  }

  @Test("Duplicate (SKU, date) rows are summed and counted, negative quantities netted and counted")
  func duplicatesAndReturns() throws {
    let history = try read("sku,date,qty\nA,2024-01-01,5\nA,2024-01-01,2\nA,2024-01-02,-1\n")
    #expect(Array(history.panel.values(of: 0)) == [7, -1])
    #expect(history.report.duplicateRows == 1)
    #expect(history.report.negativeRows == 1 && history.report.negativeUnits == 1)
  }

  @Test("UTF-8 byte-order mark and CRLF line endings (Excel exports) read as plain CSV")
  func bomAndCRLF() throws {
    let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("sku,date,qty\r\nA,2024-01-01,3\r\nA,2024-01-02,4\r\n".utf8)
    let history = try SalesHistoryReader.read(file: temporaryFile(bytes))
    #expect(history.report.byteOrderMark)
    #expect(history.report.crlfLines == 3)
    #expect(history.report.columns.name(.sku) == "sku")
    #expect(Array(history.panel.values(of: 0)) == [3, 4])
  }

  @Test("Quoted fields with delimiters, escaped quotes and line breaks in non-key columns")
  func quoting() throws {
    let history = try read(
      """
      sku,description,date,qty
      "85123A","WHITE HANGING HEART, T-LIGHT",2010-12-01,6
      "22041","RECORD FRAME 7"" SINGLE
      SIZE ",2010-12-01,48
      22041,plain,2010-12-02,"2"
      """)
    #expect(history.panel.keys.map(\.sku) == ["85123A", "22041"])
    #expect(Array(history.panel.values(of: 1)) == [48, 2])
    #expect(history.report.columns.ignored == ["description"])
  }

  @Test("Explicit column mapping reads the raw Online Retail transactions (December 2010)")
  func onlineRetailTransactions() throws {
    let mapping = try ColumnMapping(parsing: "sku=StockCode,date=InvoiceDate,qty=Quantity,price=UnitPrice")
    let history = try SalesHistoryReader.read(
      file: notebooksData("online_retail_transactions_2010-12.csv"),
      options: SalesHistoryOptions(columns: mapping, frequency: .week))
    // Figures from the file itself: 42,481 lines after the header, 2010-12-01 … 2010-12-23.
    #expect(history.report.rows == 42_481)
    #expect(history.report.rowsUsed == 42_481)
    #expect(history.report.firstDate?.description == "2010-12-01")
    #expect(history.report.lastDate?.description == "2010-12-23")
    #expect(history.report.negativeRows > 0)
    #expect(Set(history.report.columns.ignored) == ["InvoiceNo", "Description", "CustomerID", "Country"])
    let total = history.panel.values.reduce(0, +)
    // Net units = Σ Quantity over all lines (computed independently with Python's csv module).
    #expect(total == 342_228)
  }

  @Test("Series start at the first sale when asked; leading zero rows are dropped only then")
  func firstSale() throws {
    let text = "sku,date,qty\nA,2024-01-01,0\nA,2024-01-02,0\nA,2024-01-03,4\nB,2024-01-01,0\nB,2024-01-02,0\nC,2024-01-01,1\n"
    let rows = try read(text)
    #expect(rows.panel.values.count == 3 + 3 + 3)
    let sales = try read(text, SalesHistoryOptions(seriesStart: .firstSale))
    #expect(Array(sales.panel.values(of: 0)) == [4])
    #expect(Array(sales.panel.values(of: 1)) == [0, 0, 0])  // never sells: kept whole
    #expect(Array(sales.panel.values(of: 2)) == [1, 0, 0])
    #expect(sales.panel.startPeriods[0] == day("2024-01-03"))
  }

  @Test("Rows of a series that come back later, and dates out of order, give the same panel")
  func unsortedInput() throws {
    let sorted = try read("sku,date,qty,price\nA,2024-01-01,1,2\nA,2024-01-03,3,\nB,2024-01-02,5,1\nB,2024-01-03,6,1\n")
    let shuffled = try read("sku,date,qty,price\nB,2024-01-03,6,1\nA,2024-01-03,3,\nB,2024-01-02,5,1\nA,2024-01-01,1,2\n")
    let a = sorted.panel, b = shuffled.panel
    for key in a.keys {
      let i = a.index(of: key)!, j = b.index(of: key)!
      #expect(Array(a.values(of: i)) == Array(b.values(of: j)))
      #expect(a.startPeriods[i] == b.startPeriods[j])
      #expect(a.flags[a.range(of: i)] == b.flags[b.range(of: j)])
      #expect(a.prices![a.range(of: i)].map(\.bitPattern) == b.prices![b.range(of: j)].map(\.bitPattern))
    }
  }

  @Test("Blank lines are skipped and counted; extra columns are listed as ignored")
  func blankLines() throws {
    let history = try read("sku,date,qty,note\nA,2024-01-01,1,x\n\nA,2024-01-02,2,y\n\n")
    #expect(history.report.blankLines == 2)
    #expect(history.report.rows == 2)
    #expect(history.report.columns.ignored == ["note"])
  }
}
