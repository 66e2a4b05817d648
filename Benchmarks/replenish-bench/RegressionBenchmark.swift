import Forecasting
import Foundation
import LinearAlgebra
import Sampling

/// Batched regression (one factorisation, many right-hand sides) against a loop of per-SKU solves, on
/// M5-shaped dimensions, with the GFLOP/s reached next to the dgemm ceiling of this machine.
func regressionBenchmark(series: Int, periods: Int, pairs: Int, events: Int, chunk: Int, loopSeries: Int) throws {
  BLAS.setThreadCount(1)
  var rng = SeededGenerator(seed: 5)
  let eventColumns = (0..<events).map { e in (0..<periods).map { ($0 + 17 * e) % (40 + e) == 0 ? 1.0 : 0 } }
  let x = BatchedRegression.design(first: 0, count: periods, origin: 0, seasonLength: 7, pairs: pairs, events: eventColumns)
  let k = x.columns
  func block(_ count: Int) -> (Matrix, Matrix, Matrix) {
    var y = Matrix(rows: periods, columns: count), lp = Matrix(rows: periods, columns: count), promo = Matrix(rows: periods, columns: count)
    for s in 0..<count {
      for i in 0..<periods {
        let onPromo = rng.uniform() < 0.08
        lp[i, s] = log(3 * (onPromo ? 0.8 : 1) * (1 + 0.03 * rng.normal()))
        promo[i, s] = onPromo ? 1 : 0
        y[i, s] = max(0, 4 + 2 * sin(Double(i) * 0.9) - 1.8 * lp[i, s] + 3 * promo[i, s] + rng.normal())
      }
    }
    return (y, lp, promo)
  }
  // Dense ceiling: dgemm of the same inner size.
  let a = Matrix(rows: 1000, columns: 1000, repeating: 1.0001), b = Matrix(rows: 1000, columns: 1000, repeating: 0.9999)
  var t = now()
  _ = try gemm(a, b)
  let ceiling = 2e9 / (now() - t) / 1e9
  // Batched, in chunks of `chunk` SKUs (bounded memory: 3·chunk right-hand sides per solve).
  var batchedSeconds = 0.0, flops = 0.0
  var done = 0
  while done < series {
    let count = min(chunk, series - done)
    let (y, lp, promo) = block(count)
    t = now()
    let fit = try BatchedRegression(ridge: 0.1).fit(design: x, y: y, logPrice: lp, promo: promo)
    batchedSeconds += now() - t
    flops += fit.flops
    done += count
  }
  // Per-SKU loop on `loopSeries` SKUs, scaled to the same count.
  let (y, lp, promo) = block(loopSeries)
  t = now()
  _ = try BatchedRegression.fitEach(design: x, y: y, logPrice: lp, promo: promo)
  let loopSeconds = (now() - t) / Double(loopSeries) * Double(series)
  print(String(format: "regression: %d SKUs × %d periods, %d calendar terms + log price + promotion, BLAS 1 thread", series, periods, k))
  print(String(format: "  batched (thin QR once, QᵀB and residuals by dgemm, %d right-hand sides per chunk): %.2f s, %.1f GFLOP/s", 3 * chunk, batchedSeconds, flops / batchedSeconds / 1e9))
  print(String(format: "  per-SKU loop (one dgelsd per SKU, measured on %d, scaled): %.2f s → batched %.1f× faster", loopSeries, loopSeconds, loopSeconds / batchedSeconds))
  print(String(format: "  dgemm ceiling (n = 1000, 1 thread): %.1f GFLOP/s; batched path at %.0f%% of it; peak memory %.0f MiB",
               ceiling, 100 * flops / batchedSeconds / 1e9 / ceiling, peakRSSMiB()))
}
