import Foundation

/// A TOML value of the kinds Replenish's config files use.
enum TOMLValue: CustomStringConvertible {
  case string(String), integer(Int), float(Double), boolean(Bool), table(TOMLTable)

  var string: String? { if case .string(let s) = self { s } else { nil } }
  var int: Int? { if case .integer(let i) = self { i } else { nil } }
  var double: Double? { if case .float(let d) = self { d } else { nil } }
  var bool: Bool? { if case .boolean(let b) = self { b } else { nil } }
  var table: TOMLTable? { if case .table(let t) = self { t } else { nil } }

  var description: String {
    switch self {
    case .string(let s): s.debugDescription
    case .integer(let i): "\(i)"
    case .float(let d): "\(d)"
    case .boolean(let b): "\(b)"
    case .table: "a table"
    }
  }
}

/// A TOML table: keys in the order they were written.
struct TOMLTable: Sequence {
  private(set) var entries: [(key: String, value: TOMLValue)] = []

  subscript(key: String) -> TOMLValue? { entries.first { $0.key == key }?.value }

  func makeIterator() -> IndexingIterator<[(key: String, value: TOMLValue)]> { entries.makeIterator() }

  fileprivate mutating func set(_ key: String, _ value: TOMLValue) { entries.append((key, value)) }

  fileprivate mutating func replace(_ key: String, _ value: TOMLValue) {
    if let i = entries.firstIndex(where: { $0.key == key }) { entries[i].value = value } else { entries.append((key, value)) }
  }
}

/// A strict reader for the TOML that config files need (TOML 1.0: comments, `[a.b]` tables, bare,
/// quoted and dotted keys, basic and literal strings, integers, floats, booleans). Arrays, inline tables,
/// multi-line strings and bare dates are refused with a clear message, as is anything else that is not
/// TOML; every error names the line and column. Written for Replenish after the C++ parser behind
/// TOMLKit aborted the process (an assertion) on a stray character in a table header.
struct TOMLReader {
  struct Failure: Error {
    let line: Int
    let column: Int
    let problem: String
  }

  private let scalars: [Unicode.Scalar]
  private var i = 0
  private var line = 1
  private var lineStart = 0

  static func parse(_ text: String) throws(Failure) -> TOMLTable {
    var reader = TOMLReader(scalars: Array(text.unicodeScalars))
    return try reader.document()
  }

  private init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

  private var column: Int { i - lineStart + 1 }
  private var current: Unicode.Scalar? { i < scalars.count ? scalars[i] : nil }

  private func fail(_ problem: String) -> Failure { Failure(line: line, column: column, problem: problem) }

  private mutating func skipSpaces() { while let c = current, c == " " || c == "\t" { i += 1 } }

  /// Whitespace, then a comment or the end of the line (or file).
  private mutating func endOfLine() throws(Failure) {
    skipSpaces()
    if current == "#" {
      while let c = current, c != "\n" {
        if (c.value < 0x20 && c != "\t" && c != "\r") || c.value == 0x7F { throw fail("control character U+\(String(format: "%04X", c.value)) in a comment") }
        i += 1
      }
    }
    if current == "\r" { i += 1 }
    guard let c = current else { return }
    guard c == "\n" else { throw fail("unexpected \(Self.show(c)) after the value; expected the end of the line or a # comment") }
    i += 1
    line += 1
    lineStart = i
  }

  private mutating func document() throws(Failure) -> TOMLTable {
    var root = TOMLTable()
    var path: [String] = []
    var defined: Set<[String]> = []
    while current != nil {
      skipSpaces()
      guard let c = current else { break }
      if c == "\n" || c == "\r" || c == "#" {
        try endOfLine()
        continue
      }
      if c == "[" {
        i += 1
        if current == "[" { throw fail("arrays of tables ([[…]]) are not used in Replenish config files") }
        skipSpaces()
        path = try keyPath(until: "]")
        guard current == "]" else { throw fail("expected ']' to close the table header") }
        i += 1
        guard defined.insert(path).inserted else { throw fail("table [\(path.joined(separator: "."))] is defined twice") }
        try Self.insert(&root, path: path, key: nil, value: .table(TOMLTable()), at: (line, column))
        try endOfLine()
        continue
      }
      let keyLine = line, keyColumn = column
      let keys = try keyPath(until: "=")
      guard current == "=" else { throw fail("expected '=' after the key \(keys.joined(separator: "."))") }
      i += 1
      skipSpaces()
      let value = try self.value()
      try Self.insert(&root, path: path + keys.dropLast(), key: keys.last!, value: value, at: (keyLine, keyColumn))
      try endOfLine()
    }
    return root
  }

  /// `a.b."c d"` up to `terminator` (not consumed).
  private mutating func keyPath(until terminator: Unicode.Scalar) throws(Failure) -> [String] {
    var keys: [String] = []
    while true {
      skipSpaces()
      guard let c = current else { throw fail("the file ends inside a key") }
      if c == "\"" || c == "'" {
        keys.append(try quoted())
      } else {
        var key = ""
        while let k = current, ("0"..."9").contains(k) || ("a"..."z").contains(k) || ("A"..."Z").contains(k) || k == "_" || k == "-" {
          key.unicodeScalars.append(k)
          i += 1
        }
        guard !key.isEmpty else {
          throw fail("unexpected \(Self.show(c)) in a key; expected a bare key (letters, digits, '_', '-') or a quoted one")
        }
        keys.append(key)
      }
      skipSpaces()
      if current == "." {
        i += 1
        continue
      }
      guard current == terminator else {
        throw fail(current.map { "unexpected \(Self.show($0)) after the key; expected '.' or '\(terminator)'" } ?? "the file ends inside a key")
      }
      return keys
    }
  }

  private mutating func quoted() throws(Failure) -> String {
    let quote = current!
    if i + 2 < scalars.count, scalars[i + 1] == quote, scalars[i + 2] == quote {
      throw fail("multi-line strings are not used in Replenish config files")
    }
    i += 1
    var out = ""
    while true {
      guard let c = current, c != "\n", c != "\r" else { throw fail("the string is not closed on its line; expected a closing \(quote)") }
      i += 1
      if c == quote { return out }
      if (c.value < 0x20 && c != "\t") || c.value == 0x7F { throw fail("control character U+\(String(format: "%04X", c.value)) in a string") }
      if c == "\\" && quote == "\"" {
        guard let e = current else { throw fail("the file ends inside an escape") }
        i += 1
        switch e {
        case "\"": out += "\""
        case "\\": out += "\\"
        case "n": out += "\n"
        case "t": out += "\t"
        case "r": out += "\r"
        case "b": out += "\u{8}"
        case "f": out += "\u{C}"
        case "u", "U":
          let n = e == "u" ? 4 : 8
          guard i + n <= scalars.count, let v = UInt32(String(String.UnicodeScalarView(scalars[i..<(i + n)])), radix: 16), let s = Unicode.Scalar(v) else {
            throw fail("\\\(e) needs \(n) hex digits naming a Unicode scalar")
          }
          out.unicodeScalars.append(s)
          i += n
        default: throw fail("unknown escape \\\(e); expected one of \\\" \\\\ \\n \\t \\r \\b \\f \\uXXXX \\UXXXXXXXX")
        }
        continue
      }
      out.unicodeScalars.append(c)
    }
  }

  private mutating func value() throws(Failure) -> TOMLValue {
    guard let c = current, c != "\n", c != "\r", c != "#" else { throw fail("a key without a value; expected a string, number or boolean after '='") }
    if c == "\"" || c == "'" { return .string(try quoted()) }
    if c == "[" { throw fail("arrays are not used in Replenish config files; give one value per key") }
    if c == "{" { throw fail("inline tables are not used in Replenish config files; use a [section]") }
    var word = ""
    while let k = current, k != " ", k != "\t", k != "\n", k != "\r", k != "#" {
      word.unicodeScalars.append(k)
      i += 1
    }
    switch word {
    case "true": return .boolean(true)
    case "false": return .boolean(false)
    default: break
    }
    if let n = Self.integer(word) { return .integer(n) }
    if let d = Self.float(word) { return .float(d) }
    if word.count >= 10, word.unicodeScalars.prefix(4).allSatisfy({ ("0"..."9").contains($0) }), word.unicodeScalars.dropFirst(4).first == "-" {
      throw fail("\(word): a bare date; write dates as quoted strings (\"\(word)\")")
    }
    throw fail("\(Self.show(word)) is not a TOML value; expected a quoted string, a number or true/false")
  }

  /// Puts `value` at `path` + `key` (`key` nil: the table at `path` itself), creating tables on the way.
  private static func insert(_ table: inout TOMLTable, path: [String], key: String?, value: TOMLValue, at position: (Int, Int)) throws(Failure) {
    guard let first = path.first else {
      guard let key else { return }
      if table[key] != nil { throw Failure(line: position.0, column: position.1, problem: "key '\(key)' is given twice") }
      table.set(key, value)
      return
    }
    var child: TOMLTable
    switch table[first] {
    case nil: child = TOMLTable()
    case .table(let t): child = t
    case .some(let other):
      throw Failure(line: position.0, column: position.1, problem: "'\(first)' is already a value (\(other)), not a table")
    }
    if key == nil && path.count == 1 {
      if table[first] == nil { table.set(first, .table(child)) }
      return
    }
    try insert(&child, path: Array(path.dropFirst()), key: key, value: value, at: position)
    table.replace(first, .table(child))
  }

  /// `[+-]digits` with single underscores between digits and no leading zero (TOML integers).
  static func integer(_ word: String) -> Int? {
    var s = Substring(word)
    var negative = false
    if let f = s.first, f == "+" || f == "-" {
      negative = f == "-"
      s = s.dropFirst()
    }
    guard let first = s.first, let last = s.last, first != "_", last != "_", !s.contains("__"),
      s.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "_") })
    else { return nil }
    let digits = s.filter { $0 != "_" }
    if digits.count > 1 && digits.first == "0" { return nil }
    return Int(digits).map { negative ? -$0 : $0 }
  }

  /// TOML floats: an integer part, then a fraction and/or an exponent; `inf` and `nan` with a sign.
  static func float(_ word: String) -> Double? {
    let body = word.hasPrefix("+") || word.hasPrefix("-") ? String(word.dropFirst()) : word
    if body == "inf" || body == "nan" { return word.hasPrefix("-") ? -.infinity : body == "inf" ? .infinity : .nan }
    guard !body.contains("__"), !body.hasPrefix("_"), !body.hasSuffix("_"), !body.hasPrefix("."), !body.hasSuffix("."),
      body.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }),
      body.allSatisfy({ $0.isASCII && ($0.isNumber || "._eE+-".contains($0)) })
    else { return nil }
    return Double(word.filter { $0 != "_" })
  }

  private static func show(_ c: Unicode.Scalar) -> String {
    c.value < 0x20 || c.value == 0x7F ? "control character U+\(String(format: "%04X", c.value))" : "'\(c)'"
  }

  private static func show(_ s: String) -> String { s.count > 40 ? "'\(s.prefix(40))…'" : "'\(s)'" }
}
