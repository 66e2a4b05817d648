import Foundation
import Testing

@testable import ReplenishCLI

@Suite("TOML reader (config files)")
struct TOMLReaderTests {
  @Test("The demo's plan.toml and peak.toml read, with tables, quoted and bare keys, strings, integers, floats and comments")
  func demoFiles() throws {
    let plan = try TOMLReader.parse(try String(contentsOfFile: notebooksData("demo/plan.toml"), encoding: .utf8))
    #expect(plan["history"]?.table?["freq"]?.string == "week")
    #expect(plan["forecast"]?.table?["horizon"]?.int == 13)
    let peak = try TOMLReader.parse(try String(contentsOfFile: notebooksData("demo/peak.toml"), encoding: .utf8))
    #expect(peak["demand"]?.table?["months"]?.table?["12"]?.double == 1.4)
    #expect(peak["lead_time"]?.table?["SUP-22"]?.int == 14)
    #expect(peak["name"]?.string == "peak")
  }

  @Test("Values: escapes, literal strings, underscores in numbers, exponents, booleans, dotted keys")
  func values() throws {
    let t = try TOMLReader.parse("""
      a = "tab\\tquote\\" \\u00e9"   # comment
      b = 'C:\\\\path'
      c = 1_000_000
      d = -12
      e = 6.02e23
      f = true
      g.h = 2.5
      "quoted key" = +3

      """)
    #expect(t["a"]?.string == "tab\tquote\" é" && t["b"]?.string == "C:\\\\path")
    #expect(t["c"]?.int == 1_000_000 && t["d"]?.int == -12 && t["e"]?.double == 6.02e23)
    #expect(t["g"]?.table?["h"]?.double == 2.5 && t["quoted key"]?.int == 3)
    if case .boolean(true)? = t["f"] {} else { Issue.record("f is not true") }
  }

  @Test("Not TOML, or not used here: each refused with its line, column and what was expected (never a crash)")
  func refused() {
    let cases: [(String, Int, Int, String)] = [
      ("[&orecast]\n", 1, 2, "unexpected '&' in a key"),
      ("[\u{0F}demand]\n", 1, 2, "control character U+000F"),
      ("a = 1\na = 2\n", 2, 1, "key 'a' is given twice"),
      ("[x]\n[x]\n", 2, 4, "table [x] is defined twice"),
      ("a = [1, 2]\n", 1, 5, "arrays are not used"),
      ("a = {b = 1}\n", 1, 5, "inline tables are not used"),
      ("d = 2011-12-09\n", 1, 15, "a bare date; write dates as quoted strings"),
      ("s = \"open\n", 1, 10, "not closed on its line"),
      ("s = \"\\q\"\n", 1, 8, "unknown escape \\q"),
      ("n = 012\n", 1, 8, "not a TOML value"),
      ("n = 1__0\n", 1, 9, "not a TOML value"),
      ("a = 1 b\n", 1, 7, "unexpected 'b' after the value"),
      ("= 1\n", 1, 1, "unexpected '=' in a key"),
      ("a =\n", 1, 4, "a key without a value"),
      ("[[t]]\n", 1, 2, "arrays of tables"),
      ("a = 1\na.b = 2\n", 2, 1, "'a' is already a value"),
      ("s = \"\"\"x\"\"\"\n", 1, 5, "multi-line strings are not used"),
      ("# comment \u{7}\n", 1, 11, "control character U+0007 in a comment"),
    ]
    for (text, line, column, problem) in cases {
      do {
        _ = try TOMLReader.parse(text)
        Issue.record("accepted: \(text.debugDescription)")
      } catch {
        #expect(error.line == line && error.column == column && error.problem.contains(problem),
                "\(text.debugDescription): \(error.line):\(error.column) \(error.problem)")
      }
    }
  }
}
