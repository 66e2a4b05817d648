/// The identity of one demand series: a SKU, at a location when the data has locations.
public struct SeriesKey: Hashable, Comparable, Sendable, CustomStringConvertible {
  public let sku: String
  /// `nil` when the history has no location column.
  public let location: String?

  public init(sku: String, location: String? = nil) {
    self.sku = sku
    self.location = location
  }

  public var description: String { location.map { "\(sku)@\($0)" } ?? sku }

  public static func < (a: SeriesKey, b: SeriesKey) -> Bool {
    (a.sku, a.location ?? "") < (b.sku, b.location ?? "")
  }
}

/// A SKU at a stocking location: the key of every stock position, item, policy and PO line. A history
/// without a location column plans at the location `""`.
public struct StockKey: Hashable, Comparable, Sendable, CustomStringConvertible {
  public let sku: String
  public let location: String

  public init(sku: String, location: String) {
    self.sku = sku
    self.location = location
  }

  /// The stock key of a series (no location → `""`).
  public init(_ series: SeriesKey) { self.init(sku: series.sku, location: series.location ?? "") }

  public var description: String { location.isEmpty ? sku : "\(sku)@\(location)" }

  public static func < (a: StockKey, b: StockKey) -> Bool { (a.sku, a.location) < (b.sku, b.location) }
}

/// What is known about one period of one series.
public struct PeriodFlags: OptionSet, Hashable, Sendable {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }
  /// At least one row of the history fell in this period (otherwise the zero was filled in).
  public static let observed = PeriodFlags(rawValue: 1)
  /// A row marked `in_stock = 0` fell in this period: its demand is censored by a stock-out.
  public static let stockOut = PeriodFlags(rawValue: 2)
}

/// Many demand series on one calendar, stored as one flat buffer plus offsets.
///
/// Series `s` occupies `values[offsets[s] ..< offsets[s + 1]]` and covers periods
/// `startPeriods[s] ..< endPeriod`: every series runs to the common panel end, and periods with no rows
/// hold zero demand (flag `.observed` unset). This is statsforecast's `GroupedArray(data, indptr)`
/// layout: one allocation, cheap slices, even chunks for parallel work.
public struct Panel: Sendable {
  public let frequency: Frequency
  public let keys: [SeriesKey]
  /// `keys.count + 1` offsets into `values`; `offsets[0] == 0`.
  public let offsets: [Int]
  /// First period of each series.
  public let startPeriods: [Int]
  /// One past the last period of every series.
  public let endPeriod: Int
  /// Demand per period (net of returns when quantities were negative).
  public let values: [Double]
  /// Per-period flags, parallel to `values`.
  public let flags: [PeriodFlags]
  /// Selling price per period, parallel to `values`; `nil` when the history had no price column,
  /// `.nan` in periods without a known price.
  public let prices: [Double]?

  public init(
    frequency: Frequency, keys: [SeriesKey], offsets: [Int], startPeriods: [Int], endPeriod: Int,
    values: [Double], flags: [PeriodFlags], prices: [Double]?
  ) {
    precondition(offsets.count == keys.count + 1 && startPeriods.count == keys.count, "Panel shape mismatch")
    precondition(offsets.first == 0 && offsets.last == values.count, "Panel offsets must span values")
    precondition(flags.count == values.count && (prices?.count ?? values.count) == values.count, "Panel arrays differ in length")
    self.frequency = frequency
    self.keys = keys
    self.offsets = offsets
    self.startPeriods = startPeriods
    self.endPeriod = endPeriod
    self.values = values
    self.flags = flags
    self.prices = prices
  }

  public var seriesCount: Int { keys.count }

  /// Number of periods of series `s`.
  public func length(of s: Int) -> Int { offsets[s + 1] - offsets[s] }

  /// Range of series `s` in the flat arrays.
  public func range(of s: Int) -> Range<Int> { offsets[s]..<offsets[s + 1] }

  /// Demand of series `s`, oldest first.
  public func values(of s: Int) -> ArraySlice<Double> { values[range(of: s)] }

  /// The first period of the panel (earliest series start), or `endPeriod` when empty.
  public var startPeriod: Int { startPeriods.min() ?? endPeriod }

  /// Number of periods of series `s` up to its last row (excluding the zero padding to the panel end,
  /// which matters when series are independent and end on different dates, as in M3).
  public func observedLength(of s: Int) -> Int {
    let range = range(of: s)
    guard let last = range.last(where: { flags[$0].contains(.observed) }) else { return 0 }
    return last - range.lowerBound + 1
  }

  /// Index of the series with this key (linear search; build a dictionary for repeated look-ups).
  public func index(of key: SeriesKey) -> Int? { keys.firstIndex(of: key) }
}

extension Panel {
  /// The panel up to `end` (exclusive): every series cut there; series that start at or after it are
  /// left out. `end` at or past `endPeriod` returns the panel as it is.
  public func truncated(endPeriod end: Int) -> Panel {
    guard end < endPeriod else { return self }
    var keys: [SeriesKey] = [], offsets = [0], starts: [Int] = []
    var values: [Double] = [], flags: [PeriodFlags] = []
    var prices: [Double]? = self.prices == nil ? nil : []
    for s in 0..<seriesCount where startPeriods[s] < end {
      let range = range(of: s)
      let kept = range.lowerBound..<(range.lowerBound + (end - startPeriods[s]))
      keys.append(self.keys[s])
      starts.append(startPeriods[s])
      values.append(contentsOf: self.values[kept])
      flags.append(contentsOf: self.flags[kept])
      if let p = self.prices { prices!.append(contentsOf: p[kept]) }
      offsets.append(values.count)
    }
    return Panel(frequency: frequency, keys: keys, offsets: offsets, startPeriods: starts, endPeriod: end, values: values, flags: flags, prices: prices)
  }
}

extension Panel {
  /// The period after each series' last row (`.observed`; its start when it has none), and whether the
  /// file is dense: every series has a row for every period from its first row to its last.
  public func rowEnds() -> (ends: [Int], dense: Bool) {
    var ends = [Int](repeating: 0, count: seriesCount)
    var dense = true
    for s in 0..<seriesCount {
      let range = range(of: s)
      var last = -1, observed = 0
      for i in range where flags[i].contains(.observed) {
        last = i - range.lowerBound
        observed += 1
      }
      ends[s] = startPeriods[s] + last + 1
      if observed != last + 1 { dense = false }
    }
    return (ends, dense)
  }

  /// The rule for a file: `last-row` for a dense file whose series end at different periods, `panel-end`
  /// otherwise (where the two agree, or no row means no sale), with the reason and each series' row end.
  public func detectedSeriesEnd() -> (end: SeriesEnd, reason: String, rowEnds: [Int]) {
    let (ends, dense) = rowEnds()
    guard dense else {
      return (.panelEnd, "some series miss periods between their first and last rows: no row = no sale, every series runs to the file's last date", ends)
    }
    let ragged = ends.filter { $0 != endPeriod }.count
    guard ragged > 0 else { return (.panelEnd, "every series has a row up to the file's last date", ends) }
    return (.lastRow, "every series has a row for every period from its first to its last, and \(ragged) of \(seriesCount) end before the file's last date: each is forecast from its own last row", ends)
  }
}

