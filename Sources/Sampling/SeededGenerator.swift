#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// xoshiro256** seeded through SplitMix64: fast, reproducible across platforms and runs.
///
/// Reference: Blackman & Vigna, "Scrambled linear pseudorandom number generators" (2021).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var s0, s1, s2, s3: UInt64

  public init(seed: UInt64) {
    var x = seed
    func splitMix() -> UInt64 {
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s0 = splitMix()
    s1 = splitMix()
    s2 = splitMix()
    s3 = splitMix()
  }

  public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << 45) | (s3 >> 19)
    return result
  }

  /// Uniform on [0, 1).
  public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

  /// Standard normal (Box–Muller).
  public mutating func normal() -> Double {
    let u1 = max(uniform(), 1e-300)
    let u2 = uniform()
    return sqrt(-2 * log(u1)) * cos(2 * Double.pi * u2)
  }

  /// Poisson(λ): inversion for λ < 30, normal approximation with continuity correction above.
  public mutating func poisson(_ lambda: Double) -> Int {
    if lambda <= 0 { return 0 }
    if lambda < 30 {
      var k = 0
      var p = exp(-lambda)
      var cumulative = p
      let u = uniform()
      while u > cumulative && k < 1000 {
        k += 1
        p *= lambda / Double(k)
        cumulative += p
      }
      return k
    }
    return max(0, Int((lambda + sqrt(lambda) * normal() + 0.5).rounded(.down)))
  }

  /// Gamma(shape, scale) by Marsaglia & Tsang (2000).
  public mutating func gamma(shape: Double, scale: Double) -> Double {
    if shape < 1 {
      return gamma(shape: shape + 1, scale: scale) * pow(max(uniform(), 1e-300), 1 / shape)
    }
    let d = shape - 1.0 / 3.0
    let c = 1 / sqrt(9 * d)
    while true {
      var x = 0.0, v = 0.0
      repeat {
        x = normal()
        v = 1 + c * x
      } while v <= 0
      v = v * v * v
      let u = uniform()
      if u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v * scale }
    }
  }

  /// Negative binomial with mean μ and size r (variance μ + μ²/r), as a gamma–Poisson mixture.
  public mutating func negativeBinomial(mean: Double, size: Double) -> Int {
    if mean <= 0 { return 0 }
    return poisson(gamma(shape: size, scale: mean / size))
  }
}
