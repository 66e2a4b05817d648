import Foundation
import CSV

/// What ABC ranks by.
public enum ABCMeasure: String, Sendable, CaseIterable, Codable {
  case revenue, margin, units
}

/// The ABC class of a SKU: A, B, C by value (Pareto), or `new` for a SKU the classification did not see
/// (no sales in the window: not launched yet, or classified after the run). Stored as its letter.
public enum ABCClass: String, Sendable, Codable, CaseIterable, Comparable {
  case A, B, C, new

  /// The three Pareto classes (without `new`).
  public static let ranked: [ABCClass] = [.A, .B, .C]

  public static func < (a: ABCClass, b: ABCClass) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }
}

/// The XYZ class of a SKU by the variability of its demand (or of its forecast errors).
public enum XYZClass: String, Sendable, Codable, CaseIterable, Comparable {
  case X, Y, Z

  public static func < (a: XYZClass, b: XYZClass) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }
}

/// One cell of the ABC × XYZ matrix ("AX" … "CZ").
public struct ClassCell: Hashable, Sendable, Comparable, CustomStringConvertible {
  public var abc: ABCClass
  public var xyz: XYZClass

  public init(_ abc: ABCClass, _ xyz: XYZClass) {
    self.abc = abc
    self.xyz = xyz
  }

  /// "AX" … "CZ"; `nil` for anything else (including cells of `new`).
  public init?(_ text: String) {
    guard text.count == 2, let a = ABCClass(rawValue: String(text.prefix(1))), a != .new, let x = XYZClass(rawValue: String(text.suffix(1))) else { return nil }
    self.init(a, x)
  }

  public static let all: [ClassCell] = ABCClass.ranked.flatMap { a in XYZClass.allCases.map { ClassCell(a, $0) } }
  public var description: String { abc.rawValue + xyz.rawValue }
  public static func < (a: ClassCell, b: ClassCell) -> Bool { (a.abc, a.xyz) < (b.abc, b.xyz) }
}

extension Dictionary where Key == String, Value == ClassifiedSKU {
  /// The ABC class of `sku`, `new` when it was not classified — the one rule every step uses.
  public func abcClass(of sku: String) -> ABCClass { self[sku]?.abc ?? .new }
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
  public var abc: ABCClass
  public var xyz: XYZClass
  public var value: Double
  public var units: Double
  /// value / Σ positive values; 0 for non-positive values.
  public var share: Double
  public var cumulativeShare: Double
  public var rank: Int
  public var meanDemand: Double
  public var cv: Double?
  public var serviceLevel: Double
  public var cell: ClassCell { ClassCell(abc, xyz) }

  public init(sku: String, abc: ABCClass, xyz: XYZClass, value: Double, units: Double, share: Double, cumulativeShare: Double, rank: Int,
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
  public var serviceLevels: [ClassCell: Double] = Classifier.defaultServiceLevels
  public static let defaultServiceLevels: [ClassCell: Double] = [
    ClassCell(.A, .X): 0.99, ClassCell(.A, .Y): 0.98, ClassCell(.A, .Z): 0.97, ClassCell(.B, .X): 0.97, ClassCell(.B, .Y): 0.96,
    ClassCell(.B, .Z): 0.95, ClassCell(.C, .X): 0.95, ClassCell(.C, .Y): 0.93, ClassCell(.C, .Z): 0.90,
  ]

  /// The configured service level of a cell (the default level where the cell has none).
  public func serviceLevel(_ cell: ClassCell) -> Double { serviceLevels[cell] ?? ItemMaster.defaultServiceLevel }

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
    let letters = ABCClass.ranked, xyzLetters = XYZClass.allCases
    let levels = letters.map { a in xyzLetters.map { x in serviceLevel(ClassCell(a, x)) } }
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
    /// `nil`: not classified then (new) or now (no sales in the new window).
    public var from: ABCClass?
    public var to: ABCClass?
    public var shareThen: Double?
    public var shareNow: Double?
    public var rankThen: Int?
    public var rankNow: Int?
    public var valueNow: Double
    public var reason: String
  }
  /// [from ABC][to ABC] → (SKUs, current value); `nil` stands for "not classified" (new or gone).
  public var counts: [ABCClass?: [ABCClass?: (skus: Int, value: Double)]] = [:]
  public var moves: [Move] = []

  public init(previous: [PreviousClass], current: [ClassifiedSKU]) {
    let before = Dictionary(previous.map { ($0.sku, $0) }, uniquingKeysWith: { a, _ in a })
    var seen = Set<String>()
    for c in current {
      seen.insert(c.sku)
      let then = before[c.sku]
      let from: ABCClass? = then?.abc
      let to: ABCClass? = c.abc
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
      counts[p.abc, default: [:]][nil, default: (0, 0)].skus += 1
      moves.append(Move(sku: p.sku, from: p.abc, to: nil, shareThen: p.share, shareNow: nil, rankThen: p.rank, rankNow: nil, valueNow: 0,
                        reason: "no sales in the new window"))
    }
    func order(_ c: ABCClass?) -> Int { c.map { ABCClass.allCases.firstIndex(of: $0)! } ?? ABCClass.allCases.count }
    moves.sort { (order($0.from), order($0.to), -$0.valueNow, $0.sku) < (order($1.from), order($1.to), -$1.valueNow, $1.sku) }
  }
}

/// A class from a classes file (`replenish classify` output, `classes.csv` of a plan): the previous month's
/// classes for transitions, or the classes whose service levels a policy run uses.
public struct PreviousClass: Sendable {
  public var sku: String
  public var abc: ABCClass
  public var xyz: XYZClass?
  public var share: Double?
  public var rank: Int?
  public var asOf: String?
  public var serviceLevel: Double?

  public init(sku: String, abc: ABCClass, xyz: XYZClass? = nil, share: Double? = nil, rank: Int? = nil, asOf: String? = nil, serviceLevel: Double? = nil) {
    self.sku = sku
    self.abc = abc
    self.xyz = xyz
    self.share = share
    self.rank = rank
    self.asOf = asOf
    self.serviceLevel = serviceLevel
  }

  /// As a classified SKU for service levels: the file's level, else the cell's configured level.
  public func classified(_ classifier: Classifier) -> ClassifiedSKU? {
    guard let xyz else { return nil }
    return ClassifiedSKU(sku: sku, abc: abc, xyz: xyz, value: 0, units: 0, share: share ?? 0, cumulativeShare: 0, rank: rank ?? 0, meanDemand: 0, cv: nil,
                         serviceLevel: serviceLevel ?? classifier.serviceLevel(ClassCell(abc, xyz)))
  }

  /// A classes file as classified SKUs by SKU, for the service levels of their cells (the file's level, else
  /// the classifier's for the cell).
  public static func classMap(path: String, classifier: Classifier) throws(CSVError) -> [String: ClassifiedSKU] {
    var map: [String: ClassifiedSKU] = [:]
    for c in try read(path: path, requireXYZ: true) { map[c.sku] = c.classified(classifier) }
    return map
  }

  /// Reads a classes file; `requireXYZ` for files whose cells set service levels.
  public static func read(path: String, requireXYZ: Bool = false) throws(CSVError) -> [PreviousClass] {
    let table = try CSVTable.read(path: path, required: requireXYZ ? ["sku", "abc", "xyz"] : ["sku", "abc"])
    var out: [PreviousClass] = []
    for row in table.rows {
      guard let sku = row.text("sku") else { throw row.error("sku", value: "", problem: "empty SKU", expected: "a SKU code") }
      guard let text = row.text("abc"), let abc = ABCClass(rawValue: text), abc != .new else {
        throw row.error("abc", value: row.text("abc") ?? "", problem: "not an ABC class", expected: "A, B or C")
      }
      var xyz: XYZClass?
      if let text = row.text("xyz") {
        guard let x = XYZClass(rawValue: text) else { throw row.error("xyz", value: text, problem: "not an XYZ class", expected: "X, Y or Z") }
        xyz = x
      } else if requireXYZ {
        throw row.error("xyz", value: "", problem: "empty XYZ class", expected: "X, Y or Z")
      }
      out.append(PreviousClass(sku: sku, abc: abc, xyz: xyz, share: try row.number("share", range: 0...1, expected: "a share between 0 and 1"),
                               rank: try row.integer("rank", minimum: 1), asOf: row.text("as_of"),
                               serviceLevel: try row.number("service_level", range: 0.5...0.9999, expected: "a probability between 0.5 and 0.9999")))
    }
    return out
  }
}

/// Counts and value per ABC class, with the XYZ split — the summary a classification run prints.
public struct ClassSummaryRow: Sendable {
  public var abc: ABCClass
  public var skus: Int
  public var value: Double
  /// Share of the total positive value.
  public var share: Double
  public var xyz: [XYZClass: Int]

  public static func rows(_ classes: [ClassifiedSKU]) -> [ClassSummaryRow] {
    let total = classes.reduce(0) { $0 + max(0, $1.value) }
    return ABCClass.ranked.map { abc in
      let members = classes.filter { $0.abc == abc }
      let value = members.reduce(0) { $0 + $1.value }
      return ClassSummaryRow(abc: abc, skus: members.count, value: value, share: total > 0 ? value / total : 0,
                             xyz: Dictionary(grouping: members, by: \.xyz).mapValues(\.count))
    }
  }
}
