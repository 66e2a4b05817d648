import CSV
import Testing
import TestSupport
import TimeSeries

@testable import SalesHistory

@Suite("Frequency inferred from the dates (--freq absent)")
struct FrequencyInferenceTests {
  func read(_ csv: String) throws(CSVError) -> SalesHistory {
    var options = SalesHistoryOptions()
    options.inferFrequency = true
    return try SalesHistoryReader.read(file: temporaryFile(csv), options: options)
  }

  @Test("First-of-month dates are monthly, one weekday weekly, anything else daily; the evidence is reported")
  func inferred() throws {
    let monthly = try read("sku,date,qty\nA,2024-01-01,1\nA,2024-02-01,2\nB,2024-03-01,3\n")
    #expect(monthly.panel.frequency == .month && monthly.report.frequencyInference?.evidence == "all 3 distinct dates are the 1st of a month")
    let monthEnds = try read("sku,date,qty\nA,2024-01-31,1\nA,2024-02-29,2\n")
    #expect(monthEnds.panel.frequency == .month && monthEnds.report.frequencyInference?.rule == .lastOfMonth)
    // 2024-01-03 is a Wednesday: weeks of a file dated on Wednesdays.
    let weekly = try read("sku,date,qty\nA,2024-01-03,1\nA,2024-01-10,2\nA,2024-01-17,3\n")
    #expect(weekly.panel.frequency == .week && weekly.report.frequencyInference?.evidence == "all 3 distinct dates are Wednesdays")
    let daily = try read("sku,date,qty\nA,2024-01-01,1\nA,2024-01-02,2\nA,2024-01-04,3\n")
    #expect(daily.panel.frequency == .day && daily.panel.endPeriod - daily.panel.startPeriod == 4)
    var given = SalesHistoryOptions()
    given.frequency = .week
    #expect(try SalesHistoryReader.read(file: temporaryFile("sku,date,qty\nA,2024-01-01,1\n"), options: given).report.frequencyInference == nil)
  }

  @Test("Mixed dates are refused with the row that breaks the majority; a later row breaking the rule too")
  func mixed() throws {
    var csv = "sku,date,qty\n"
    for m in 1...9 { csv += "A,2024-0\(m)-01,1\n" }
    csv += "A,2024-10-15,1\n"
    let error = #expect(throws: CSVError.self) { try read(csv) }
    #expect(error?.line == 11 && error?.description.contains("9 of 10 distinct dates are the 1st of a month (monthly), this one is not") == true,
            "\(String(describing: error))")
    // Past the sample the inference reads: every row is still checked against the rule.
    var long = "sku,date,qty\n"
    for i in 0..<(FrequencyInference.sampleRows + 5) { long += "S\(i % 50),2024-0\(1 + i % 9)-01,1\n" }
    long += "S1,2024-03-02,1\n"
    let late = #expect(throws: CSVError.self) { try read(long) }
    #expect(late?.line == FrequencyInference.sampleRows + 7 && late?.description.contains("breaks the frequency inferred from the first rows") == true,
            "\(String(describing: late))")
  }
}
