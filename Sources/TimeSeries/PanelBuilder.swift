/// Where a series starts when the panel is built.
public enum SeriesStart: String, Sendable, CaseIterable {
  /// The first period with any row, zero or not (keeps explicit leading zeros).
  case firstRow = "first-row"
  /// The first period with positive demand (drops leading zero periods, e.g. before a product launch).
  /// A series that never sells keeps all its periods from its first row.
  case firstSale = "first-sale"
}

/// Where a series ends for forecasting.
public enum SeriesEnd: String, Sendable, CaseIterable {
  /// At its own last row: each series is forecast from the period after it (statsforecast's `unique_id,ds,y`
  /// files, where every series has a row for every period and series end at different dates).
  case lastRow = "last-row"
  /// At the panel's common end, the periods after a series' last row being zero demand (sales files,
  /// where no row means no sale).
  case panelEnd = "panel-end"
}

/// Accumulates rows of (series, period, quantity) into a `Panel`.
///
/// Quantities in the same period add up; the price of a period is the last non-missing price seen in it.
///
/// Sorted input (all rows of a series together, dates ascending or not) is the fast path: each series is
/// appended straight into the final flat arrays, and `build()` only widens them in place to pad every
/// series to the common end — no second copy of the panel. A series whose rows come back after another
/// series started is moved to a side buffer; then `build()` packs into fresh arrays (correct, slower,
/// about twice the memory).
public struct PanelBuilder: Sendable {
  public let frequency: Frequency
  public private(set) var keys: [SeriesKey] = []
  @usableFromInline let tracksPrices: Bool

  // Flat storage of contiguous series segments, in the order series first appeared.
  @usableFromInline var values: [Double] = []
  @usableFromInline var flags: [PeriodFlags] = []
  @usableFromInline var prices: [Double] = []
  /// Per series: offset of its segment in the flat arrays (-1: none yet, -2: moved to `spilled`).
  @usableFromInline var segmentOffset: [Int] = []
  @usableFromInline var segmentStart: [Int] = []
  @usableFromInline var segmentCount: [Int] = []
  /// The series whose segment is at the end of the flat arrays (the only one that can grow in place).
  @usableFromInline var tail = -1
  @usableFromInline var spilled: [Int: SeriesBuffer] = [:]
  @usableFromInline var _lastPeriod: Int = .min

  /// Latest period seen in any series (the panel ends one after it).
  public var lastPeriod: Int { _lastPeriod }

  public init(frequency: Frequency, tracksPrices: Bool, expectedCells: Int = 0) {
    self.frequency = frequency
    self.tracksPrices = tracksPrices
    if expectedCells > 0 {
      values.reserveCapacity(expectedCells)
      flags.reserveCapacity(expectedCells)
      if tracksPrices { prices.reserveCapacity(expectedCells) }
    }
  }

  /// Registers a new series and returns its index.
  public mutating func addSeries(_ key: SeriesKey) -> Int {
    keys.append(key)
    segmentOffset.append(-1)
    segmentStart.append(0)
    segmentCount.append(0)
    return keys.count - 1
  }

  public var seriesCount: Int { keys.count }

  /// Adds one row. `price` is `.nan` when unknown.
  @inlinable
  public mutating func add(series: Int, period: Int, quantity: Double, stockOut: Bool, price: Double) {
    if period > _lastPeriod { _lastPeriod = period }
    let flag: PeriodFlags = stockOut ? [.observed, .stockOut] : .observed
    if series == tail {
      let start = segmentStart[series]
      let offset = segmentOffset[series]
      let i = period - start
      let count = segmentCount[series]
      if i >= 0 && i < count {
        values[offset + i] += quantity
        flags[offset + i].formUnion(flag)
        if tracksPrices && !price.isNaN { prices[offset + i] = price }
        return
      }
      if i >= count {
        let gap = i - count
        if gap > 0 {
          values.append(contentsOf: repeatElement(0, count: gap))
          flags.append(contentsOf: repeatElement([], count: gap))
          if tracksPrices { prices.append(contentsOf: repeatElement(.nan, count: gap)) }
        }
        values.append(quantity)
        flags.append(flag)
        if tracksPrices { prices.append(price) }
        segmentCount[series] = i + 1
        return
      }
      // Before the start of the tail series: open a gap at the front of its segment.
      let shift = -i
      values.insert(contentsOf: repeatElement(0, count: shift), at: offset)
      flags.insert(contentsOf: repeatElement([], count: shift), at: offset)
      if tracksPrices { prices.insert(contentsOf: repeatElement(.nan, count: shift), at: offset) }
      values[offset] = quantity
      flags[offset] = flag
      if tracksPrices { prices[offset] = price }
      segmentStart[series] = period
      segmentCount[series] += shift
      return
    }
    addSlow(series: series, period: period, quantity: quantity, flag: flag, price: price)
  }

  @usableFromInline
  mutating func addSlow(series: Int, period: Int, quantity: Double, flag: PeriodFlags, price: Double) {
    switch segmentOffset[series] {
    case -1:
      // First row of a new series: it becomes the tail.
      segmentOffset[series] = values.count
      segmentStart[series] = period
      segmentCount[series] = 1
      values.append(quantity)
      flags.append(flag)
      if tracksPrices { prices.append(price) }
      tail = series
    case -2:
      spilled[series]!.add(period: period, quantity: quantity, flag: flag, price: price, tracksPrices: tracksPrices)
    default:
      // The series' rows resume after another series started: move it aside.
      let offset = segmentOffset[series], count = segmentCount[series]
      var buffer = SeriesBuffer()
      buffer.start = segmentStart[series]
      buffer.values = Array(values[offset..<(offset + count)])
      buffer.flags = Array(flags[offset..<(offset + count)])
      if tracksPrices { buffer.prices = Array(prices[offset..<(offset + count)]) }
      buffer.add(period: period, quantity: quantity, flag: flag, price: price, tracksPrices: tracksPrices)
      spilled[series] = buffer
      segmentOffset[series] = -2
    }
  }

  /// Builds the panel, padding every series with zero-demand periods up to the common end.
  public mutating func build(start: SeriesStart = .firstRow) -> Panel {
    let end = keys.isEmpty ? 0 : _lastPeriod + 1
    let n = keys.count
    // Where each series starts in the panel, and its final offset (series keep registration order).
    var startPeriods = [Int](repeating: 0, count: n)
    var skip = [Int](repeating: 0, count: n)
    var offsets = [Int](repeating: 0, count: n + 1)
    for s in 0..<n {
      let first: Int, values: ArraySlice<Double>
      if let buffer = spilled[s] {
        first = buffer.start
        values = buffer.values[...]
      } else {
        first = segmentStart[s]
        values = self.values[segmentOffset[s]..<(segmentOffset[s] + segmentCount[s])]
      }
      if start == .firstSale, let firstSale = values.firstIndex(where: { $0 > 0 }) {
        skip[s] = firstSale - values.startIndex
      }
      startPeriods[s] = first + skip[s]
      offsets[s + 1] = offsets[s] + (end - startPeriods[s])
    }
    let total = offsets[n]
    // In place when every series is one segment in registration order: shift right, last first.
    var inPlace = spilled.isEmpty
    if inPlace {
      var expected = 0
      for s in 0..<n {
        if segmentOffset[s] != expected { inPlace = false; break }
        expected += segmentCount[s]
      }
    }
    let panel: Panel
    if inPlace {
      // Pass 1, last series first: shift right to make room for each series' padding (shifts only grow
      // with the series index, so nothing is overwritten before it has moved).
      var widened = [Int](repeating: 0, count: n + 1)
      for s in 0..<n { widened[s + 1] = widened[s] + (end - segmentStart[s]) }
      let grow = widened[n] - values.count
      if grow > 0 {
        values.append(contentsOf: repeatElement(0, count: grow))
        flags.append(contentsOf: repeatElement([], count: grow))
        if tracksPrices { prices.append(contentsOf: repeatElement(.nan, count: grow)) }
      }
      for s in stride(from: n - 1, through: 0, by: -1) {
        let (from, to, count) = (segmentOffset[s], widened[s], segmentCount[s])
        let pad = end - segmentStart[s] - count
        Self.move(&values, from: from, to: to, count: count, pad: pad, with: 0)
        Self.move(&flags, from: from, to: to, count: count, pad: pad, with: [])
        if tracksPrices { Self.move(&prices, from: from, to: to, count: count, pad: pad, with: .nan) }
      }
      // Pass 2, first series first: drop leading zeros (.firstSale) by shifting left.
      if skip.contains(where: { $0 > 0 }) {
        for s in 0..<n {
          let (from, to, count) = (widened[s] + skip[s], offsets[s], end - startPeriods[s])
          Self.move(&values, from: from, to: to, count: count, pad: 0, with: 0)
          Self.move(&flags, from: from, to: to, count: count, pad: 0, with: [])
          if tracksPrices { Self.move(&prices, from: from, to: to, count: count, pad: 0, with: .nan) }
        }
        values.removeLast(values.count - total)
        flags.removeLast(flags.count - total)
        if tracksPrices { prices.removeLast(prices.count - total) }
      }
      panel = Panel(
        frequency: frequency, keys: keys, offsets: offsets, startPeriods: startPeriods, endPeriod: end,
        values: values, flags: flags, prices: tracksPrices ? prices : nil)
    } else {
      var outValues = [Double](), outFlags = [PeriodFlags](), outPrices = [Double]()
      outValues.reserveCapacity(total)
      outFlags.reserveCapacity(total)
      if tracksPrices { outPrices.reserveCapacity(total) }
      for s in 0..<n {
        let pad = end - startPeriods[s]
        if let buffer = spilled[s] {
          outValues.append(contentsOf: buffer.values[skip[s]...])
          outFlags.append(contentsOf: buffer.flags[skip[s]...])
          if tracksPrices { outPrices.append(contentsOf: buffer.prices[skip[s]...]) }
          spilled[s] = nil
        } else {
          let range = (segmentOffset[s] + skip[s])..<(segmentOffset[s] + segmentCount[s])
          outValues.append(contentsOf: values[range])
          outFlags.append(contentsOf: flags[range])
          if tracksPrices { outPrices.append(contentsOf: prices[range]) }
        }
        let filled = outValues.count - offsets[s]
        outValues.append(contentsOf: repeatElement(0, count: pad - filled))
        outFlags.append(contentsOf: repeatElement([], count: pad - filled))
        if tracksPrices { outPrices.append(contentsOf: repeatElement(.nan, count: pad - filled)) }
      }
      panel = Panel(
        frequency: frequency, keys: keys, offsets: offsets, startPeriods: startPeriods, endPeriod: end,
        values: outValues, flags: outFlags, prices: tracksPrices ? outPrices : nil)
    }
    self = PanelBuilder(frequency: frequency, tracksPrices: tracksPrices)
    return panel
  }

  /// Moves `count` elements from `from` to `to` (the ranges may overlap) and fills `pad` after them.
  private static func move<T>(_ array: inout [T], from: Int, to: Int, count: Int, pad: Int, with filler: T) {
    array.withUnsafeMutableBufferPointer { p in
      let base = p.baseAddress!
      if to != from && count > 0 { (base + to).update(from: base + from, count: count) }
      if pad > 0 {
        for k in (to + count)..<(to + count + pad) { base[k] = filler }
      }
    }
  }
}

/// Dense storage of one series whose rows were not contiguous in the input.
@usableFromInline
struct SeriesBuffer: Sendable {
  @usableFromInline var start: Int = 0
  @usableFromInline var values: [Double] = []
  @usableFromInline var flags: [PeriodFlags] = []
  @usableFromInline var prices: [Double] = []

  @usableFromInline init() {}

  @usableFromInline
  mutating func add(period: Int, quantity: Double, flag: PeriodFlags, price: Double, tracksPrices: Bool) {
    if period < start {
      let gap = start - period
      values.insert(contentsOf: repeatElement(0, count: gap), at: 0)
      flags.insert(contentsOf: repeatElement([], count: gap), at: 0)
      if tracksPrices { prices.insert(contentsOf: repeatElement(.nan, count: gap), at: 0) }
      start = period
    }
    let i = period - start
    if i >= values.count {
      let gap = i - values.count + 1
      values.append(contentsOf: repeatElement(0, count: gap))
      flags.append(contentsOf: repeatElement([], count: gap))
      if tracksPrices { prices.append(contentsOf: repeatElement(.nan, count: gap)) }
    }
    values[i] += quantity
    flags[i].formUnion(flag)
    if tracksPrices && !price.isNaN { prices[i] = price }
  }
}
