#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import TimeSeries

/// Strict, allocation-free parsers for the fields of a sales history.
package enum FieldParser {
  // MARK: Numbers

  package enum NumberProblem: Error {
    case empty, whitespace, thousandsSeparator, notFinite, outOfRange, nonASCII, malformed

    package var message: String {
      switch self {
      case .empty: return "empty number"
      case .whitespace: return "number has leading or trailing spaces"
      case .thousandsSeparator: return "number contains ',' (thousands separator or decimal comma)"
      case .notFinite: return "number is not finite (NaN or infinity)"
      case .outOfRange: return "number is out of range"
      case .nonASCII: return "number contains non-ASCII characters (e.g. full-width or Arabic-Indic digits)"
      case .malformed: return "not a number"
      }
    }
  }

  /// 10^k for 0 ≤ k ≤ 22, all exactly representable.
  @inline(__always)
  package static func powerOfTen(_ k: Int) -> Double {
    switch k {
    case 0: return 1
    case 1: return 1e1
    case 2: return 1e2
    case 3: return 1e3
    case 4: return 1e4
    case 5: return 1e5
    case 6: return 1e6
    case 7: return 1e7
    case 8: return 1e8
    case 9: return 1e9
    case 10: return 1e10
    case 11: return 1e11
    case 12: return 1e12
    case 13: return 1e13
    case 14: return 1e14
    case 15: return 1e15
    case 16: return 1e16
    case 17: return 1e17
    case 18: return 1e18
    case 19: return 1e19
    case 20: return 1e20
    case 21: return 1e21
    default: return 1e22
    }
  }

  /// Parses a plain decimal: `-?[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?` (or a leading `.`), finite.
  ///
  /// Fast path (Clinger 1990): with at most 15 significant digits and a decimal exponent of at most 22,
  /// `mantissa / 10^k` is exact-operand division and so correctly rounded. Otherwise `strtod`.
  @inline(__always)
  package static func parseNumber(_ bytes: UnsafeRawBufferPointer) -> Result<Double, NumberProblem> {
    let n = bytes.count
    if n == 0 { return .failure(.empty) }
    var i = 0
    var negative = false
    let first = bytes[0]
    if first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
      negative = first == UInt8(ascii: "-")
      i = 1
    }
    var mantissa: UInt64 = 0
    var digits = 0
    var significant = 0
    var fractionDigits = 0
    var sawDot = false
    var sawDigit = false
    while i < n {
      let c = bytes[i]
      if c &- 48 < 10 {
        sawDigit = true
        if mantissa != 0 || c != 48 { significant += 1 }
        if significant <= 19 { mantissa = mantissa &* 10 &+ UInt64(c &- 48) }
        digits += 1
        if sawDot { fractionDigits += 1 }
      } else if c == UInt8(ascii: ".") && !sawDot {
        sawDot = true
      } else {
        break
      }
      i += 1
    }
    var exponent = 0
    if i < n && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) && sawDigit {
      i += 1
      var expNegative = false
      if i < n && (bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")) {
        expNegative = bytes[i] == UInt8(ascii: "-")
        i += 1
      }
      var expDigits = 0
      while i < n, bytes[i] &- 48 < 10 {
        if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[i] &- 48) }
        expDigits += 1
        i += 1
      }
      if expDigits == 0 { return .failure(classify(bytes)) }
      if expNegative { exponent = -exponent }
    }
    if i != n || !sawDigit { return .failure(classify(bytes)) }
    let scale = exponent - fractionDigits
    if significant <= 15 && scale >= -22 && scale <= 22 {
      var value = Double(mantissa)
      value = scale < 0 ? value / powerOfTen(-scale) : value * powerOfTen(scale)
      return .success(negative ? -value : value)
    }
    // Slow path: strtod on a NUL-terminated copy (digits only were accepted above).
    var copy = [CChar](repeating: 0, count: n + 1)
    for k in 0..<n { copy[k] = CChar(bitPattern: bytes[k]) }
    let value = strtod(copy, nil)
    if !value.isFinite { return .failure(.outOfRange) }
    return .success(value)
  }

  /// Explains why a field is not a number.
  package static func classify(_ bytes: UnsafeRawBufferPointer) -> NumberProblem {
    if bytes.contains(where: { $0 >= 0x80 }) { return .nonASCII }
    let text = String(decoding: bytes, as: UTF8.self)
    let trimmed = text.trimmingSpaces
    if trimmed != text { return .whitespace }
    let lower = text.lowercased()
    for word in ["nan", "inf", "infinity", "+inf", "-inf", "+infinity", "-infinity", "-nan", "+nan"] where lower == word {
      return .notFinite
    }
    if text.contains(",") { return .thousandsSeparator }
    return .malformed
  }

  // MARK: Dates

  /// The day number of the first of the last month parsed, to skip the calendar arithmetic when
  /// consecutive rows fall in the same month.
  package struct MonthCache {
    package init() {}
    package var key = -1
    package var firstDay = 0
  }

  /// Parses `YYYY-MM-DD`, optionally followed by `T` or a space and a time `HH:MM[:SS[.fff]]`, and an
  /// optional zone `Z` or `±HH:MM` (the calendar date as written is used). Returns the day number.
  @inline(__always)
  package static func parseDay(_ b: UnsafeRawBufferPointer) -> Int? {
    var cache = MonthCache()
    return parseDay(b, cache: &cache)
  }

  @inline(__always)
  package static func parseDay(_ b: UnsafeRawBufferPointer, cache: inout MonthCache) -> Int? {
    let n = b.count
    guard n >= 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
    @inline(__always) func digit(_ i: Int) -> Int? {
      let d = b[i] &- 48
      return d < 10 ? Int(d) : nil
    }
    guard let y0 = digit(0), let y1 = digit(1), let y2 = digit(2), let y3 = digit(3),
      let m0 = digit(5), let m1 = digit(6), let d0 = digit(8), let d1 = digit(9)
    else { return nil }
    let year = y0 * 1000 + y1 * 100 + y2 * 10 + y3
    let month = m0 * 10 + m1
    let day = d0 * 10 + d1
    guard year >= 1, month >= 1, month <= 12, day >= 1, day <= CivilDate.daysInMonth(year: year, month: month) else {
      return nil
    }
    if n > 10 {
      guard validTime(b, from: 10) else { return nil }
    }
    let key = year * 12 + month
    if key != cache.key {
      cache.key = key
      cache.firstDay = CivilDate.dayNumber(year: year, month: month, day: 1)
    }
    return cache.firstDay + day - 1
  }

  /// `[T ]HH:MM(:SS(.f+)?)?(Z|[+-]HH:MM|[+-]HHMM)?` from `start` to the end.
  private static func validTime(_ b: UnsafeRawBufferPointer, from start: Int) -> Bool {
    let n = b.count
    var i = start
    guard b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: " ") else { return false }
    i += 1
    func twoDigits(_ at: Int, max: Int) -> Bool {
      guard at + 1 < n, b[at] &- 48 < 10, b[at + 1] &- 48 < 10 else { return false }
      return Int(b[at] &- 48) * 10 + Int(b[at + 1] &- 48) <= max
    }
    guard twoDigits(i, max: 23), i + 2 < n, b[i + 2] == UInt8(ascii: ":"), twoDigits(i + 3, max: 59) else { return false }
    i += 5
    if i < n && b[i] == UInt8(ascii: ":") {
      guard twoDigits(i + 1, max: 60) else { return false }
      i += 3
      if i < n && b[i] == UInt8(ascii: ".") {
        i += 1
        let fractionStart = i
        while i < n, b[i] &- 48 < 10 { i += 1 }
        if i == fractionStart { return false }
      }
    }
    if i == n { return true }
    if b[i] == UInt8(ascii: "Z") { return i + 1 == n }
    if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
      guard twoDigits(i + 1, max: 23) else { return false }
      if i + 3 == n { return true }
      if i + 6 == n && b[i + 3] == UInt8(ascii: ":") { return twoDigits(i + 4, max: 59) }
      if i + 5 == n { return twoDigits(i + 3, max: 59) }
    }
    return false
  }

  package static let acceptedDates =
    "an ISO-8601 date YYYY-MM-DD, optionally with a time (2011-01-29, 2011-01-29 08:26:00, 2011-01-29T08:26:00Z)"

  /// A hint for common non-ISO dates.
  package static func dateHint(_ bytes: UnsafeRawBufferPointer) -> String {
    let text = String(decoding: bytes, as: UTF8.self)
    if text.isEmpty { return "empty date" }
    if text.trimmingSpaces != text { return "date has leading or trailing spaces" }
    if text.contains("/") { return "date is not ISO-8601 (day/month order is ambiguous in dates like 12/01/2010)" }
    if text.count >= 10, text.utf8.count >= 10 {
      let head = Array(text.utf8.prefix(10))
      if head[4] == UInt8(ascii: "-") && head[7] == UInt8(ascii: "-") {
        return text.count == 10 ? "no such calendar date" : "date has an unrecognised time part"
      }
    }
    return "not an ISO-8601 date"
  }

  // MARK: Flags

  /// `1`/`0`, `true`/`false` (any case); empty means "not marked" (in stock).
  package static func parseInStock(_ b: UnsafeRawBufferPointer) -> Bool? {
    if b.count == 0 { return true }
    if b.count == 1 {
      if b[0] == UInt8(ascii: "1") { return true }
      if b[0] == UInt8(ascii: "0") { return false }
      return nil
    }
    switch String(decoding: b, as: UTF8.self).lowercased() {
    case "true": return true
    case "false": return false
    default: return nil
    }
  }
}

extension String {
  /// The string without leading and trailing ASCII spaces and tabs.
  package var trimmingSpaces: String {
    var s = Substring(self)
    while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
    while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
    return String(s)
  }
}
