import CSV
import Forecasting
import Foundation
import Policy
import SalesHistory
import Sampling
import Testing
import TestSupport
import TimeSeries

@testable import Planning

/// The planning core as a library: one resolution of each item, carried into the PO planner.
///
/// Fixture: weekly history, 12 weeks of 10 units a week for A at WH (Mondays from 2024-01-01); `naive`
/// forecasts 10 with zero error, so s = 10 × (14 + 7) / 7 = 30 and S = s + Q = 30 + 10 = 40; the ledger
/// position is 0, so A orders 40 (unit cost 2, price 4).
@Suite("Planning core: items resolved once, scenarios applied once")
struct PlanCoreTests {
  static let asOf = CivilDate(year: 2024, month: 3, day: 24)!.dayNumber  // the Sunday ending week 12

  func inputs(history: String, items: String, positions: StockPositions = [:], budget: Double? = nil) throws -> PlanInputs {
    let panel = try SalesHistoryReader.read(file: temporaryFile(history), options: SalesHistoryOptions(frequency: .week)).panel
    let master = try ItemMaster.read(items: temporaryFile(items, name: "items.csv"))
    var settings = PlanSettings(method: NaiveMethod(), seasonLength: 1, threads: 1, horizon: 4)
    settings.measure = .units
    settings.budget = budget
    return PlanInputs(panel: panel, items: master, positions: positions, settings: settings)
  }

  static func weekly(_ rows: [(sku: String, location: String?, qty: Int)], weeks: Range<Int> = 0..<12) -> String {
    let hasLocation = rows.contains { $0.location != nil }
    var text = hasLocation ? "sku,location,date,qty\n" : "sku,date,qty\n"
    for row in rows {
      for week in weeks {
        let date = CivilDate(dayNumber: CivilDate(year: 2024, month: 1, day: 1)!.dayNumber + 7 * week).description
        text += hasLocation ? "\(row.sku),\(row.location ?? ""),\(date),\(row.qty)\n" : "\(row.sku),\(date),\(row.qty)\n"
      }
    }
    return text
  }

  @Test("A supplier lead-time shock moves the expected arrival; a price change moves the priority (both were lost before)")
  func scenarioReachesThePlanner() throws {
    let inputs = try inputs(history: Self.weekly([("A", nil, 10)]),
                            items: "sku,supplier,unit_cost,unit_price,lead_time_days,review_period_days,location,safety_stock_method\nA,S1,2,4,14,7,WH,cycle-service\n")
    let baseline = try PlanJob.run(inputs)
    let line = try #require(baseline.purchase.orders.first?.lines.first)
    #expect(line.sku == "A" && line.location == "WH" && line.quantity == 40, "\(line)")
    #expect(line.expectedArrivalDay == baseline.asOfDay + 14)

    var shock = ScenarioSpec(name: "late")
    shock.leadTimeShiftDays = ["S1": 14]
    let late = try PlanJob.run(inputs, scenario: shock, demands: baseline.demands)
    let lateLine = try #require(late.purchase.orders.first?.lines.first)
    #expect(lateLine.expectedArrivalDay == baseline.asOfDay + 28, "arrival follows the shocked lead time")
    #expect(late.planned[0].item.leadTimeDays == 28 && late.policies[0].leadTimeDays == 28, "the policy and the planner see one item")

    var pricier = ScenarioSpec(name: "price")
    pricier.priceMultiplier = 2
    let priced = try PlanJob.run(inputs, scenario: pricier, demands: baseline.demands)
    let pricedLine = try #require(priced.purchase.orders.first?.lines.first)
    // priority = expected shortage × unit price ÷ line value × class weight: the same line at twice the price.
    #expect(line.priority > 0 && abs(pricedLine.priority - 2 * line.priority) < 1e-9 * line.priority, "\(line.priority) → \(pricedLine.priority)")
  }

  @Test("Days since the last sale are per SKU × location: dead = no sale for N days (configurable), never a SKU sold last week")
  func lastSalePerLocation() throws {
    // X sells 10 a week at WH1 all along; at WH2 it sold for the first 2 weeks only (last sale 2024-01-08).
    var history = Self.weekly([("X", "WH1", 10)])
    history += Self.weekly([("X", "WH2", 10)], weeks: 0..<2).split(separator: "\n").dropFirst().map { $0 + "\n" }.joined()
    history += Self.weekly([("X", "WH2", 0)], weeks: 2..<12).split(separator: "\n").dropFirst().map { $0 + "\n" }.joined()
    let positions: StockPositions = [
      StockKey(sku: "X", location: "WH1"): StockPosition(sellable: 500), StockKey(sku: "X", location: "WH2"): StockPosition(sellable: 500),
    ]
    var inputs = try inputs(history: history, items: "sku,unit_cost,lead_time_days,review_period_days\nX,1,14,7\n", positions: positions)
    let result = try PlanJob.run(inputs)
    let byLocation = Dictionary(uniqueKeysWithValues: result.purchase.overstock.map { ($0.location, $0) })
    let lastWeek = CivilDate(year: 2024, month: 3, day: 18)!.dayNumber, second = CivilDate(year: 2024, month: 1, day: 8)!.dayNumber
    #expect(byLocation["WH1"]?.daysSinceLastSale == result.asOfDay - lastWeek, "\(byLocation)")
    #expect(byLocation["WH2"]?.daysSinceLastSale == result.asOfDay - second)
    // 76 days without a sale: overstock, not yet dead at the default 180 days (no forecast demand does not
    // make it dead); dead at 60.
    #expect(byLocation["WH1"]?.dead == false && byLocation["WH2"]?.dead == false)
    inputs.settings.deadStockDays = 60
    let strict = Dictionary(uniqueKeysWithValues: try PlanJob.run(inputs).purchase.overstock.map { ($0.location, $0) })
    #expect(strict["WH1"]?.dead == false && strict["WH2"]?.dead == true)
    // Sold 6 days before the plan date: never dead, whatever the threshold above that.
    inputs.settings.deadStockDays = 7
    #expect(try PlanJob.run(inputs).purchase.overstock.first { $0.location == "WH1" }?.dead == false)
  }

  @Test("An unclassified SKU is class new (not C) for the planner")
  func newClass() throws {
    // B has no sales in the classification window (it starts after it), so it has no class.
    var inputs = try inputs(history: Self.weekly([("A", nil, 10), ("B", nil, 0)]), items: "sku,unit_cost,unit_price\nA,2,4\nB,2,4\n")
    inputs.settings.windowDays = 28
    let result = try PlanJob.run(inputs)
    #expect(result.planned.first { $0.key.sku == "B" }?.abc == .new)
    #expect(result.classMap.abcClass(of: "B") == .new && result.classMap.abcClass(of: "A") != .new)
  }
}

@Suite("Planning core: the plan date and the places stock can be")
struct PlanDateTests {
  /// 10 a week for weeks 0–4 (2024-01-01 … 2024-02-04), then 100 a week to week 11.
  func inputs() throws -> PlanInputs {
    let history = PlanCoreTests.weekly([("A", nil, 10)], weeks: 0..<5) + PlanCoreTests.weekly([("A", nil, 100)], weeks: 5..<12).split(separator: "\n").dropFirst().map { $0 + "\n" }.joined()
    return try PlanCoreTests().inputs(history: history, items: "sku,unit_cost,lead_time_days,review_period_days,location\nA,1,14,7,WH\n")
  }

  @Test("A plan as of a past date cuts the history there (and says so): it does not see the demand after it")
  func asOfPast() throws {
    var inputs = try inputs()
    inputs.settings.asOfDay = CivilDate(year: 2024, month: 2, day: 7)!.dayNumber  // a Wednesday: its week is the future
    let past = try PlanJob.run(inputs)
    #expect(past.panel.endPeriod == Frequency.week.period(containing: CivilDate(year: 2024, month: 2, day: 5)!.dayNumber))
    #expect(past.demands[0].estimate.meanPerPeriod == 10, "naive forecast from the last week before as_of")
    #expect(past.notes == ["history cut at as_of 2024-02-07: 7 weeks from 2024-02-05 on are not used"], "\(past.notes)")
    inputs.settings.asOfDay = nil
    let now = try PlanJob.run(inputs)
    #expect(now.demands[0].estimate.meanPerPeriod == 100 && now.notes.isEmpty)
  }

  @Test("A plan date long after the history, or before its first full period, is refused")
  func asOfOutside() throws {
    var inputs = try inputs()
    inputs.settings.asOfDay = CivilDate(year: 2030, month: 1, day: 1)!.dayNumber
    let late = #expect(throws: PlanJob.Problem.self) { try PlanJob.run(inputs) }
    #expect(late?.description.contains("after the history's last day 2024-03-24") == true, "\(String(describing: late))")
    inputs.settings.asOfDay = CivilDate(year: 2009, month: 6, day: 1)!.dayNumber
    let early = #expect(throws: PlanJob.Problem.self) { try PlanJob.run(inputs) }
    #expect(early?.description.contains("leaves no full week of history") == true, "\(String(describing: early))")
  }

  @Test("With a ledger's locations, an item placed elsewhere is refused; one location is the default for unplaced SKUs")
  func locations() throws {
    var inputs = try inputs()
    inputs.knownLocations = ["UK-DC", "UK-RETURNS"]
    let stray = #expect(throws: PlanJob.Problem.self) { try PlanJob.run(inputs) }
    #expect(stray?.description.contains("location WH, which the ledger does not have (UK-DC, UK-RETURNS)") == true, "\(String(describing: stray))")
    inputs.knownLocations = ["WH"]
    #expect(try PlanJob.run(inputs).planned[0].key.location == "WH")
    inputs.items = ItemMaster()
    #expect(try PlanJob.run(inputs).planned[0].key.location == "WH", "the only location")
  }

  @Test("An MOQ of 0 is refused, not silently raised to 1")
  func moqZero() {
    let error = #expect(throws: CSVError.self) { try ItemMaster.read(items: temporaryFile("sku,moq\nA,0\n", name: "items.csv")) }
    #expect(error?.description.contains(":2:2: not a valid whole number (column 'moq', value \"0\"); expected a whole number ≥ 1") == true, "\(String(describing: error))")
  }
}

@Suite("Stock snapshot (positions without a ledger)")
struct StockSnapshotTests {
  @Test("Shopify's inventory export reads as it is: sellable = on hand − unavailable, available checked")
  func shopify() throws {
    let file = temporaryFile("""
      Handle,Title,Option1 Name,Option1 Value,SKU,HS Code,COO,Location,Incoming,Unavailable,Committed,Available,On hand
      mug,Mug,Colour,Red,MUG-R,,,Shop,12,2,3,15,20
      mug,Mug,Colour,Blue,MUG-B,,,Warehouse,0,0,5,-2,3

      """, name: "inventory_export.csv")
    let positions = try StockSnapshot.read(path: file)
    let red = try #require(positions[StockKey(sku: "MUG-R", location: "Shop")])
    #expect(red.sellable == 18 && red.committed == 3 && red.inbound == 12 && red.availableToPromise == 15)
    let blue = try #require(positions[StockKey(sku: "MUG-B", location: "Warehouse")])
    #expect(blue.sellable == 3 && blue.committed == 5 && blue.availableToPromise == -2, "oversold: available may be negative")
  }

  @Test("Bad snapshots are refused with file, line, column, value and what is accepted")
  func bad() throws {
    let cases: [(String, String)] = [
      ("sku,location,on_hand\nA,WH,1.5\n", ":2:3: not a valid whole number"),
      ("sku,location,on_hand,committed,available\nA,WH,10,2,9\n", ":2:5: on hand 10 − unavailable 0 − committed 2 = 8, not 9"),
      ("sku,location,on_hand\nA,WH,1\nA,WH,2\n", ":3:1: SKU listed twice for location 'WH'"),
      ("sku,location,qty\nA,WH,1\n", ":1:3: unknown column"),
      ("sku,location,committed\nA,WH,1\n", ":1: neither 'on_hand' nor 'available'"),
      ("sku,on_hand,unavailable\nA,1,2\n", ":2:3: more unavailable than on hand (1)"),
    ]
    for (text, message) in cases {
      let file = temporaryFile(text, name: "stock.csv")
      let error = #expect(throws: CSVError.self) { try StockSnapshot.read(path: file) }
      #expect(error?.description.contains(file + message) == true, "\(error?.description ?? "no error") should contain \(message)")
    }
  }
}

@Suite("Report number formatting")
struct ReportNumberTests {
  @Test("PlanTables.fixed writes what String(format: \"%.Nf\") writes: random values, ties, negative zero, large values")
  func fixedMatchesFormat() {
    var rng = SeededGenerator(seed: 11)
    var values: [Double] = [0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.375, 1.005, 2.675, 999_999.99995, 1e12, -1e-9, 123.45, 0.00005, 0.00015]
    for _ in 0..<20_000 {
      let magnitude = pow(10, Double(Int(rng.next() % 12)) - 4)
      values.append((rng.uniform() - 0.3) * magnitude)
      values.append(Double(Int(rng.next() % 100_000)) / 8)  // exact binary fractions, many of them ties
    }
    for x in values {
      for digits in [0, 2, 4, 6] {
        #expect(PlanTables.fixed(x, digits) == String(format: "%.\(digits)f", x), "\(x) at \(digits) digits")
      }
    }
  }
}
