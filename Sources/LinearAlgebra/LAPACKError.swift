/// A failure reported by BLAS or LAPACK through its `INFO` code, with the routine and what it means.
public enum LAPACKError: Error, Equatable, Sendable, CustomStringConvertible {
  /// `INFO = -i`: argument `i` had an illegal value. A programmer error surfaced as a value so that
  /// batch jobs can report the series instead of aborting.
  case illegalArgument(routine: String, position: Int)
  /// `dpotrf`: the leading minor of this order is not positive definite.
  case notPositiveDefinite(order: Int)
  /// `dgels`: the triangular factor has a zero diagonal element here, so the design is rank deficient.
  case rankDeficient(routine: String, diagonalIndex: Int)
  /// `dgelsd`/`dsyevd`: the iterative algorithm did not converge (`INFO > 0`).
  case noConvergence(routine: String, info: Int)
  /// Dimensions that LAPACK's 32-bit integers cannot hold, or that do not agree.
  case dimensionMismatch(String)

  public var description: String {
    switch self {
    case let .illegalArgument(routine, position):
      return "\(routine): argument \(position) had an illegal value"
    case let .notPositiveDefinite(order):
      return "matrix is not positive definite: the leading minor of order \(order) is not positive"
    case let .rankDeficient(routine, index):
      return "\(routine): design matrix is rank deficient (zero diagonal at \(index)); use a rank-revealing solver"
    case let .noConvergence(routine, info):
      return "\(routine): algorithm failed to converge (INFO = \(info))"
    case let .dimensionMismatch(message):
      return message
    }
  }
}

/// LAPACK's integer type for this build (LP64: 32-bit).
typealias LAPACKInt = Int32

/// Converts a Swift dimension to LAPACK's 32-bit integer, or throws.
@inline(__always)
func lapackInt(_ value: Int, _ what: String) throws(LAPACKError) -> LAPACKInt {
  guard let v = LAPACKInt(exactly: value) else {
    throw .dimensionMismatch("\(what) = \(value) does not fit LAPACK's 32-bit integers")
  }
  return v
}
