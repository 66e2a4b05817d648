import Foundation
import Ledger

/// A JSON value as parsed from a request body, strictly (RFC 8259): numbers keep their text so that
/// `2.0`, `1e3` and `9007199254740993` are told apart from whole numbers; duplicate keys are an error.
indirect enum JSONValue: Sendable, Equatable {
  case null
  case bool(Bool)
  case number(String)
  case string(String)
  case array([JSONValue])
  case object([(String, JSONValue)])

  static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): true
    case (.bool(let x), .bool(let y)): x == y
    case (.number(let x), .number(let y)): x == y
    case (.string(let x), .string(let y)): x == y
    case (.array(let x), .array(let y)): x == y
    case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: false
    }
  }

  var typeName: String {
    switch self {
    case .null: "null"
    case .bool: "a boolean"
    case .number: "a number"
    case .string: "a string"
    case .array: "an array"
    case .object: "an object"
    }
  }
}

/// A request body that cannot be used, with the JSON field (as a JSON Pointer, RFC 6901) it is about.
struct BodyError: Error, Sendable {
  enum Kind: String, Sendable {
    case malformed = "MALFORMED_JSON", unknownField = "UNKNOWN_FIELD", missingField = "MISSING_FIELD"
    case wrongType = "INVALID_TYPE", invalidQuantity = "INVALID_QUANTITY", invalidValue = "INVALID_VALUE"
  }
  var kind: Kind
  var pointer: String
  var value: String?
  var message: String
}

/// Parses JSON text strictly: one value, nesting at most 32 deep, no duplicate keys, no trailing data.
struct JSONParser {
  private let bytes: [UInt8]
  private var i = 0
  private var depth = 0
  static let maximumDepth = 32

  static func parse(_ bytes: [UInt8]) throws(BodyError) -> JSONValue {
    var parser = JSONParser(bytes: bytes)
    parser.skipSpace()
    let value = try parser.value()
    parser.skipSpace()
    guard parser.i == bytes.count else { throw parser.fail("unexpected data after the JSON value") }
    return value
  }

  private init(bytes: [UInt8]) { self.bytes = bytes }

  private func fail(_ what: String) -> BodyError {
    // Line and column of the offending byte, for people reading the error.
    var line = 1, column = 1
    for b in bytes[..<min(i, bytes.count)] {
      if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
    }
    return BodyError(kind: .malformed, pointer: "", value: nil, message: "the body is not valid JSON: \(what) at line \(line), column \(column)")
  }

  private mutating func skipSpace() {
    while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
  }

  private mutating func value() throws(BodyError) -> JSONValue {
    guard i < bytes.count else { throw fail("unexpected end") }
    switch bytes[i] {
    case UInt8(ascii: "{"): return try object()
    case UInt8(ascii: "["): return try array()
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): try literal("true"); return .bool(true)
    case UInt8(ascii: "f"): try literal("false"); return .bool(false)
    case UInt8(ascii: "n"): try literal("null"); return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
    default: throw fail("unexpected character")
    }
  }

  private mutating func literal(_ word: String) throws(BodyError) {
    let w = Array(word.utf8)
    guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { throw fail("unexpected character") }
    i += w.count
  }

  private mutating func enter() throws(BodyError) {
    depth += 1
    guard depth <= Self.maximumDepth else { throw fail("nesting deeper than \(Self.maximumDepth)") }
  }

  private mutating func object() throws(BodyError) -> JSONValue {
    try enter()
    i += 1
    var fields: [(String, JSONValue)] = []
    var seen = Set<String>()
    skipSpace()
    if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; depth -= 1; return .object([]) }
    while true {
      skipSpace()
      guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a field name in quotes") }
      let name = try string()
      guard seen.insert(name).inserted else { throw fail("field \"\(name)\" appears twice") }
      skipSpace()
      guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
      i += 1
      skipSpace()
      fields.append((name, try value()))
      skipSpace()
      guard i < bytes.count else { throw fail("unexpected end inside an object") }
      if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
      guard bytes[i] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
      i += 1
      depth -= 1
      return .object(fields)
    }
  }

  private mutating func array() throws(BodyError) -> JSONValue {
    try enter()
    i += 1
    var items: [JSONValue] = []
    skipSpace()
    if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; depth -= 1; return .array([]) }
    while true {
      skipSpace()
      items.append(try value())
      skipSpace()
      guard i < bytes.count else { throw fail("unexpected end inside an array") }
      if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
      guard bytes[i] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
      i += 1
      depth -= 1
      return .array(items)
    }
  }

  private mutating func number() throws(BodyError) -> String {
    let start = i
    if bytes[i] == UInt8(ascii: "-") { i += 1 }
    func digits(_ p: inout JSONParser) -> Int {
      let s = p.i
      while p.i < p.bytes.count, p.bytes[p.i] >= 0x30, p.bytes[p.i] <= 0x39 { p.i += 1 }
      return p.i - s
    }
    let intStart = i
    let n = digits(&self)
    guard n > 0 else { throw fail("expected digits") }
    if n > 1 && bytes[intStart] == UInt8(ascii: "0") { throw fail("a number with a leading zero") }
    if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
      i += 1
      guard digits(&self) > 0 else { throw fail("expected digits after '.'") }
    }
    if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
      i += 1
      if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
      guard digits(&self) > 0 else { throw fail("expected digits in the exponent") }
    }
    return String(decoding: bytes[start..<i], as: UTF8.self)
  }

  private mutating func string() throws(BodyError) -> String {
    i += 1
    var out: [UInt8] = []
    while true {
      guard i < bytes.count else { throw fail("unterminated string") }
      let b = bytes[i]
      if b == UInt8(ascii: "\"") { i += 1; break }
      guard b >= 0x20 else { throw fail("a control character inside a string (escape it)") }
      if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
      i += 1
      guard i < bytes.count else { throw fail("unterminated escape") }
      let e = bytes[i]
      i += 1
      switch e {
      case UInt8(ascii: "\""): out.append(0x22)
      case UInt8(ascii: "\\"): out.append(0x5C)
      case UInt8(ascii: "/"): out.append(0x2F)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0C)
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "u"):
        var scalar = try hex4()
        if (0xD800..<0xDC00).contains(scalar) {
          guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else { throw fail("a lone surrogate escape") }
          i += 2
          let low = try hex4()
          guard (0xDC00..<0xE000).contains(low) else { throw fail("a lone surrogate escape") }
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(scalar) {
          throw fail("a lone surrogate escape")
        }
        out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
      default: throw fail("an unknown escape")
      }
    }
    guard let s = String(validating: out, as: UTF8.self) else { throw fail("a string that is not UTF-8") }
    return s
  }

  private mutating func hex4() throws(BodyError) -> UInt32 {
    guard i + 4 <= bytes.count else { throw fail("a short \\u escape") }
    var v: UInt32 = 0
    for _ in 0..<4 {
      let b = bytes[i]
      let d: UInt32
      switch b {
      case 0x30...0x39: d = UInt32(b - 0x30)
      case 0x41...0x46: d = UInt32(b - 0x41 + 10)
      case 0x61...0x66: d = UInt32(b - 0x61 + 10)
      default: throw fail("a bad \\u escape")
      }
      v = v * 16 + d
      i += 1
    }
    return v
  }
}

/// Reads the fields of one JSON object, each at most once, and refuses fields it was not asked for
/// (`finish()`), so that a misspelt `quantiy` is an error, not a silently ignored field.
struct JSONFields {
  let pointer: String
  private let fields: [(String, JSONValue)]
  private var read = Set<String>()

  init(_ value: JSONValue, pointer: String) throws(BodyError) {
    guard case .object(let f) = value else {
      throw BodyError(kind: .wrongType, pointer: pointer, value: nil, message: "\(pointer.isEmpty ? "the body" : pointer) is \(value.typeName); expected an object")
    }
    self.pointer = pointer
    fields = f
  }

  private func path(_ name: String) -> String {
    // RFC 6901 escapes; field names here rarely hold either character, so the common case is no copy.
    guard name.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return pointer + "/" + name }
    return pointer + "/" + name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
  }

  private mutating func raw(_ name: String) -> JSONValue? {
    read.insert(name)
    return fields.first { $0.0 == name }?.1
  }

  /// The rule for every name and text value, in bodies and in query strings: 1–`maximumBytes` bytes of
  /// UTF-8 without control characters.
  static func isText(_ s: String, maximumBytes: Int) -> Bool {
    !s.isEmpty && s.utf8.count <= maximumBytes && !s.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
  }

  /// Whether the field is present (even as null).
  func has(_ name: String) -> Bool { fields.contains { $0.0 == name } }

  /// The field's value; nil when it is absent (refused if `required`). `null` stands for "absent" only
  /// where the contract says so (`nullable`, e.g. `cap`); elsewhere it is refused as the wrong type.
  private mutating func present(_ name: String, required: Bool, nullable: Bool = false, expected: String) throws(BodyError) -> JSONValue? {
    guard let v = raw(name) else {
      if required { throw BodyError(kind: .missingField, pointer: path(name), value: nil, message: "\(path(name)) is required: \(expected)") }
      return nil
    }
    guard v == .null else { return v }
    if nullable && !required { return nil }
    throw BodyError(kind: .wrongType, pointer: path(name), value: nil,
                    message: "\(path(name)) is null; expected \(expected)\(required ? "" : " (leave the field out for the default)")")
  }

  mutating func string(_ name: String, required: Bool = true, maximumBytes: Int = 255) throws(BodyError) -> String? {
    guard let v = try present(name, required: required, expected: "a string of 1–\(maximumBytes) bytes") else { return nil }
    guard case .string(let s) = v else {
      throw BodyError(kind: .wrongType, pointer: path(name), value: nil, message: "\(path(name)) is \(v.typeName); expected a string of 1–\(maximumBytes) bytes")
    }
    guard Self.isText(s, maximumBytes: maximumBytes) else {
      throw BodyError(kind: .invalidValue, pointer: path(name), value: Self.excerpt(s),
                      message: "\(path(name)) \(Self.excerpt(s)): expected 1–\(maximumBytes) bytes of text without control characters")
    }
    return s
  }

  /// A whole number in `range` (a quantity: `2.5`, `2.0`, `1e3`, `-1` and `"2"` are all refused).
  mutating func integer(_ name: String, required: Bool = true, nullable: Bool = false, in range: ClosedRange<Int>, what: String = "a whole number") throws(BodyError) -> Int? {
    guard let v = try present(name, required: required, nullable: nullable, expected: "\(what) from \(range.lowerBound) to \(range.upperBound)") else { return nil }
    guard case .number(let text) = v else {
      throw BodyError(kind: .wrongType, pointer: path(name), value: nil, message: "\(path(name)) is \(v.typeName); expected \(what) from \(range.lowerBound) to \(range.upperBound)")
    }
    guard let n = Int(text), range.contains(n) else {
      throw BodyError(kind: .invalidQuantity, pointer: path(name), value: text,
                      message: "\(path(name)) \(text): expected \(what) from \(range.lowerBound) to \(range.upperBound) (no fraction, sign or exponent beyond that)")
    }
    return n
  }

  /// A money amount as a decimal string or number with at most 6 decimals, ≥ 0 → micro-units.
  mutating func money(_ name: String) throws(BodyError) -> Int? {
    guard let v = try present(name, required: false, expected: "an amount such as \"12.34\" (≥ 0, at most 6 decimals)") else { return nil }
    let text: String
    switch v {
    case .number(let t): text = t
    case .string(let t): text = t
    default: throw BodyError(kind: .wrongType, pointer: path(name), value: nil, message: "\(path(name)) is \(v.typeName); expected an amount such as \"12.34\" (≥ 0, at most 6 decimals)")
    }
    guard let micros = LedgerText.micros(text), micros >= 0 else {
      throw BodyError(kind: .invalidValue, pointer: path(name), value: text, message: "\(path(name)) \(Self.excerpt(text)): expected an amount such as \"12.34\" (≥ 0, at most 6 decimals, no exponent)")
    }
    return micros
  }

  /// One of an enum's raw values.
  mutating func choice<E: RawRepresentable & CaseIterable>(_ name: String, _ type: E.Type, required: Bool = true) throws(BodyError) -> E? where E.RawValue == String {
    let accepted = E.allCases.map(\.rawValue).joined(separator: ", ")
    guard let v = try present(name, required: required, expected: "one of \(accepted)") else { return nil }
    guard case .string(let s) = v else {
      throw BodyError(kind: .wrongType, pointer: path(name), value: nil, message: "\(path(name)) is \(v.typeName); expected one of \(accepted)")
    }
    guard let e = E(rawValue: s) else {
      throw BodyError(kind: .invalidValue, pointer: path(name), value: Self.excerpt(s), message: "\(path(name)) \(Self.excerpt(s)): expected one of \(accepted)")
    }
    return e
  }

  /// An RFC 3339 time → milliseconds since 1970.
  mutating func time(_ name: String, required: Bool = false) throws(BodyError) -> Int64? {
    guard let s = try string(name, required: required, maximumBytes: 40) else { return nil }
    guard let ms = LedgerText.time(s) else {
      throw BodyError(kind: .invalidValue, pointer: path(name), value: Self.excerpt(s), message: "\(path(name)) \(Self.excerpt(s)): expected an RFC 3339 time such as 2026-12-02T10:15:00Z or a date 2026-12-02")
    }
    return ms
  }

  /// A non-empty array of objects, each read by `item` (which must call `finish`).
  mutating func objects<T>(_ name: String, maximumCount: Int = 500, required: Bool = true, _ item: (inout JSONFields) throws(BodyError) -> T) throws(BodyError) -> [T]? {
    guard let v = try present(name, required: required, expected: "an array of 1–\(maximumCount) objects") else { return nil }
    guard case .array(let items) = v else {
      throw BodyError(kind: .wrongType, pointer: path(name), value: nil, message: "\(path(name)) is \(v.typeName); expected an array of 1–\(maximumCount) objects")
    }
    guard (1...maximumCount).contains(items.count) else {
      throw BodyError(kind: .invalidValue, pointer: path(name), value: "\(items.count) items", message: "\(path(name)) has \(items.count) items; expected 1–\(maximumCount)")
    }
    var out: [T] = []
    for (k, element) in items.enumerated() {
      var fields = try JSONFields(element, pointer: path(name) + "/\(k)")
      out.append(try item(&fields))
      try fields.finish()
    }
    return out
  }

  /// A non-empty array of strings, each one of an enum's raw values.
  mutating func choices<E: RawRepresentable & CaseIterable & Hashable>(_ name: String, _ type: E.Type) throws(BodyError) -> [E] where E.RawValue == String {
    let accepted = E.allCases.map(\.rawValue).joined(separator: ", ")
    guard let v = raw(name), case .array(let items) = v, !items.isEmpty else {
      throw BodyError(kind: has(name) ? .wrongType : .missingField, pointer: path(name), value: nil, message: "\(path(name)) is required: a non-empty array of \(accepted)")
    }
    var out: [E] = []
    for (k, item) in items.enumerated() {
      guard case .string(let s) = item, let e = E(rawValue: s) else {
        throw BodyError(kind: .invalidValue, pointer: path(name) + "/\(k)", value: nil, message: "\(path(name))/\(k): expected one of \(accepted)")
      }
      if !out.contains(e) { out.append(e) }
    }
    return out
  }

  /// Refuses every field that was not read.
  func finish() throws(BodyError) {
    if let extra = fields.first(where: { !read.contains($0.0) }) {
      let known = read.sorted().joined(separator: ", ")
      throw BodyError(kind: .unknownField, pointer: path(extra.0), value: nil, message: "\(path(extra.0)) is not a field here; expected only \(known)")
    }
  }

  static func excerpt(_ s: String) -> String {
    s.count > 60 ? String(s.prefix(60)).debugDescription + "… (\(s.utf8.count) bytes)" : s.debugDescription
  }
}
