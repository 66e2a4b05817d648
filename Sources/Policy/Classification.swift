import Foundation
import CSV

/// What ABC ranks by.
public enum ABCMeasure: String, Sendable, CaseIterable, Codable {
  case revenue, margin, units
}

/// One SKU's figures over the classification window.
public struct ClassificationInput: Sendable {
  public var sku: String
  /// Revenue, margin or units over the window (per `ABCMeasure`).
  public var value: Double
  public var units: Double
  /// Demand per period over the window (for XYZ by coefficient of variation).
  public var periodDemand: [Double]
  /// Optional coefficient of variation of forecast errors (XYZ by forecast error instead of demand).
  public var forecastErrorCV: Double?

  public init(sku: String, value: Double, units: Double, periodDemand: [Double], forecastErrorCV: Double? = nil) {
    self.sku = sku
    self.value = value
    self.units = units
    self.periodDemand = periodDemand
    self.forecastErrorCV = forecastErrorCV
  }
}

public struct ClassifiedSKU: Sendable, Equatable {
  public var sku: String
  public var abc: Character
  public var xyz: Character
  public var value: Double
  public var units: Double
  /// value / Σ positive values; 0 for non-positive values.
  public var share: Double
  public var cumulativeShare: Double
  public var rank: Int
  public var meanDemand: Double
  public var cv: Double?
  public var serviceLevel: Double
  public var cell: String { "\(abc)\(xyz)" }

  public init(sku: String, abc: Character, xyz: Character, value: Double, units: Double, share: Double, cumulativeShare: Double, rank: Int,
              meanDemand: Double, cv: Double?, serviceLevel: Double) {
    self.sku = sku
    self.abc = abc
    self.xyz = xyz
    self.value = value
    self.units = units
    self.share = share
    self.cumulativeShare = cumulativeShare
    self.rank = rank
    self.meanDemand = meanDemand
    self.cv = cv
    self.serviceLevel = serviceLevel
  }
}

/// ABC/XYZ classification.
///
/// ABC (Pareto): SKUs sorted by value, descending; cumulative share = running sum / Σ of positive values;
/// A while the cumulative share ≤ `aCutoff` (default 0.80), B while ≤ `bCutoff` (0.95), C after; SKUs with
/// value ≤ 0 (net returns) are C. XYZ: coefficient of variation CV = sd/mean of per-period demand (population
/// sd) over the window, X when CV ≤ `xCutoff` (0.5), Y when ≤ `yCutoff` (1.0), Z above or when there was no
/// demand. References: Silver, Pyke & Thomas (2017) §2.3 (ABC); Scholz-Reiter et al. (2012) for XYZ by CV.
public struct Classifier: Sendable {
  public var aCutoff = 0.80
  public var bCutoff = 0.95
  public var xCutoff = 0.5
  public var yCutoff = 1.0
  /// Default cycle service level per ABC×XYZ cell (the item master overrides it).
  public var serviceLevels: [String: Double] = [
    "AX": 0.99, "AY": 0.98, "AZ": 0.97, "BX": 0.97, "BY": 0.96, "BZ": 0.95, "CX": 0.95, "CY": 0.93, "CZ": 0.90,
  ]

  public init() {}

  public func classify(_ inputs: [ClassificationInput]) -> [ClassifiedSKU] {
    // Sort (value, index) pairs rather than the inputs: contiguous keys, no string comparisons unless tied.
    var keyed = inputs.enumerated().map { (value: $0.element.value, index: $0.offset) }
    keyed.sort { $0.value > $1.value }
    // Equal values: by SKU, so that the order (and rank) does not depend on the input order.
    var i = 0
    while i < keyed.count {
      var j = i + 1
      while j < keyed.count && keyed[j].value == keyed[i].value { j += 1 }
      if j - i > 1 { keyed[i..<j].sort { inputs[$0.index].sku < inputs[$1.index].sku } }
      i = j
    }
    let total = inputs.reduce(0) { $0 + max(0, $1.value) }
    // Service level per cell, looked up by index (a string key per SKU costs more than the rest).
    let letters: [Character] = ["A", "B", "C"], xyzLetters: [Character] = ["X", "Y", "Z"]
    let levels = (0..<3).map { a in (0..<3).map { x in serviceLevels[String(letters[a]) + String(xyzLetters[x])] ?? ItemMaster.defaultServiceLevel } }
    // Demand variability in input order (sequential memory), before walking the sorted order.
    let variability = inputs.map { x -> (mean: Double, cv: Double?) in
      // Mean and population variance, skipping censored (NaN) periods: a first pass for the mean, a
      // second for squared deviations (exact for any scale, and no division inside the loops).
      var n = 0.0, sum = 0.0
      x.periodDemand.withUnsafeBufferPointer { b in
        for y in b where !y.isNaN {
          n += 1
          sum += y
        }
      }
      let mean = n > 0 ? sum / n : 0
      var squares = 0.0
      x.periodDemand.withUnsafeBufferPointer { b in
        for y in b where !y.isNaN { squares += (y - mean) * (y - mean) }
      }
      if let cv = x.forecastErrorCV { return (mean, cv) }
      return (mean, mean > 0 ? (squares / n).squareRoot() / mean : nil)
    }
    var cumulative = 0.0
    var result: [ClassifiedSKU] = []
    result.reserveCapacity(inputs.count)
    for (rank, entry) in keyed.enumerated() {
      let x = inputs[entry.index]
      let share = total > 0 && x.value > 0 ? x.value / total : 0
      cumulative += share
      let a = x.value <= 0 ? 2 : cumulative <= aCutoff + 1e-12 ? 0 : cumulative <= bCutoff + 1e-12 ? 1 : 2
      let (mean, cv) = variability[entry.index]
      let z = cv.map { $0 <= xCutoff ? 0 : $0 <= yCutoff ? 1 : 2 } ?? 2
      result.append(ClassifiedSKU(
        sku: x.sku, abc: letters[a], xyz: xyzLetters[z], value: x.value, units: x.units, share: share, cumulativeShare: cumulative, rank: rank + 1,
        meanDemand: mean, cv: cv, serviceLevel: levels[a][z]))
    }
    return result
  }
}

/// How classes moved between two runs.
public struct ClassTransition: Sendable {
  public struct Move: Sendable {
    public var sku: String
    public var from: String
    public var to: String
    public var shareThen: Double?
    public var shareNow: Double?
    public var rankThen: Int?
    public var rankNow: Int?
    public var valueNow: Double
    public var reason: String
  }
  /// [from ABC][to ABC] → (SKUs, current value); "-" stands for "not classified" (new or gone).
  public var counts: [String: [String: (skus: Int, value: Double)]] = [:]
  public var moves: [Move] = []

  public init(previous: [PreviousClass], current: [ClassifiedSKU]) {
    let before = Dictionary(previous.map { ($0.sku, $0) }, uniquingKeysWith: { a, _ in a })
    var seen = Set<String>()
    for c in current {
      seen.insert(c.sku)
      let then = before[c.sku]
      let from = then.map { String($0.abc) } ?? "-"
      let to = String(c.abc)
      counts[from, default: [:]][to, default: (0, 0)].skus += 1
      counts[from, default: [:]][to, default: (0, 0)].value += c.value
      if from != to {
        let reason: String
        if let then {
          reason = String(format: "share %.3f%% → %.3f%% (rank %@ → %d)", 100 * (then.share ?? 0), 100 * c.share, then.rank.map(String.init) ?? "?", c.rank)
        } else {
          reason = String(format: "new: share %.3f%% (rank %d)", 100 * c.share, c.rank)
        }
        moves.append(Move(sku: c.sku, from: from, to: to, shareThen: then?.share, shareNow: c.share, rankThen: then?.rank, rankNow: c.rank,
                          valueNow: c.value, reason: reason))
      }
    }
    for p in previous where !seen.contains(p.sku) {
      counts[String(p.abc), default: [:]]["-", default: (0, 0)].skus += 1
      moves.append(Move(sku: p.sku, from: String(p.abc), to: "-", shareThen: p.share, shareNow: nil, rankThen: p.rank, rankNow: nil, valueNow: 0,
                        reason: "no sales in the new window"))
    }
    moves.sort { ($0.from, $0.to, -$0.valueNow) < ($1.from, $1.to, -$1.valueNow) }
  }
}

/// A class from a previous run's file (`replenish classify` output).
public struct PreviousClass: Sendable {
  public var sku: String
  public var abc: Character
  public var share: Double?
  public var rank: Int?
  public var asOf: String?

  public static func read(path: String) throws(CSVError) -> [PreviousClass] {
    let table = try CSVTable.read(path: path, required: ["sku", "abc"])
    var out: [PreviousClass] = []
    for row in table.rows {
      guard let sku = row.text("sku") else { throw row.error("sku", value: "", problem: "empty SKU", expected: "a SKU code") }
      guard let abc = row.text("abc"), abc.count == 1, "ABC".contains(abc) else {
        throw row.error("abc", value: row.text("abc") ?? "", problem: "not an ABC class", expected: "A, B or C")
      }
      out.append(PreviousClass(sku: sku, abc: abc.first!, share: try row.number("share", range: 0...1, expected: "a share between 0 and 1"),
                               rank: try row.integer("rank", minimum: 1), asOf: row.text("as_of")))
    }
    return out
  }
}
