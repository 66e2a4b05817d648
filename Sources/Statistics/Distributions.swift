import Foundation

/// Standard normal quantile Φ⁻¹(p), accurate to about 1e-16 (Wichura 1988, algorithm AS 241, PPND16).
///
/// Reference: M. J. Wichura, "Algorithm AS 241: The percentage points of the normal distribution",
/// Applied Statistics 37 (1988) 477–484. `p` outside (0, 1) gives ∓∞ / NaN.
public func normalQuantile(_ p: Double) -> Double {
  if p.isNaN || p < 0 || p > 1 { return .nan }
  if p == 0 { return -.infinity }
  if p == 1 { return .infinity }
  let q = p - 0.5
  if abs(q) <= 0.425 {
    let r = 0.180625 - q * q
    return q * horner(AS241.centralNumerator, r) / horner(AS241.centralDenominator, r)
  }
  var r = q < 0 ? p : 1 - p
  r = (-log(r)).squareRoot()
  let value: Double
  if r <= 5 {
    r -= 1.6
    value = horner(AS241.intermediateNumerator, r) / horner(AS241.intermediateDenominator, r)
  } else {
    r -= 5
    value = horner(AS241.tailNumerator, r) / horner(AS241.tailDenominator, r)
  }
  return q < 0 ? -value : value
}

/// Evaluates Σ cₖ·x^k with coefficients from the highest degree down.
@inline(__always)
func horner(_ coefficients: [Double], _ x: Double) -> Double {
  var result = 0.0
  for c in coefficients { result = result * x + c }
  return result
}

/// Coefficients of AS 241 (PPND16), highest degree first.
enum AS241 {
  static let centralNumerator: [Double] = [
    2509.0809287301226727, 33430.575583588128105, 67265.770927008700853, 45921.953931549871457,
    13731.693765509461125, 1971.5909503065514427, 133.14166789178437745, 3.387132872796366608,
  ]
  static let centralDenominator: [Double] = [
    5226.495278852545925, 28729.085735721942674, 39307.89580009271061, 21213.794301586595867,
    5394.1960214247511077, 687.1870074920579083, 42.313330701600911252, 1,
  ]
  static let intermediateNumerator: [Double] = [
    7.7454501427834140764e-4, 0.0227238449892691845833, 0.24178072517745061177, 1.27045825245236838258,
    3.64784832476320460504, 5.7694972214606914055, 4.6303378461565452959, 1.42343711074968357734,
  ]
  static let intermediateDenominator: [Double] = [
    1.05075007164441684324e-9, 5.475938084995344946e-4, 0.0151986665636164571966, 0.14810397642748007459,
    0.68976733498510000455, 1.6763848301838038494, 2.05319162663775882187, 1,
  ]
  static let tailNumerator: [Double] = [
    2.01033439929228813265e-7, 2.71155556874348757815e-5, 0.0012426609473880784386, 0.026532189526576123093,
    0.29656057182850489123, 1.7848265399172913358, 5.4637849111641143699, 6.6579046435011037772,
  ]
  static let tailDenominator: [Double] = [
    2.04426310338993978564e-15, 1.4215117583164458887e-7, 1.8463183175100546818e-5, 7.868691311456132591e-4,
    0.0148753612908506148525, 0.13692988092273580531, 0.59983220655588793769, 1,
  ]
}

/// Standard normal CDF Φ(x) = ½·erfc(−x/√2).
public func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

/// Standard normal density φ(x).
public func normalPDF(_ x: Double) -> Double { exp(-0.5 * x * x) / (2 * Double.pi).squareRoot() }

/// Regularised incomplete beta Iₓ(a, b) by its continued fraction (modified Lentz).
///
/// Reference: Abramowitz & Stegun 26.5.8; DiDonato & Morris (1992) for the symmetry switch.
public func regularizedIncompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
  if x <= 0 { return 0 }
  if x >= 1 { return 1 }
  let logBeta: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
  let logPowers: Double = a * log(x) + b * log(1 - x)
  let logFront = logBeta + logPowers
  if x > (a + 1) / (a + b + 2) { return 1 - regularizedIncompleteBeta(1 - x, b, a) }
  let tiny = 1e-300
  var c = 1.0
  var d = 1 - (a + b) * x / (a + 1)
  if abs(d) < tiny { d = tiny }
  d = 1 / d
  var f = d
  for m in 1...500 {
    let mm = Double(m)
    // Even step.
    var numerator = mm * (b - mm) * x / ((a + 2 * mm - 1) * (a + 2 * mm))
    d = 1 + numerator * d
    if abs(d) < tiny { d = tiny }
    c = 1 + numerator / c
    if abs(c) < tiny { c = tiny }
    d = 1 / d
    f *= d * c
    // Odd step.
    numerator = -(a + mm) * (a + b + mm) * x / ((a + 2 * mm) * (a + 2 * mm + 1))
    d = 1 + numerator * d
    if abs(d) < tiny { d = tiny }
    c = 1 + numerator / c
    if abs(c) < tiny { c = tiny }
    d = 1 / d
    let delta = d * c
    f *= delta
    if abs(delta - 1) < 1e-15 { break }
  }
  return exp(logFront) * f / a
}

/// Student-t CDF with ν degrees of freedom.
public func studentTCDF(_ t: Double, degreesOfFreedom nu: Double) -> Double {
  let x = nu / (nu + t * t)
  let tail = 0.5 * regularizedIncompleteBeta(x, nu / 2, 0.5)
  return t > 0 ? 1 - tail : tail
}

/// Student-t quantile: Newton steps on the CDF from the normal quantile (Cornish–Fisher start),
/// accurate to ~1e-12 for ν ≥ 1.
public func studentTQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
  if p <= 0 { return -.infinity }
  if p >= 1 { return .infinity }
  if p == 0.5 { return 0 }
  if nu.isInfinite { return normalQuantile(p) }
  let z = normalQuantile(p)
  // Cornish–Fisher expansion (Abramowitz & Stegun 26.7.5) as the starting point.
  let g1 = (z * z * z + z) / 4.0
  let z3 = z * z * z
  let g2 = (5 * z3 * z * z + 16 * z3 + 3 * z) / 96
  var t = z + g1 / nu + g2 / (nu * nu)
  if nu < 3 { t = z * (1 + 1 / nu) * (nu < 2 ? 3 : 1.5) }
  for _ in 0..<60 {
    let f = studentTCDF(t, degreesOfFreedom: nu) - p
    let logNormaliser: Double = lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * log(nu * Double.pi)
    let kernel: Double = pow(1 + t * t / nu, -(nu + 1) / 2)
    let density = exp(logNormaliser) * kernel
    let step = f / density
    t -= max(-5, min(5, step))
    if abs(step) < 1e-13 * max(1, abs(t)) { break }
  }
  return t
}

/// Sample quantile, Hyndman & Fan (1996) type 8 (median-unbiased), R's `quantile(type = 8)`.
/// `sorted` must be ascending and non-empty.
public func quantileType8(sorted: [Double], _ p: Double) -> Double {
  let n = Double(sorted.count)
  let h = (n + 1.0 / 3.0) * p + 1.0 / 3.0
  if h <= 1 { return sorted[0] }
  if h >= n { return sorted[sorted.count - 1] }
  let lo = Int(h.rounded(.down))
  return sorted[lo - 1] + (h - Double(lo)) * (sorted[lo] - sorted[lo - 1])
}
