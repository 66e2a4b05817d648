import Foundation
import Testing
import TestSupport

@testable import CSV

@Suite("CSV fields, tables and the quoter")
struct CSVTests {
  @Test("Numbers: integers, decimals, exponents and long mantissas parse exactly like strtod")
  func numbers() throws {
    for text in ["0", "7", "-3", "+4", "12.5", ".5", "5.", "1e3", "2.5E-2", "123456789012345678901234", "0.1", "3.14159265358979323846"] {
      let value = Array(text.utf8).withUnsafeBytes { FieldParser.parseNumber($0) }
      #expect(try value.get() == strtod(text, nil), "\(text)")
    }
  }

  @Test("The quoter quotes exactly the fields that need it, and the table reads them back")
  func quoterRoundTrip() throws {
    let values = ["plain", "with,comma", "with \"quote\"", "two\nlines", "", "ü-and-€"]
    #expect(values.map(csvField) == ["plain", "\"with,comma\"", "\"with \"\"quote\"\"\"", "\"two\nlines\"", "", "ü-and-€"])
    // Line breaks inside fields are refused by the table reader (master files hold one line per field).
    let file = temporaryFile("name,note\n" + values.filter { !$0.contains("\n") }.map { "\(csvField($0)),x" }.joined(separator: "\n") + "\n", name: "table.csv")
    let table = try CSVTable.read(path: file, required: ["name"])
    #expect(table.rows.map { $0.text("name") ?? "" } == values.filter { !$0.contains("\n") })
  }

  @Test("Table errors name the file, line, column, value and what is accepted")
  func locatedErrors() throws {
    let file = temporaryFile("sku,moq\nA,1\nB,1.5\n", name: "items.csv")
    let table = try CSVTable.read(path: file, required: ["sku"])
    let error = #expect(throws: CSVError.self) { try table.rows[1].integer("moq", minimum: 0) }
    #expect(error?.description == "\(file):3:2: not a valid whole number (column 'moq', value \"1.5\"); expected a whole number ≥ 0 in plain digits")
    let unknown = temporaryFile("sku,mqo\nA,1\n", name: "items.csv")
    let refused = #expect(throws: CSVError.self) { try CSVTable.read(path: unknown, required: ["sku"], known: ["sku", "moq"]) }
    #expect(refused?.line == 1 && refused?.column == 2 && refused?.value == "mqo")
  }
}
