/// The models available by alias on the command line and in configuration files.
public enum ModelCatalog {
  /// Aliases and what they mean, for `--help` and errors.
  public static let descriptions: [(alias: String, description: String)] = [
    ("naive", "last value (random walk)"),
    ("snaive", "value one season earlier"),
    ("drift", "random walk with drift"),
    ("mean", "mean of the history, Student-t intervals"),
    ("window<k>", "mean of the last k periods, e.g. window28"),
    ("ets", "ETS with automatic model selection by AICc (R ets())"),
    ("ets:<model>", "one ETS model, e.g. ets:AAdN, ets:MAM"),
    ("theta", "standard Theta method (R thetaf())"),
    ("autotheta", "optimised Theta family (STM/OTM/DSTM/DOTM), best in-sample MSE"),
    ("lm", "linear trend + seasonal regression (LAPACK)"),
    ("combo", "average of ets, theta and autotheta"),
    ("croston", "Croston's method, α = 0.1 (R croston())"),
    ("sba", "Syntetos–Boylan approximation: Croston × (1 − α/2)"),
    ("crostonopt", "Croston with α for sizes and intervals optimised in [0.1, 0.3]"),
    ("tsb", "Teunter–Syntetos–Babai: demand probability updated every period"),
    ("adida", "aggregate–disaggregate intermittent demand approach"),
    ("imapa", "multiple aggregation levels, averaged"),
    ("poisson", "Poisson demand (mean of the last 56 periods), exact quantiles"),
    ("negbin", "negative-binomial demand (moments of the last 56 periods), exact quantiles"),
    ("count", "Poisson or negative binomial, whichever the dispersion calls for"),
    ("auto", "per series, the best of snaive, theta, autotheta, ets and combo by rolling-origin RMSSE (combo kept unless beaten by 25 %); intermittent and lumpy series also try sba, tsb, adida, imapa and count"),
  ]

  /// Resolves one alias. `horizon` (the forecast horizon) sets `auto`'s backtest horizon.
  public static func method(_ alias: String, horizon: Int? = nil, metric: String? = nil) -> (any ForecastingMethod)? {
    let lower = alias.lowercased()
    switch lower {
    case "naive": return NaiveMethod()
    case "snaive": return SeasonalNaiveMethod()
    case "drift": return DriftMethod()
    case "mean": return AverageMethod()
    case "ets": return ETSMethod()
    case "theta": return ThetaMethod()
    case "autotheta": return AutoThetaMethod()
    case "lm": return TrendSeasonalRegressionMethod()
    case "combo": return combination
    case "auto": return AutoSelectMethod(metric: metric ?? "rmsse", horizon: horizon)
    case "croston": return CrostonMethod(variant: .classic)
    case "sba": return CrostonMethod(variant: .sba)
    case "crostonopt": return CrostonMethod(variant: .optimised)
    case "tsb": return TSBMethod()
    case "adida": return ADIDAMethod()
    case "imapa": return ADIDAMethod(multipleAggregation: true)
    case "poisson": return CountModelMethod(family: .poisson)
    case "negbin": return CountModelMethod(family: .negativeBinomial)
    case "count": return CountModelMethod()
    default:
      if lower.hasPrefix("window"), let k = Int(lower.dropFirst(6)), k > 0 { return AverageMethod(window: k) }
      if lower.hasPrefix("ets:"), let spec = ETSSpec(String(alias.dropFirst(4))) {
        return ETSMethod(alias: "ets:" + String(alias.dropFirst(4)).uppercased(), spec: spec)
      }
      return nil
    }
  }

  public static var combination: CombinationMethod {
    CombinationMethod(members: [ETSMethod(), ThetaMethod(), AutoThetaMethod()])
  }

  /// Parses `ets,theta,snaive` into methods, or says which alias is unknown.
  public static func methods(_ list: String, horizon: Int? = nil, metric: String? = nil) -> Result<[any ForecastingMethod], ForecastError> {
    var methods: [any ForecastingMethod] = []
    for alias in list.split(separator: ",").map(trimmedSpaces) where !alias.isEmpty {
      guard let method = method(alias, horizon: horizon, metric: metric) else {
        let known = descriptions.map(\.alias).joined(separator: ", ")
        return .failure(.invalidData("unknown model '\(alias)'; known: \(known)"))
      }
      methods.append(method)
    }
    if methods.isEmpty { return .failure(.invalidData("no model given; known: \(descriptions.map(\.alias).joined(separator: ", "))")) }
    return .success(methods)
  }
}

/// The text without leading and trailing spaces and tabs.
private func trimmedSpaces(_ text: Substring) -> String {
  var s = text
  while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
  while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
  return String(s)
}
