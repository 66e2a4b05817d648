/// The Syntetos–Boylan demand pattern of a series (see `DemandClassification`), stored as its stable
/// lower-case name.
public enum DemandPattern: String, Sendable, Codable, CaseIterable {
  case smooth, erratic, intermittent, lumpy
  /// No demand at all in the history.
  case none

  /// Intermittent or lumpy: most periods without demand (ADI ≥ 1.32).
  public var isIntermittent: Bool { self == .intermittent || self == .lumpy }
}

/// Demand pattern by the average inter-demand interval and the squared coefficient of variation of the
/// non-zero demand sizes (Syntetos, Boylan & Croston 2005, "On the categorization of demand patterns",
/// JORS 56:495–503):
/// ```
/// ADI = n / (number of periods with demand > 0)      CV² = (sd / mean)² of the non-zero demands
/// smooth: ADI < 1.32, CV² < 0.49     erratic: ADI < 1.32, CV² ≥ 0.49
/// intermittent: ADI ≥ 1.32, CV² < 0.49     lumpy: ADI ≥ 1.32, CV² ≥ 0.49
/// ```
/// Missing periods (`.nan`, stock-outs) are left out of both statistics.
public struct DemandClassification: Sendable, Equatable, Codable {
  public let adi: Double
  public let cv2: Double
  public let pattern: DemandPattern
  public static let adiCutoff = 1.32
  public static let cv2Cutoff = 0.49

  public init(_ y: [Double]) {
    let observed = y.filter { !$0.isNaN }
    let sizes = observed.filter { $0 > 0 }
    guard !sizes.isEmpty else {
      adi = .infinity
      cv2 = .nan
      pattern = .none
      return
    }
    adi = Double(observed.count) / Double(sizes.count)
    let mean = sizes.reduce(0, +) / Double(sizes.count)
    if sizes.count > 1 {
      let variance = sizes.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(sizes.count - 1)
      cv2 = variance / (mean * mean)
    } else {
      cv2 = 0
    }
    switch (adi < Self.adiCutoff, cv2 < Self.cv2Cutoff) {
    case (true, true): pattern = .smooth
    case (true, false): pattern = .erratic
    case (false, true): pattern = .intermittent
    case (false, false): pattern = .lumpy
    }
  }

  public var isIntermittent: Bool { pattern.isIntermittent }
}
