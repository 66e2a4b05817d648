#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Sampling
import TimeSeries

/// A seeded weekly panel whose demand processes are known exactly, for checking that promised service
/// levels are achieved: each SKU draws from one process with known per-week mean and variance, and carries
/// a cycle-service target.
///
/// ```
/// poisson:      D_t ~ Poisson(λ),                         λ ~ U(2, 30)
/// negbin:       D_t ~ NegBin(μ, size k),                   μ ~ U(3, 25), k ~ U(1, 4)   (var μ + μ²/k)
/// intermittent: D_t = B_t·G_t, B ~ Bernoulli(p), G ~ Geometric on {1, 2, …} with mean g,
///               p ~ U(0.15, 0.5), g ~ U(1.5, 6)                    (mean p·g, var p(2g² − g) − (pg)²)
/// seasonal:     Poisson(b·(1 + 0.6·sin(2πt/52 + φ))),      b ~ U(4, 30), φ ~ U(0, 2π)
/// trend:        Poisson(b·(1 + r·t/52)),                   b ~ U(4, 20), r ~ U(0.1, 0.4) a year
/// launched:     seasonal, but sold only from week `launchWeek` on (a SKU launched this year; opt-in)
/// targets:      0.90, 0.95, 0.98 in turn within each process
/// categories:   seasonal and launched SKUs: `season-k`, k = ⌊φ / (2π/8)⌋ (SKUs whose seasons peak within
///               45 days of each other); the others: their process's name
/// ```
/// SKU `i` is `<process>-<target×100>-<i>`; every value is a pure function of `(seed, i, week)`.
public struct KnownDemandPanel: Sendable {
  public enum Process: String, CaseIterable, Sendable {
    case poisson, negbin, intermittent, seasonal, trend, launched
  }

  /// Phase bins of the seasonal categories.
  public static let seasonCategories = 8

  public struct SKU: Sendable {
    public var name: String
    public var process: Process
    public var target: Double
    /// Process parameters: (λ or μ or b or p, size k or g or φ or r).
    public var a: Double
    public var b: Double
    /// The item-master category (see the type's description).
    public var category: String
    /// First week with a sale record (0 but for launched SKUs).
    public var firstWeek: Int

    /// The true mean and variance of week `t`'s demand.
    public func moments(week t: Int) -> (mean: Double, variance: Double) {
      switch process {
      case .poisson: return (a, a)
      case .negbin: return (a, a + a * a / b)
      case .intermittent: let m = a * b; return (m, a * (2 * b * b - b) - m * m)
      case .seasonal, .launched:
        guard t >= firstWeek else { return (0, 0) }
        let m = a * (1 + 0.6 * sin(2 * Double.pi * Double(t) / 52 + b)); return (m, m)
      case .trend: let m = a * (1 + b * Double(t) / 52); return (m, m)
      }
    }
  }

  public static let targets = [0.90, 0.95, 0.98]

  public let skus: [SKU]
  public let weeks: Int
  public let seed: UInt64
  /// Day number of the first Monday.
  public let startDay: Int

  /// `perCell` SKUs for every process × target, `launchedPerCell` of them for the launched process
  /// (default none: the panel of the first five processes), first sold in week `launchWeek`.
  public init(perCell: Int, launchedPerCell: Int = 0, launchWeek: Int = 74, weeks: Int = 156, seed: UInt64 = 2026,
              start: CivilDate = CivilDate(year: 2021, month: 1, day: 4)!) {
    precondition(launchWeek >= 0 && launchWeek < weeks, "the launch must fall inside the panel")
    self.weeks = weeks
    self.seed = seed
    startDay = start.dayNumber
    var skus: [SKU] = []
    for process in Process.allCases {
      for i in 0..<((process == .launched ? launchedPerCell : perCell) * Self.targets.count) {
        let target = Self.targets[i % Self.targets.count]
        var rng = SeededGenerator(seed: seed &+ UInt64(skus.count) &* 0x9E37_79B9_7F4A_7C15)
        let u = rng.uniform(), v = rng.uniform()
        let (a, b): (Double, Double) = switch process {
        case .poisson: (2 + 28 * u, 0)
        case .negbin: (3 + 22 * u, 1 + 3 * v)
        case .intermittent: (0.15 + 0.35 * u, 1.5 + 4.5 * v)
        case .seasonal, .launched: (4 + 26 * u, 2 * Double.pi * v)
        case .trend: (4 + 16 * u, 0.1 + 0.3 * v)
        }
        let category = process == .seasonal || process == .launched ? "season-\(min(Self.seasonCategories - 1, Int(v * Double(Self.seasonCategories))))" : process.rawValue
        skus.append(SKU(name: "\(process.rawValue)-\(Int((target * 100).rounded()))-\(skus.count)", process: process, target: target, a: a, b: b,
                        category: category, firstWeek: process == .launched ? launchWeek : 0))
      }
    }
    self.skus = skus
  }

  /// The weekly demand of SKU `i`, from week 0 (0 before a launched SKU's first week).
  public func demand(of i: Int) -> [Double] {
    let sku = skus[i]
    var rng = SeededGenerator(seed: (seed ^ 0xD1B5_4A32_D192_ED03) &+ UInt64(i) &* 0x2545_F491_4F6C_DD1D)
    return (0..<weeks).map { t in
      let m = sku.moments(week: t).mean
      switch sku.process {
      case .poisson, .seasonal, .trend, .launched: return Double(rng.poisson(m))
      case .negbin: return Double(rng.negativeBinomial(mean: m, size: sku.b))
      case .intermittent:
        guard rng.uniform() < sku.a else { return 0 }
        // Geometric on {1, 2, …} with mean g: success probability 1/g.
        let q = 1 - 1 / sku.b
        return 1 + (q > 0 ? (log(1 - rng.uniform()) / log(q)).rounded(.down) : 0)
      }
    }
  }

  /// The history as a weekly panel (every week from a SKU's first week has a row).
  public func panel() -> Panel {
    let frequency = Frequency.week
    let first = frequency.period(containing: startDay)
    var values: [Double] = [], offsets = [0]
    for i in skus.indices {
      values += demand(of: i)[skus[i].firstWeek...]
      offsets.append(values.count)
    }
    return Panel(frequency: frequency, keys: skus.map { SeriesKey(sku: $0.name) }, offsets: offsets,
                 startPeriods: skus.map { first + $0.firstWeek }, endPeriod: first + weeks, values: values,
                 flags: Array(repeating: .observed, count: values.count), prices: nil)
  }
}
