import CSV
import Forecasting
import Policy

extension ClassificationInputs {
  /// XYZ by forecast error instead of demand: CV = one-step in-sample RMSE of `method` ÷ mean demand over
  /// the window, per SKU (in parallel). SKUs whose model cannot be fitted, or without demand, keep the
  /// demand CV.
  public static func withForecastErrorCV(_ inputs: [ClassificationInput], method: any ForecastingMethod, seasonLength: Int, threads: Int) -> [ClassificationInput] {
    let cvs = parallelMap(count: inputs.count, threads: threads) { i -> Double? in
      let y = inputs[i].periodDemand
      let observed = y.filter { !$0.isNaN }
      let mean = observed.reduce(0, +) / Double(max(1, observed.count))
      guard mean > 0, let fit = try? method.fitCensored(y, seasonLength: seasonLength) else { return nil }
      let errors = fit.forecast(horizon: 1, levels: []).residuals.filter(\.isFinite)
      guard !errors.isEmpty else { return nil }
      return (errors.reduce(0) { $0 + $1 * $1 } / Double(errors.count)).squareRoot() / mean
    }
    var out = inputs
    for i in out.indices { out[i].forecastErrorCV = cvs[i] }
    return out
  }
}

extension PlanTables {
  /// The labels of a transition matrix: A, B, C, and "-" for not classified (new or no sales).
  public static func transitionLabel(_ c: ABCClass?) -> String { c?.rawValue ?? "-" }
  public static let transitionClasses: [ABCClass?] = [.A, .B, .C, nil]

  /// `from,to,skus,value`: the non-empty cells of the transition matrix.
  public static func transitions(_ t: ClassTransition) -> String {
    var out = "from,to,skus,value\n"
    for from in transitionClasses {
      for to in transitionClasses {
        guard let cell = t.counts[from]?[to], cell.skus > 0 else { continue }
        out += "\(transitionLabel(from)),\(transitionLabel(to)),\(cell.skus),\(n(cell.value))\n"
      }
    }
    return out
  }

  /// The SKUs that changed class, with the reason.
  public static func moves(_ t: ClassTransition) -> String {
    var out = "sku,from,to,share_then,share_now,rank_then,rank_now,value_now,reason\n"
    for m in t.moves {
      out += [csvField(m.sku), transitionLabel(m.from), transitionLabel(m.to), m.shareThen.map { n($0, 6) } ?? "", m.shareNow.map { n($0, 6) } ?? "",
              m.rankThen.map(String.init) ?? "", m.rankNow.map(String.init) ?? "", n(m.valueNow), csvField(m.reason)].joined(separator: ",") + "\n"
    }
    return out
  }
}
