import Forecasting
import Foundation
import Policy
import SalesHistory
import Testing
import TestSupport
import TimeSeries

@testable import Planning

/// A plan across machines: each shard forecasts its SKUs (`PlanJob.demandShard`), writes them to a file,
/// and the merge (`PlanJob.mergedDemands`) plans from the files — the same plan as one process.
@Suite("Planning core: a plan in shards")
struct PlanShardTests {
  /// The demo's history cut to its first 150 SKUs (a debug build forecasts all 3,907 in minutes), with
  /// the demo's item master and suppliers, `auto`, as of the demo's date.
  static func inputs() throws -> PlanInputs {
    let subset = try firstSeries(ofNotebooksFile: "online_retail_weekly_sku.csv", count: 150)
    let history = try SalesHistoryReader.read(file: temporaryFile(subset), options: SalesHistoryOptions(frequency: .week))
    let items = try ItemMaster.read(items: notebooksData("demo/items.csv"), suppliers: notebooksData("demo/suppliers.csv"))
    var settings = PlanSettings(method: try ModelCatalog.methods("auto").get()[0], seasonLength: 52, threads: 2, horizon: 13)
    settings.budget = 2_000
    settings.asOfDay = CivilDate(year: 2011, month: 12, day: 9)!.dayNumber
    return PlanInputs(panel: history.panel, items: items, positions: [:], settings: settings, historyLastDay: history.report.lastDate?.dayNumber)
  }

  /// Every file a plan writes, the report without its Run table (step times differ from run to run).
  static func outputs(_ r: PlanResult) throws -> [String: String] {
    var html = PlanReport(plan: r).html()
    if let start = html.range(of: "<h2>Run</h2>"), let end = html.range(of: "</table>", range: start.upperBound..<html.endIndex) {
      html.removeSubrange(start.lowerBound..<end.upperBound)
    }
    // Only the Run table went: the report's other sections are still compared.
    #expect(!html.contains("<h2>Run</h2>") && html.contains("<h2>Purchase orders by supplier</h2>") && html.contains("<h2>ABC Pareto curve"))
    return [
      "po_suggestions.csv": PlanTables.purchaseLines(r.purchase), "po_suggestions.json": try PlanTables.json(r.purchase),
      "deferred.csv": PlanTables.deferred(r.purchase), "transfers.csv": PlanTables.transfers(r.purchase), "overstock.csv": PlanTables.overstock(r.purchase),
      "policies.csv": PlanTables.policies(r.policies, classes: r.classMap), "reorder_points.csv": PlanTables.reorderPoints(r),
      "classes.csv": PlanTables.classes(r.classes, asOf: "2011-12-09"),
      "forecasts.csv": PlanTables.forecasts(r), "report.html": html,
    ]
  }

  @Test("Shards 1/3, 2/3, 3/3 through their files, merged: the single-process plan file for file (pooled error profiles included)")
  func mergedEqualsSingle() throws {
    let inputs = try Self.inputs()
    let single = try PlanJob.run(inputs)
    #expect(single.demands.contains { $0.estimate.errorProfile?.source.contains("pooled") == true }, "the step across series is exercised")
    #expect(single.demands.contains { $0.estimate.exposureDemand != nil }, "exposure quantiles are exercised")
    #expect(single.purchase.orders.count > 0 && !single.purchase.deferred.isEmpty)
    // Time-phased reorder points: 4 weeks until the next plan (28 days), the first week's the plan's policy.
    let phased = PlanTables.reorderPoints(single).split(separator: "\n")
    #expect(phased.count == 1 + 4 * single.policies.count && single.phasedPolicies.allSatisfy { $0.count == 3 })
    #expect(phased[1].hasPrefix("\(single.policies[0].sku),") && phased[1].contains(",2011-12-12,") && phased[4].contains(",2012-01-02,"))
    #expect(zip(single.policies, single.phasedPolicies).contains { first, later in later.contains { $0.reorderPoint != first.reorderPoint } })
    // The report's projected-inventory chart draws them as steps.
    let report = try #require(try Self.outputs(single)["report.html"])
    #expect(report.range(of: "<polyline points='[^']*' class='rop'/>", options: .regularExpression) != nil)
    #expect(report.contains("until the next plan (reorder_points.csv)"))
    var files: [(name: String, shard: DemandShard)] = []
    for k in [2, 3, 1] {
      let shard = try PlanJob.demandShard(inputs, shard: PanelShard(number: k, count: 3)!)
      files.append(("shard-\(k).json", try DemandShard.read(try shard.json(), file: "shard-\(k).json")))
    }
    #expect(files.map(\.shard.demands.count).reduce(0, +) == inputs.panel.seriesCount)
    let merged = try PlanJob.run(inputs, demands: try PlanJob.mergedDemands(files, inputs: inputs))
    let (a, b) = (try Self.outputs(single), try Self.outputs(merged))
    for name in a.keys.sorted() { #expect(a[name] == b[name], "\(name) differs") }
  }

  @Test("The merge refuses a missing shard, a shard twice, shards of another N, and shards computed with other settings")
  func refusals() throws {
    var inputs = try Self.inputs()
    inputs.settings.method = NaiveMethod()
    inputs.settings.seasonLength = 1
    let shards = try (1...2).map { k in ("s\(k).json", try PlanJob.demandShard(inputs, shard: PanelShard(number: k, count: 2)!)) }
    func message(_ files: [(String, DemandShard)], _ i: PlanInputs? = nil) -> String {
      do {
        _ = try PlanJob.mergedDemands(files.map { (name: $0.0, shard: $0.1) }, inputs: i ?? inputs)
        return "accepted"
      } catch { return error.description }
    }
    #expect(message([shards[0]]).contains("1 shard file(s) for 2 shards: missing 2/2"))
    #expect(message([shards[0], shards[0]]).contains("s1.json: shard 1/2 again (also s1.json)"))
    let other = ("t1.json", try PlanJob.demandShard(inputs, shard: PanelShard(number: 1, count: 3)!))
    #expect(message([shards[0], other]).contains("t1.json: shard 1/3 of 3"))
    var later = inputs
    later.settings.horizon = 5
    #expect(message(shards, later).contains("computed from other inputs or settings"))
    #expect(message(shards) == "accepted")
    #expect(throws: PlanJob.Problem.self) { try DemandShard.read(Data("{\"format\":\"x\"}".utf8), file: "bad.json") }
  }
}

@Suite("Planning core: feedback from the latest backtest's realised service")
struct PlanFeedbackTests {
  /// Every SKU of the demo subset realised 30 cycles with 6 stock-outs (a = 0.8): with κ = 1 each target
  /// group moves to logit τ' = logit τ + min(1, logit τ − logit 0.8), within [0.5, 0.9999] (the move is
  /// bounded for the targets above 0.916, unbounded below); with 5 cycles in all (under
  /// the 20 a group needs) nothing moves; without feedback nothing moves.
  @Test("A plan's targets move by κ times the realised shortfall of their group; too few cycles or κ = 0: unchanged")
  func targetsMove() throws {
    var inputs = try PlanShardTests.inputs()
    let before = try PlanJob.prepare(inputs, scenario: nil).planned
    inputs.realisedService = Dictionary(uniqueKeysWithValues: before.map { ($0.key, (cycles: 30, failed: 6)) })
    #expect(try PlanJob.prepare(inputs, scenario: nil).planned.map(\.serviceLevel) == before.map(\.serviceLevel))  // κ = 0
    inputs.settings.serviceFeedback = 1
    let after = try PlanJob.prepare(inputs, scenario: nil).planned
    func logit(_ p: Double) -> Double { log(p / (1 - p)) }
    for (b, a) in zip(before, after) {
      let z = logit(b.serviceLevel) + min(PolicyBacktest.feedbackMaximumMove, logit(b.serviceLevel) - logit(0.8))
      let expected = min(0.9999, max(0.5, 1 / (1 + exp(-z))))
      #expect(abs(a.serviceLevel - expected) < 1e-12, "\(b.key): \(b.serviceLevel) → \(a.serviceLevel), expected \(expected)")
      #expect(a.serviceLevelSource.contains("after feedback (80.0% achieved in"))
    }
    #expect(after.contains { $0.serviceLevel > 0.99 } && zip(before, after).allSatisfy { $1.serviceLevel > $0.serviceLevel })
    inputs.realisedService = [before[0].key: (cycles: 5, failed: 5)]
    #expect(try PlanJob.prepare(inputs, scenario: nil).planned.map(\.serviceLevel) == before.map(\.serviceLevel))
  }
}
