import Foundation
import Testing

@testable import TimeSeries

@Suite("Civil dates and frequencies")
struct CalendarTests {
  @Test("Known day numbers")
  func knownDays() {
    #expect(CivilDate(year: 1970, month: 1, day: 1)!.dayNumber == 0)
    #expect(CivilDate(year: 2011, month: 1, day: 29)!.dayNumber == 15_003)  // M5 d_1
    #expect(CivilDate(year: 2000, month: 3, day: 1)!.dayNumber == 11_017)
    #expect(CivilDate(year: 1969, month: 12, day: 31)!.dayNumber == -1)
    #expect(CivilDate(year: 1, month: 1, day: 1)!.dayNumber == -719_162)
  }

  @Test("Day numbers round-trip and agree with Foundation's Gregorian calendar for 1900–2100")
  func roundTripAgainstFoundation() {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let epoch = Date(timeIntervalSince1970: 0)
    for dayNumber in stride(from: -25_567, through: 47_482, by: 13) {
      let date = CivilDate(dayNumber: dayNumber)
      #expect(date.dayNumber == dayNumber)
      let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: epoch.addingTimeInterval(Double(dayNumber) * 86_400))
      #expect(parts.year == date.year && parts.month == date.month && parts.day == date.day)
      // Foundation: Sunday = 1 … Saturday = 7; ISO: Monday = 1 … Sunday = 7.
      #expect((parts.weekday! + 5) % 7 + 1 == date.isoWeekday)
    }
  }

  @Test("Invalid dates are rejected, leap years are right")
  func validity() {
    #expect(CivilDate(year: 2011, month: 2, day: 29) == nil)
    #expect(CivilDate(year: 2012, month: 2, day: 29) != nil)
    #expect(CivilDate(year: 1900, month: 2, day: 29) == nil)
    #expect(CivilDate(year: 2000, month: 2, day: 29) != nil)
    #expect(CivilDate(year: 2011, month: 13, day: 1) == nil)
    #expect(CivilDate(year: 2011, month: 4, day: 31) == nil)
    #expect(CivilDate(year: 2011, month: 1, day: 9)!.description == "2011-01-09")
  }

  @Test("Weeks start on Monday; months on the 1st; periods are consecutive integers")
  func periods() {
    let week = Frequency.week
    // 2010-11-29 is a Monday (the first week of the Online Retail weekly data).
    let monday = CivilDate(year: 2010, month: 11, day: 29)!.dayNumber
    for offset in 0..<7 { #expect(week.period(containing: monday + offset) == week.period(containing: monday)) }
    #expect(week.period(containing: monday + 7) == week.period(containing: monday) + 1)
    #expect(week.label(ofPeriod: week.period(containing: monday + 3)).description == "2010-11-29")
    #expect(week.label(ofPeriod: week.period(containing: -10)).isoWeekday == 1)
    let month = Frequency.month
    let p = month.period(containing: CivilDate(year: 2011, month: 12, day: 31)!.dayNumber)
    #expect(month.label(ofPeriod: p + 1).description == "2012-01-01")
    #expect(month.label(ofPeriod: month.period(containing: CivilDate(year: 1, month: 1, day: 1)!.dayNumber)).description == "0001-01-01")
    for d in stride(from: -800, through: 800, by: 17) {
      for f in Frequency.allCases {
        let period = f.period(containing: d)
        #expect(f.firstDay(ofPeriod: period) <= d && d < f.firstDay(ofPeriod: period + 1))
      }
    }
    #expect(Frequency.day.defaultSeasonLength == 7 && week.defaultSeasonLength == 52 && month.defaultSeasonLength == 12)
  }
}

@Suite("Panel builder")
struct PanelBuilderTests {
  /// Rows of three series with leading zeros, gaps and different ends.
  func rows() -> [(Int, Int, Double)] {
    [(0, 10, 0), (0, 11, 2), (0, 13, 1), (1, 12, 0), (1, 13, 0), (1, 14, 5), (2, 10, 4), (2, 17, 1)]
  }

  func build(_ rows: [(Int, Int, Double)], start: SeriesStart, prices: Bool = true) -> Panel {
    var builder = PanelBuilder(frequency: .day, tracksPrices: prices)
    for s in 0..<3 { _ = builder.addSeries(SeriesKey(sku: "S\(s)")) }
    for (s, period, q) in rows { builder.add(series: s, period: period, quantity: q, stockOut: false, price: Double(period)) }
    return builder.build(start: start)
  }

  @Test("In-place packing pads every series to the common end")
  func firstRow() {
    let panel = build(rows(), start: .firstRow)
    #expect(panel.endPeriod == 18)
    #expect(panel.offsets == [0, 8, 14, 22])
    #expect(Array(panel.values(of: 0)) == [0, 2, 0, 1, 0, 0, 0, 0])
    #expect(Array(panel.values(of: 1)) == [0, 0, 5, 0, 0, 0])
    #expect(Array(panel.values(of: 2)) == [4, 0, 0, 0, 0, 0, 0, 1])
    #expect(panel.prices![panel.range(of: 0)].prefix(4).map { $0.isNaN ? -1 : $0 } == [10, 11, -1, 13])
  }

  @Test("First-sale start shifts series left without corrupting their neighbours")
  func firstSale() {
    let panel = build(rows(), start: .firstSale)
    #expect(panel.startPeriods == [11, 14, 10])
    #expect(Array(panel.values(of: 0)) == [2, 0, 1, 0, 0, 0, 0])
    #expect(Array(panel.values(of: 1)) == [5, 0, 0, 0])
    #expect(Array(panel.values(of: 2)) == [4, 0, 0, 0, 0, 0, 0, 1])
    #expect(panel.values.count == panel.offsets.last)
    #expect(panel.prices![panel.range(of: 1)].first == 14)
    // Series 0 has rows up to period 13 and is padded to 17: 3 observed periods from its start at 11.
    #expect(panel.observedLength(of: 0) == 3)
    #expect(panel.observedLength(of: 2) == panel.length(of: 2))
  }

  @Test("Interleaved series take the slow path and give the same panel", arguments: SeriesStart.allCases)
  func interleaved(start: SeriesStart) {
    var shuffled = rows()
    var state: UInt64 = 12345
    for i in stride(from: shuffled.count - 1, to: 0, by: -1) {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      shuffled.swapAt(i, Int(state >> 33) % (i + 1))
    }
    let a = build(rows(), start: start), b = build(shuffled, start: start)
    #expect(a.values == b.values)
    #expect(a.offsets == b.offsets)
    #expect(a.flags == b.flags)
    #expect(a.prices!.map(\.bitPattern) == b.prices!.map(\.bitPattern))
  }

  @Test("An empty builder gives an empty panel")
  func empty() {
    var builder = PanelBuilder(frequency: .week, tracksPrices: false)
    let panel = builder.build()
    #expect(panel.seriesCount == 0 && panel.values.isEmpty && panel.offsets == [0])
  }
}

@Suite("CivilDate(iso:)")
struct CivilDateISOTests {
  @Test("Exactly yyyy-mm-dd, calendar-checked")
  func parsing() {
    #expect(CivilDate(iso: "2011-01-29")?.dayNumber == 15003)
    #expect(CivilDate(iso: "2024-02-29") != nil && CivilDate(iso: "2023-02-29") == nil)
    for bad in ["2011-1-29", "2011/01/29", "2011-01-29T00:00", " 2011-01-29", "2011-13-01", "20110129xx", "٢٠١١-٠١-٢٩", ""] {
      #expect(CivilDate(iso: bad) == nil, "\(bad)")
    }
  }
}

@Suite("Panel shards")
struct PanelShardTests {
  @Test("The shard of a SKU is FNV-1a 64 of its UTF-8 bytes modulo N (published test vectors), and K/N parses strictly")
  func stableHash() {
    // FNV-1a 64: "" → cbf29ce484222325, "a" → af63dc4c8601ec8c, "foobar" → 85944171f73967e8.
    #expect(PanelShard.number(ofSKU: "", count: 1_000) == Int(0xcbf2_9ce4_8422_2325 % UInt64(1_000)) + 1)
    #expect(PanelShard.number(ofSKU: "a", count: 7) == Int(0xaf63_dc4c_8601_ec8c % UInt64(7)) + 1)
    #expect(PanelShard.number(ofSKU: "foobar", count: 97) == Int(0x8594_4171_f739_67e8 % UInt64(97)) + 1)
    #expect(PanelShard(parsing: "2/3") == PanelShard(number: 2, count: 3))
    for bad in ["0/3", "4/3", "3", "1/0", "a/b", "1/2/3", " 1/2", "1/100001"] { #expect(PanelShard(parsing: bad) == nil, "\(bad)") }
    // Every SKU in exactly one shard.
    let skus = (0..<1_000).map { "SKU-\($0)" }
    let shards = (1...4).map { PanelShard(number: $0, count: 4)! }
    #expect(skus.allSatisfy { sku in shards.filter { $0.contains(sku: sku) }.count == 1 })
    #expect(shards.allSatisfy { shard in (200...300).contains(skus.filter { shard.contains(sku: $0) }.count) })
  }
}
