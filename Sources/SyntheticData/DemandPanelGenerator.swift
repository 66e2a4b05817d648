#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Sampling
import TimeSeries

/// The demand classes of Syntetos & Boylan (2005) that the generator draws from.
public enum DemandPattern: String, CaseIterable, Sendable {
  /// Regular demand, low variability (ADI < 1.32, CV² < 0.49).
  case smooth
  /// Regular occurrence, highly variable size.
  case erratic
  /// Sporadic occurrence, stable size.
  case intermittent
  /// Sporadic occurrence, variable size.
  case lumpy
}

/// One generated series: what it is and its daily history.
public struct GeneratedSeries: Sendable {
  public let key: SeriesKey
  public let pattern: DemandPattern
  /// Day number of the first day (launch).
  public let firstDay: Int
  public let demand: [Double]
  public let prices: [Double]
  public let onPromotion: [Bool]
  /// False on stock-out days (demand then recorded as 0: censored).
  public let inStock: [Bool]
}

/// A seeded generator of M5-shaped daily panels: items × stores, with launches, weekly and yearly
/// seasonality, trends, promotions with price cuts, price changes, stock-outs, and a mix of smooth,
/// erratic, intermittent and lumpy series (M5's SKU level is mostly intermittent).
///
/// Each series is a pure function of `(seed, index)`, so a panel can be generated in any order, in
/// parallel, or streamed to a file without holding it.
///
/// Demand model per day t:
/// ```
/// μₜ = base · weekly[weekday] · (1 + a·sin(2π·t/365.25 + φ)) · (1 + trend·t/365) · (price/basePrice)^elasticity
/// smooth:       Poisson(μₜ)                         erratic: NegBin(μₜ, size 0.7)
/// intermittent: Bernoulli(p)·(1 + Poisson(μₜ))      lumpy:   Bernoulli(p)·NegBin(3μₜ, size 0.5)
/// ```
public struct DemandPanelGenerator: Sendable {
  public let seriesCount: Int
  public let days: Int
  public let stores: Int
  public let seed: UInt64
  /// Day number of the first calendar day (M5: 2011-01-29).
  public let startDay: Int
  /// Probability that a day is in a stock-out spell (0 disables stock-outs).
  public let stockOutRate: Double

  public init(
    seriesCount: Int = 30_490, days: Int = 1_941, stores: Int = 10, seed: UInt64 = 20_110_129,
    start: CivilDate = CivilDate(year: 2011, month: 1, day: 29)!, stockOutRate: Double = 0.01
  ) {
    precondition(seriesCount >= 0 && days > 0 && stores > 0, "Generator needs days > 0 and stores > 0")
    self.seriesCount = seriesCount
    self.days = days
    self.stores = stores
    self.seed = seed
    self.startDay = start.dayNumber
    self.stockOutRate = stockOutRate
  }

  static let departments = ["FOODS_1", "FOODS_2", "FOODS_3", "HOBBIES_1", "HOBBIES_2", "HOUSEHOLD_1", "HOUSEHOLD_2"]
  static let storeNames = ["CA_1", "CA_2", "CA_3", "CA_4", "TX_1", "TX_2", "TX_3", "WI_1", "WI_2", "WI_3"]

  /// The key of series `index`: item `DEPT_NNN` at a store; consecutive indices share an item.
  public func key(_ index: Int) -> SeriesKey {
    let item = index / stores
    let store = index % stores
    let department = DemandPanelGenerator.departments[item % DemandPanelGenerator.departments.count]
    let number = item / DemandPanelGenerator.departments.count + 1
    let digits = String(number)
    let padded = String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    let storeName = store < DemandPanelGenerator.storeNames.count ? DemandPanelGenerator.storeNames[store] : "S_\(store + 1)"
    return SeriesKey(sku: "\(department)_\(padded)", location: storeName)
  }

  /// Generates series `index`.
  public func series(_ index: Int) -> GeneratedSeries {
    var rng = SeededGenerator(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15))
    let u = rng.uniform()
    let pattern: DemandPattern = u < 0.15 ? .smooth : u < 0.30 ? .erratic : u < 0.75 ? .intermittent : .lumpy
    // A third of items launch after the panel start.
    let launch = rng.uniform() < 0.33 ? Int(rng.uniform() * Double(days) * 0.8) : 0
    let length = days - launch
    let base: Double
    var occurrence = 1.0
    switch pattern {
    case .smooth: base = exp(1.0 + 2.0 * rng.uniform())  // 2.7 … 20 per day
    case .erratic: base = exp(0.5 + 2.0 * rng.uniform())
    case .intermittent:
      base = 0.3 + rng.uniform()
      occurrence = 0.05 + 0.3 * rng.uniform()
    case .lumpy:
      base = 0.5 + 2 * rng.uniform()
      occurrence = 0.03 + 0.2 * rng.uniform()
    }
    var weekly = (0..<7).map { _ in 0.8 + 0.4 * rng.uniform() }
    weekly[0] *= 1.25  // Saturday (M5 day 1)
    weekly[1] *= 1.2  // Sunday
    let yearlyAmplitude = 0.35 * rng.uniform()
    let phase = 2 * Double.pi * rng.uniform()
    let trend = 0.3 * (rng.uniform() - 0.4)
    let basePrice = exp(0.3 + 2.2 * rng.uniform()).rounded(toCents: true)
    let elasticity = -1.0 - 2.0 * rng.uniform()

    var demand = [Double](repeating: 0, count: length)
    var prices = [Double](repeating: basePrice, count: length)
    var promo = [Bool](repeating: false, count: length)
    var inStock = [Bool](repeating: true, count: length)
    var price = basePrice
    var promotionLeft = 0
    var stockOutLeft = 0
    for k in 0..<length {
      let t = launch + k
      if t % 7 == 0 {
        // Weekly price decisions (M5 prices are weekly): rare permanent change, occasional promotion.
        if rng.uniform() < 0.01 { price = (price * (0.9 + 0.25 * rng.uniform())).rounded(toCents: true) }
        if promotionLeft == 0 && rng.uniform() < 0.04 { promotionLeft = 7 * (1 + Int(rng.uniform() * 2)) }
      }
      let selling = promotionLeft > 0 ? (price * 0.8).rounded(toCents: true) : price
      if promotionLeft > 0 { promotionLeft -= 1 }
      promo[k] = selling < price
      prices[k] = selling
      if stockOutRate > 0 {
        if stockOutLeft == 0 && rng.uniform() < stockOutRate / 5 { stockOutLeft = 1 + Int(rng.uniform() * 9) }
        if stockOutLeft > 0 {
          stockOutLeft -= 1
          inStock[k] = false
          continue
        }
      }
      let season = 1 + yearlyAmplitude * sin(2 * Double.pi * Double(t) / 365.25 + phase)
      let growth = max(0.05, 1 + trend * Double(t) / 365)
      let mu = base * weekly[t % 7] * season * growth * pow(selling / basePrice, elasticity)
      let quantity: Int
      switch pattern {
      case .smooth: quantity = rng.poisson(mu)
      case .erratic: quantity = rng.negativeBinomial(mean: mu, size: 0.7)
      case .intermittent: quantity = rng.uniform() < occurrence * min(2, season) ? 1 + rng.poisson(mu) : 0
      case .lumpy: quantity = rng.uniform() < occurrence ? rng.negativeBinomial(mean: 3 * mu, size: 0.5) : 0
      }
      demand[k] = Double(quantity)
    }
    return GeneratedSeries(
      key: key(index), pattern: pattern, firstDay: startDay + launch, demand: demand, prices: prices,
      onPromotion: promo, inStock: inStock)
  }

  /// The whole panel in memory, daily.
  public func panel() -> Panel {
    var builder = PanelBuilder(frequency: .day, tracksPrices: true)
    for index in 0..<seriesCount {
      let s = series(index)
      let id = builder.addSeries(s.key)
      for k in s.demand.indices {
        builder.add(series: id, period: s.firstDay + k, quantity: s.demand[k], stockOut: !s.inStock[k], price: s.prices[k])
      }
    }
    return builder.build()
  }

  /// Writes the panel as a long CSV `sku,location,date,qty,price[,in_stock]`, sorted by series then date,
  /// streaming one series at a time. Returns the bytes written.
  @discardableResult
  public func writeCSV(to path: String, includeInStock: Bool = false) throws -> Int {
    guard let file = fopen(path, "w") else {
      throw GeneratorError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
    }
    defer { fclose(file) }
    let dates: [[UInt8]] = (0..<days).map { Array(CivilDate(dayNumber: startDay + $0).description.utf8) }
    var buffer: [UInt8] = []
    buffer.reserveCapacity(1 << 20)
    var written = 0
    func flush() throws {
      let n = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
      guard n == buffer.count else { throw GeneratorError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
      written += n
      buffer.removeAll(keepingCapacity: true)
    }
    buffer.append(contentsOf: Array((includeInStock ? "sku,location,date,qty,price,in_stock\n" : "sku,location,date,qty,price\n").utf8))
    for index in 0..<seriesCount {
      let s = series(index)
      let prefix = Array("\(s.key.sku),\(s.key.location ?? ""),".utf8)
      let offset = s.firstDay - startDay
      for k in s.demand.indices {
        buffer.append(contentsOf: prefix)
        buffer.append(contentsOf: dates[offset + k])
        buffer.append(UInt8(ascii: ","))
        appendInteger(Int(s.demand[k]), to: &buffer)
        buffer.append(UInt8(ascii: ","))
        appendCents(Int((s.prices[k] * 100).rounded()), to: &buffer)
        if includeInStock {
          buffer.append(UInt8(ascii: ","))
          buffer.append(s.inStock[k] ? UInt8(ascii: "1") : UInt8(ascii: "0"))
        }
        buffer.append(UInt8(ascii: "\n"))
      }
      if buffer.count > (1 << 20) - 4096 { try flush() }
    }
    try flush()
    return written
  }
}

public enum GeneratorError: Error, CustomStringConvertible {
  case cannotWrite(path: String, reason: String)
  public var description: String {
    switch self {
    case let .cannotWrite(path, reason): return "\(path): cannot write: \(reason)"
    }
  }
}

@inline(__always)
func appendInteger(_ value: Int, to buffer: inout [UInt8]) {
  var v = value
  if v < 0 {
    buffer.append(UInt8(ascii: "-"))
    v = -v
  }
  if v < 10 {
    buffer.append(UInt8(48 + v))
    return
  }
  var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
    (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
  var n = 0
  withUnsafeMutableBytes(of: &digits) { d in
    while v > 0 {
      d[n] = UInt8(48 + v % 10)
      v /= 10
      n += 1
    }
    for k in stride(from: n - 1, through: 0, by: -1) { buffer.append(d[k]) }
  }
}

@inline(__always)
func appendCents(_ cents: Int, to buffer: inout [UInt8]) {
  appendInteger(cents / 100, to: &buffer)
  buffer.append(UInt8(ascii: "."))
  let c = cents % 100
  buffer.append(UInt8(48 + c / 10))
  buffer.append(UInt8(48 + c % 10))
}

extension Double {
  func rounded(toCents: Bool) -> Double { (self * 100).rounded() / 100 }
}
