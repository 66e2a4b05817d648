/// Result of a Nelder–Mead minimisation.
public struct NelderMeadResult: Sendable {
  public var point: [Double]
  public var value: Double
  public var evaluations: Int
  public var converged: Bool
}

/// Minimises `f` by the Nelder–Mead simplex method in the variant of Nash (1990), *Compact Numerical
/// Methods for Computers*, Algorithm 19 — the variant behind R's `optim(method = "Nelder-Mead")` and the
/// optimiser R's `ets()` uses.
///
/// ```
/// initial simplex: x₀ and x₀ + s·eⱼ,  s = max(0.1·max|x₀ᵢ|, 0.1 if that is 0)  (or sⱼ = initialSteps[j]:
///                  a small simplex around a point already near the optimum)
/// reflection  R = (1+α)·c − α·x_H          (α = 1)
/// expansion   E = γ·R + (1−γ)·c             (γ = 2)   when f(R) < f_L
/// contraction C = (1−β)·x_H + β·c           (β = 0.5) otherwise (after x_H ← R if f(R) < f_H)
/// shrink      xⱼ ← β·(xⱼ − x_L) + x_L      when the contraction fails and f(R) ≥ f_H
/// stop when   f_H ≤ f_L + tol·(|f(x₀)| + tol), or after `maxEvaluations`
/// ```
/// Non-finite objective values count as `1e35` (infeasible points), as in R.
public func nelderMead(
  start: [Double], maxEvaluations: Int = 2000, relativeTolerance: Double = 1.4901161193847656e-08,
  initialSteps: [Double]? = nil, _ f: ([Double]) -> Double
) -> NelderMeadResult {
  nelderMead(start: start, maxEvaluations: maxEvaluations, relativeTolerance: relativeTolerance, initialSteps: initialSteps) { x, _ in f(x) }
}

/// The same search, telling the objective at each point the value it must beat to change the search:
/// a trial point whose value is at or above `mattersBelow` is rejected whatever that value is (a reflected
/// point not below the worst vertex, an expanded one not below the reflected, a contracted one not below
/// the worst), so the objective may return any value ≥ `mattersBelow` for it — in particular skip an
/// expensive feasibility test that could only turn the value into +∞. Vertex values it stores (the start,
/// a shrunken simplex) are asked with `mattersBelow = +∞`. The path and the result are those of
/// `nelderMead(start:…, f)` with the exact objective.
public func nelderMead(
  start: [Double], maxEvaluations: Int = 2000, relativeTolerance: Double = 1.4901161193847656e-08,
  initialSteps: [Double]? = nil, bounded f: ([Double], _ mattersBelow: Double) -> Double
) -> NelderMeadResult {
  let n = start.count
  let big = 1.0e35
  func evaluate(_ x: [Double], mattersBelow: Double = .infinity) -> Double {
    let v = f(x, mattersBelow)
    return v.isFinite ? v : big
  }
  let f0 = f(start, .infinity)
  guard f0.isFinite else { return NelderMeadResult(point: start, value: f0, evaluations: 1, converged: false) }
  if n == 0 { return NelderMeadResult(point: start, value: f0, evaluations: 1, converged: true) }
  let convergenceTolerance = relativeTolerance * (abs(f0) + relativeTolerance)
  let (alpha, beta, gamma) = (1.0, 0.5, 2.0)
  var evaluations = 1
  // Vertices 0…n; vertex 0 is the start.
  var vertices = [[Double]](repeating: start, count: n + 1)
  var values = [Double](repeating: 0, count: n + 1)
  values[0] = f0
  var step = 0.0
  for x in start where 0.1 * abs(x) > step { step = 0.1 * abs(x) }
  if step == 0 { step = 0.1 }
  var size = 0.0
  for j in 1...n {
    var trial = initialSteps.map { $0[j - 1] != 0 ? $0[j - 1] : step } ?? step
    while vertices[j][j - 1] == start[j - 1] {
      vertices[j][j - 1] = start[j - 1] + trial
      trial *= 10
    }
    size += trial
  }
  var oldSize = size
  var recompute = true
  var lowest = 0
  var converged = false
  var centroid = [Double](repeating: 0, count: n)
  var trialPoint = [Double](repeating: 0, count: n)
  while evaluations <= maxEvaluations {
    if recompute {
      for j in 0...n where j != lowest {
        values[j] = evaluate(vertices[j])
        evaluations += 1
      }
      recompute = false
    }
    var valueLow = values[lowest], valueHigh = valueLow
    var highest = lowest
    for j in 0...n where j != lowest {
      let v = values[j]
      if v < valueLow {
        lowest = j
        valueLow = v
      }
      if v > valueHigh {
        highest = j
        valueHigh = v
      }
    }
    if valueHigh <= valueLow + convergenceTolerance {
      converged = true
      break
    }
    for i in 0..<n {
      var sum = -vertices[highest][i]
      for j in 0...n { sum += vertices[j][i] }
      centroid[i] = sum / Double(n)
    }
    for i in 0..<n { trialPoint[i] = (1 + alpha) * centroid[i] - alpha * vertices[highest][i] }
    let valueReflected = evaluate(trialPoint, mattersBelow: valueHigh)
    evaluations += 1
    if valueReflected < valueLow {
      let reflected = trialPoint
      for i in 0..<n { trialPoint[i] = gamma * reflected[i] + (1 - gamma) * centroid[i] }
      let valueExpanded = evaluate(trialPoint, mattersBelow: valueReflected)
      evaluations += 1
      if valueExpanded < valueReflected {
        vertices[highest] = trialPoint
        values[highest] = valueExpanded
      } else {
        vertices[highest] = reflected
        values[highest] = valueReflected
      }
    } else {
      if valueReflected < valueHigh {
        vertices[highest] = trialPoint
        values[highest] = valueReflected
      }
      for i in 0..<n { trialPoint[i] = (1 - beta) * vertices[highest][i] + beta * centroid[i] }
      let valueContracted = evaluate(trialPoint, mattersBelow: values[highest])
      evaluations += 1
      if valueContracted < values[highest] {
        vertices[highest] = trialPoint
        values[highest] = valueContracted
      } else if valueReflected >= valueHigh {
        recompute = true
        size = 0
        for j in 0...n where j != lowest {
          for i in 0..<n {
            vertices[j][i] = beta * (vertices[j][i] - vertices[lowest][i]) + vertices[lowest][i]
            size += abs(vertices[j][i] - vertices[lowest][i])
          }
        }
        if size < oldSize {
          oldSize = size
        } else {
          break  // the simplex no longer shrinks
        }
      }
    }
  }
  var best = 0
  for j in 0...n where values[j] < values[best] { best = j }
  return NelderMeadResult(point: vertices[best], value: values[best], evaluations: evaluations, converged: converged)
}
