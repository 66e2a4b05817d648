import Foundation
import Statistics

/// Undershoot of the inventory position below the reorder point s at the review that places an order.
///
/// With periodic review, the position drops by a review period's demand X between reviews; after an
/// order it is S = s + Q (gap Q). The order is placed at the first review with position ≤ s, whose
/// undershoot U = s − position ≥ 0 adds to the demand the reorder point must cover until that order
/// arrives: a cycle stocks out iff D_L + U > s (Silver, Pyke & Thomas 2017, §7.7, (R, s, S) systems;
/// Hadley & Whitin 1963). On a grid with X's pmf p and gap G bins, by the renewal argument of Zheng &
/// Federgruen (1991):
/// ```
/// m(0) = 1 / (1 − p₀),  m(j) = Σ_{l=1}^{j} p_l m(j − l) / (1 − p₀)      (expected visits at drop j < G)
/// P(U = u) = Σ_{j<G} m(j) p_{G − j + u}
/// G = 0 (order every review, R,S):  U = X;   G → ∞:  P(U = u) → P(X > u) / E[X]  (used past 4 × X's support)
/// ```
public enum ReorderUndershoot {
  public static func distribution(reviewDemand x: DiscreteDemand, gap: Double) -> DiscreteDemand {
    let w = x.unit
    let p = x.pmf
    let gapBins = Int((gap / w).rounded())
    guard gapBins > 0 else { return x }
    guard let p0 = p.first, p0 < 1 - 1e-12, p.count > 1 else { return .zero(unit: w) }
    var u = [Double](repeating: 0, count: p.count)
    if gapBins > 4 * p.count {  // the renewal has reached equilibrium within a few review demands
      let meanBins = p.enumerated().reduce(0) { $0 + Double($1.offset) * $1.element }
      var above = 1 - p0
      for k in 0..<p.count {
        u[k] = above / meanBins
        if k + 1 < p.count { above -= p[k + 1] }
      }
    } else {
      var m = [Double](repeating: 0, count: gapBins)
      m[0] = 1 / (1 - p0)
      if gapBins > 1 {
        for j in 1..<gapBins {
          var total = 0.0
          for l in 1...min(j, p.count - 1) { total += p[l] * m[j - l] }
          m[j] = total / (1 - p0)
        }
      }
      for k in 0..<p.count {
        var total = 0.0
        // j from G − (len − 1) + k up to G − 1 keeps the index G − j + k inside the pmf.
        for j in max(0, gapBins - (p.count - 1) + k)..<gapBins { total += m[j] * p[gapBins - j + k] }
        u[k] = total
      }
    }
    let mass = u.reduce(0, +)
    guard mass > 0 else { return .zero(unit: w) }
    return DiscreteDemand(unit: w, pmf: u.map { $0 / mass })
  }
}
