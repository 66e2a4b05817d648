import Statistics
import Foundation

/// Classical single-item inventory formulas. Notation follows Snyder & Shen (2019) *Fundamentals of Supply
/// Chain Theory*, 2nd ed., ch. 3–5 (the book stockpyl implements) and Silver, Pyke & Thomas (2017)
/// *Inventory and Production Management in Supply Chains*, 4th ed., ch. 6–7.
public enum InventoryMath {
  /// Economic order quantity Q* = √(2Kλ/h) and its cost √(2Kλh) per unit time (Harris 1913; Snyder & Shen eq. 3.4).
  public static func economicOrderQuantity(orderCost K: Double, holdingCost h: Double, demandRate lambda: Double) -> (quantity: Double, cost: Double) {
    guard K > 0, h > 0, lambda > 0 else { return (0, 0) }
    return ((2 * K * lambda / h).squareRoot(), (2 * K * lambda * h).squareRoot())
  }

  /// Standard normal loss L(z) = E[(Z − z)⁺] = φ(z) − z(1 − Φ(z)) and its complement L̄(z) = E[(z − Z)⁺] = z + L(z).
  public static func standardNormalLoss(_ z: Double) -> (loss: Double, complementary: Double) {
    let loss = normalPDF(z) - z * (1 - normalCDF(z))
    return (loss, z + loss)
  }

  /// The k with L(k) = target (fill-rate safety factor: L(k) = Q(1 − β)/σ; Silver, Pyke & Thomas eq. 7.21),
  /// by bisection on the decreasing L over [−6, 10] to 1e-12. Targets above L(−6) ≈ 6 give −6.
  public static func inverseStandardNormalLoss(_ target: Double) -> Double {
    if target <= 0 { return 10 }
    var lo = -6.0, hi = 10.0
    if target >= standardNormalLoss(lo).loss { return lo }
    for _ in 0..<200 {
      let mid = (lo + hi) / 2
      if standardNormalLoss(mid).loss > target { lo = mid } else { hi = mid }
      if hi - lo < 1e-12 { break }
    }
    return (lo + hi) / 2
  }

  /// Poisson probability mass and cumulative distribution, computed by the recursion p(k) = p(k−1)·μ/k.
  public static func poissonPMF(_ k: Int, mean mu: Double) -> Double {
    guard k >= 0 else { return 0 }
    if mu == 0 { return k == 0 ? 1 : 0 }
    return exp(Double(k) * log(mu) - mu - lgamma(Double(k) + 1))
  }

  public static func poissonCDF(_ k: Int, mean mu: Double) -> Double {
    guard k >= 0 else { return 0 }
    var p = exp(-mu), total = p
    if k == 0 { return total }
    for j in 1...k {
      p *= mu / Double(j)
      total += p
    }
    return min(1, total)
  }

  /// Poisson loss n(x) = E[(D − x)⁺] = −(x − μ)(1 − F(x)) + μ f(x) and n̄(x) = E[(x − D)⁺] = (x − μ) + n(x)
  /// (Snyder & Shen eq. C.37–C.38).
  public static func poissonLoss(_ x: Int, mean mu: Double) -> (loss: Double, complementary: Double) {
    // Σ_{d>x} (d − x) p(d) = μ(1 − F(x − 1)) − x(1 − F(x)), using d·p(d) = μ·p(d − 1).
    let loss = mu * (1 - poissonCDF(x - 1, mean: mu)) - Double(x) * (1 - poissonCDF(x, mean: mu))
    return (loss, Double(x) - mu + loss)
  }

  /// Newsvendor with normal demand: S* = μ + z_α σ, α = p/(p + h), cost (p + h)σφ(z_α) (Snyder & Shen eq. 4.24, 4.27).
  public static func newsvendorNormal(holdingCost h: Double, stockoutCost p: Double, mean mu: Double, sd sigma: Double) -> (baseStock: Double, cost: Double) {
    let z = normalQuantile(p / (p + h))
    return (mu + z * sigma, (p + h) * sigma * normalPDF(z))
  }

  /// Newsvendor cost of base-stock S with Poisson demand: g(S) = h·n̄(S) + p·n(S).
  public static func newsvendorPoissonCost(_ s: Int, holdingCost h: Double, stockoutCost p: Double, mean mu: Double) -> Double {
    let (n, nBar) = poissonLoss(s, mean: mu)
    return h * nBar + p * n
  }

  /// Newsvendor with Poisson demand: the smallest S with F(S) ≥ p/(p + h).
  public static func newsvendorPoisson(holdingCost h: Double, stockoutCost p: Double, mean mu: Double) -> (baseStock: Int, cost: Double) {
    let alpha = p / (p + h)
    var s = 0
    while poissonCDF(s, mean: mu) < alpha { s += 1 }
    return (s, newsvendorPoissonCost(s, holdingCost: h, stockoutCost: p, mean: mu))
  }

  /// (r, Q) by the EOQ + safety stock approximation: Q = EOQ, r = newsvendor on lead-time demand
  /// N(λL, σ²L) (Snyder & Shen §5.3.3).
  public static func reorderPointEOQSS(holdingCost h: Double, stockoutCost p: Double, orderCost K: Double, demandRate lambda: Double,
                                       demandSD sigma: Double, leadTime L: Double) -> (reorderPoint: Double, quantity: Double) {
    let q = economicOrderQuantity(orderCost: K, holdingCost: h, demandRate: lambda).quantity
    let r = newsvendorNormal(holdingCost: h, stockoutCost: p, mean: lambda * L, sd: sigma * L.squareRoot()).baseStock
    return (r, q)
  }

  /// Expected cost per unit time of (r, Q) with Poisson demand: g(r, Q) = (Kλ + Σ_{y=r+1}^{r+Q} g(y)) / Q (Snyder & Shen eq. 5.48).
  public static func reorderPointCostPoisson(reorderPoint r: Int, quantity q: Int, holdingCost h: Double, stockoutCost p: Double,
                                             orderCost K: Double, demandRate lambda: Double, leadTime L: Double) -> Double {
    let mu = lambda * L
    var cost = K * lambda
    for y in (r + 1)...(r + q) { cost += newsvendorPoissonCost(y, holdingCost: h, stockoutCost: p, mean: mu) }
    return cost / Double(q)
  }

  /// Optimal (r, Q) for Poisson demand (Federgruen & Zheng 1992, Operations Research 40(4)): grow Q from 1,
  /// moving r down when g(r) < g(r + Q + 1), until the cost rises.
  public static func optimalReorderPointPoisson(holdingCost h: Double, stockoutCost p: Double, orderCost K: Double,
                                                demandRate lambda: Double, leadTime L: Double) -> (reorderPoint: Int, quantity: Int, cost: Double) {
    let mu = lambda * L
    let s = newsvendorPoisson(holdingCost: h, stockoutCost: p, mean: mu).baseStock
    var q = 1, r = s - 1
    var g = reorderPointCostPoisson(reorderPoint: r, quantity: q, holdingCost: h, stockoutCost: p, orderCost: K, demandRate: lambda, leadTime: L)
    while true {
      let previous = (r, g)
      if newsvendorPoissonCost(r, holdingCost: h, stockoutCost: p, mean: mu) < newsvendorPoissonCost(r + q + 1, holdingCost: h, stockoutCost: p, mean: mu) { r -= 1 }
      g = reorderPointCostPoisson(reorderPoint: r, quantity: q + 1, holdingCost: h, stockoutCost: p, orderCost: K, demandRate: lambda, leadTime: L)
      if g > previous.1 { return (previous.0, q, previous.1) }
      q += 1
    }
  }

  /// Long-run cost per period of a periodic-review (s, S) policy with Poisson demand and zero lead time
  /// (renewal-reward form of Zheng & Federgruen 1991): c(s,S) = (K + Σ_{d=0}^{S−s−1} m(d) g(S − d)) / M(S − s),
  /// m(0) = 1/(1 − p₀), m(j) = m(0) Σ_{l=1}^{j} p_l m(j − l), M(j) = Σ_{i<j} m(i).
  public static func sSCostPoisson(s: Int, S: Int, holdingCost h: Double, stockoutCost p: Double, orderCost K: Double, mean mu: Double) -> Double {
    let span = S - s
    guard span > 0 else { return .infinity }
    let pmf = (0..<span).map { poissonPMF($0, mean: mu) }
    var m = [Double](repeating: 0, count: span)
    m[0] = 1 / (1 - pmf[0])
    if span > 1 {
      for j in 1..<span {
        var total = 0.0
        for l in 1...j { total += pmf[l] * m[j - l] }
        m[j] = m[0] * total
      }
    }
    var cost = K
    for d in 0..<span { cost += m[d] * newsvendorPoissonCost(S - d, holdingCost: h, stockoutCost: p, mean: mu) }
    return cost / m.reduce(0, +)
  }

  /// Optimal periodic-review (s, S) for Poisson demand by the Zheng & Federgruen (1991) algorithm
  /// (Operations Research 39(4), 654–665): start at the newsvendor y*, find s(S⁰), then raise S while the
  /// newsvendor cost g(S) does not exceed the incumbent cost, updating s.
  public static func optimalSSPoisson(holdingCost h: Double, stockoutCost p: Double, orderCost K: Double, mean mu: Double) -> (s: Int, S: Int, cost: Double) {
    func g(_ y: Int) -> Double { newsvendorPoissonCost(y, holdingCost: h, stockoutCost: p, mean: mu) }
    func c(_ s: Int, _ S: Int) -> Double { sSCostPoisson(s: s, S: S, holdingCost: h, stockoutCost: p, orderCost: K, mean: mu) }
    let yStar = newsvendorPoisson(holdingCost: h, stockoutCost: p, mean: mu).baseStock
    var s = yStar
    let s0 = yStar
    repeat { s -= 1 } while c(s, s0) > g(s)
    var bestS = s0, bestLittle = s
    var best = c(bestLittle, bestS)
    var upTo = bestS + 1
    while g(upTo) <= best {
      if c(bestLittle, upTo) < best {
        bestS = upTo
        while c(s, bestS) <= g(s + 1) { s += 1 }
        bestLittle = s
        best = c(bestLittle, bestS)
      }
      upTo += 1
    }
    return (bestLittle, bestS, best)
  }
}
