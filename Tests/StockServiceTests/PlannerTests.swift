import Forecasting
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Policy
import SalesHistory
import Testing
import TestSupport
import TimeSeries
import Workspace

@testable import Planning
@testable import StockService

/// The planner's page: the scenario form read strictly (each bad field named, nothing run), a scenario run
/// in the background with its progress, baseline vs scenario per class, saved and listed after a restart.
@Suite("Workspace: the planner's scenarios")
struct PlannerTests {
  @Test("The scenario form: every field read, each bad one named with what is accepted, nothing run")
  func form() {
    let good = ScenarioForm.parse([
      "csrf": "t", "name": "peak 2011", "demand_multiplier": "1.1", "month_12": "1.4", "month_11": "", "categories": "christmas = 1.5\n\neveryday=0.9",
      "skus": "22197 = 2", "lead_time": "SUP-15 = 14\n* = 2", "service_shift": "0.01", "budget": "900000", "price_multiplier": "1.05", "elasticity": "-1.5",
      "runs": "50", "seed": "7",
    ])
    let request = try? #require(good.request)
    #expect(good.form.errors.isEmpty)
    #expect(request?.spec.name == "peak 2011" && request?.spec.demandMultiplier == 1.1 && request?.spec.monthMultipliers == [12: 1.4])
    #expect(request?.spec.categoryMultipliers == ["christmas": 1.5, "everyday": 0.9] && request?.spec.skuMultipliers == ["22197": 2])
    #expect(request?.spec.leadTimeShiftDays == ["SUP-15": 14, "*": 2] && request?.spec.serviceLevelShift == 0.01 && request?.spec.budget == 900_000)
    #expect(request?.spec.priceMultiplier == 1.05 && request?.spec.priceElasticity == -1.5 && request?.runs == 50 && request?.seed == 7)

    let bad = ScenarioForm.parse([
      "csrf": "t", "name": "", "demand_multiplier": "-1", "month_3": "lots", "categories": "christmas 1.5", "lead_time": "A = 1\nA = 2",
      "service_shift": "0.5", "budget": "nan", "runs": "2.5", "price_multiplier": "1e999", "other": "x",
    ])
    #expect(bad.request == nil)
    #expect(Set(bad.form.errors.keys) == ["name", "demand_multiplier", "month_3", "categories", "lead_time", "service_shift", "budget", "runs", "price_multiplier"])
    #expect(bad.form.errors["demand_multiplier"]?.contains("expected a multiplier from 0 to 100") == true)
    #expect(bad.form.errors["categories"]?.contains("line 1 \"christmas 1.5\": expected NAME = a multiplier") == true)
    #expect(bad.form.errors["lead_time"]?.contains("\"A\" appears twice") == true)
    let html = bad.form.html(csrf: "t")
    #expect(html.contains("9 fields to correct") && html.contains("value=\"lots\" placeholder=\"\" aria-invalid=true"))
  }

  /// A: 10 a week for 12 weeks at WH, naive forecasts (as in the planning core's tests).
  static func inputs() throws -> PlanInputs {
    var history = "sku,date,qty\n"
    for week in 0..<12 { history += "A,\(CivilDate(dayNumber: CivilDate(year: 2024, month: 1, day: 1)!.dayNumber + 7 * week)),10\n" }
    let panel = try SalesHistoryReader.read(file: temporaryFile(history), options: SalesHistoryOptions(frequency: .week)).panel
    let items = try ItemMaster.read(items: temporaryFile("sku,supplier,unit_cost,unit_price,lead_time_days,review_period_days,location\nA,S1,2,4,14,7,WH1\n", name: "items.csv"))
    var settings = PlanSettings(method: NaiveMethod(), seasonLength: 1, threads: 1, horizon: 4)
    settings.measure = .units
    return PlanInputs(panel: panel, items: items, positions: [:], settings: settings)
  }

  @Test("A scenario from the form runs in the background: progress, then baseline vs scenario; saved and listed again after a restart")
  func run() async throws {
    let inputs = try Self.inputs()
    let f = try ServiceFixture().offering(planIn: { try PlanReleaseAPITests.writePlan(into: $0) }, inputs: inputs)
    defer { f.remove() }
    try await f.application().test(.router) { client in
      let login = try await client.page(.post, "/ui/login", form: [("key", f.readOnly)])
      let cookie = String(try #require(login.headers[.setCookie]).split(separator: ";")[0])
      let page = try await client.page(.get, "/ui/planner", cookie: cookie)
      #expect(page.status == 200 && page.html.contains("Run scenario") && page.html.contains("None yet."))
      let csrf = try #require(page.csrf)

      let refused = try await client.page(.post, "/ui/planner", cookie: cookie, form: [("csrf", csrf), ("name", "x"), ("runs", "0")])
      #expect(refused.status == 422 && refused.html.contains("id=\"e-runs\"") && refused.html.contains("None yet."), "nothing queued")

      let submitted = try await client.page(.post, "/ui/planner", cookie: cookie, form: [("csrf", csrf), ("name", "double demand"), ("demand_multiplier", "2"), ("runs", "20")])
      #expect(submitted.status == 303)
      let location = try #require(submitted.location)
      #expect(location.hasPrefix("/ui/planner/scn-"))
      var job = try await client.page(.get, location, cookie: cookie)
      let deadline = Date().addingTimeInterval(60)
      while !job.html.contains("Baseline vs scenario") && !job.html.contains("failed") && Date() < deadline {
        #expect(job.html.contains("http-equiv=refresh"), "a running scenario refreshes itself")
        try await Task.sleep(for: .milliseconds(50))
        job = try await client.page(.get, location, cookie: cookie)
      }
      #expect(job.html.contains("Baseline vs scenario") && !job.html.contains("http-equiv=refresh"), "\(job.html)")
      #expect(job.html.contains("demand × 2 for every SKU") && job.html.contains("<svg role=img"))
      let list = try await client.page(.get, "/ui/planner", cookie: cookie)
      #expect(list.html.contains("double demand") && list.html.contains("tag released\">done"))
    }
    // Saved: a new registry over the same folder lists it with its figures; doubling demand raises the spend.
    let saved = ScenarioJobs(runner: nil, folder: f.folder + "/scenarios").all
    #expect(saved.count == 1 && saved.first?.state == .done)
    let baseline = try #require(saved.first?.baseline["all"]), scenario = try #require(saved.first?.scenario["all"])
    #expect(scenario.spend > baseline.spend, "\(baseline.spend) → \(scenario.spend)")
  }

  @Test("Without --config the planner page says how to enable scenarios, and a posted form is refused")
  func unavailable() async throws {
    let f = try ServiceFixture().offering(planIn: { try PlanReleaseAPITests.writePlan(into: $0) })
    defer { f.remove() }
    try await f.application().test(.router) { client in
      let cookie = try await client.signIn(f.readOnly)
      let page = String(buffer: try await client.execute(uri: "/ui/planner", method: .get, headers: [.cookie: cookie]).body)
      #expect(page.contains("start it with --config plan.toml") && !page.contains("Run scenario"))
      let csrf = try #require(WorkspaceTests.csrf(in: page))
      let post = try await client.execute(uri: "/ui/planner", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                                          body: ByteBuffer(string: WorkspaceTests.form([("csrf", csrf), ("name", "x")])))
      #expect(post.status == .conflict)
    }
  }
}

@Suite("Workspace: the analyst's classes")
struct AnalystTests {
  /// A 100 a week and B 10 a week from 2024-01-01; C starts selling 50 a week in March.
  static func inputs() throws -> PlanInputs {
    var history = "sku,date,qty\n"
    for week in 0..<12 {
      let date = CivilDate(dayNumber: CivilDate(year: 2024, month: 1, day: 1)!.dayNumber + 7 * week)
      history += "A,\(date),100\nB,\(date),10\nC,\(date),\(date.month >= 3 ? 50 : 0)\n"
    }
    let panel = try SalesHistoryReader.read(file: temporaryFile(history), options: SalesHistoryOptions(frequency: .week)).panel
    var settings = PlanSettings(method: NaiveMethod(), seasonLength: 1, threads: 1, horizon: 4)
    settings.measure = .units
    return PlanInputs(panel: panel, items: ItemMaster(), positions: [:], settings: settings)
  }

  @Test("ABC × XYZ as of the history's end, the moves since the previous month-end, a cell's SKUs; bad dates refused")
  func classes() async throws {
    let inputs = try Self.inputs()
    let f = try ServiceFixture().offering(planIn: { try PlanReleaseAPITests.writePlan(into: $0) }, inputs: inputs)
    defer { f.remove() }
    try await f.application().test(.router) { client in
      let cookie = try await client.signIn(f.readOnly)
      func get(_ uri: String) async throws -> (Int, String) {
        let r = try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie])
        return (Int(r.status.code), String(buffer: r.body))
      }
      let (status, page) = try await get("/ui/analyst")
      #expect(status == 200 && page.contains("Classes as of 2024-03-24") && page.contains("Moves since 2024-02-29"), "\(page)")
      #expect(page.contains("from=-&amp;to="), "C was not classified at the end of February and is now: a link to its cell")
      let (_, moved) = try await get("/ui/analyst?from=-")
      #expect(moved.contains("SKUs that moved from - to any") && moved.contains("<a href=\"/ui/sku?sku=C\">C</a>") && !moved.contains("sku?sku=A\""))
      #expect(try await get("/ui/analyst?as_of=2024-02-29").1.contains("Classes as of 2024-02-29"))
      #expect(try await get("/ui/analyst?as_of=soon").0 == 400)
      #expect(try await get("/ui/analyst?from=D").0 == 400)
      let (early, text) = try await get("/ui/analyst?as_of=2023-06-30")
      #expect(early == 422 && text.contains("leaves no full week of history"), "\(text)")
    }
  }
}

@Suite("Workspace: the SKU page's chart")
struct SKUChartTests {
  @Test("History (12 weeks of 10) and the plan's forecast with 80/95 % bands; without forecasts.csv the page says why")
  func chart() async throws {
    let inputs = try PlannerTests.inputs()
    let f = try ServiceFixture().offering(planIn: { try PlanReleaseAPITests.writePlan(into: $0) }, inputs: inputs)
    defer { f.remove() }
    try await f.application().test(.router) { client in
      let cookie = try await client.signIn(f.readOnly)
      let before = String(buffer: try await client.execute(uri: "/ui/sku?sku=A", method: .get, headers: [.cookie: cookie]).body)
      #expect(before.contains("the chart could not be drawn") && before.contains("forecasts.csv"))
      var csv = "sku,location,date,model,mean,lo-80,hi-80,lo-95,hi-95\n"
      for week in 0..<4 { csv += "A,,\(CivilDate(dayNumber: CivilDate(year: 2024, month: 3, day: 25)!.dayNumber + 7 * week)),Naive,10,8,12,7,13\n" }
      try csv.write(toFile: f.folder + "/forecasts.csv", atomically: true, encoding: .utf8)
      let page = String(buffer: try await client.execute(uri: "/ui/sku?sku=A", method: .get, headers: [.cookie: cookie]).body)
      #expect(page.contains("<figcaption>A: Naive · 80 % and 95 % intervals</figcaption>"))
      #expect(page.contains("class='hist'") && page.contains("class='b80'") && page.contains("class='b95'") && page.contains("class='mean'"), "\(page)")
      #expect(page.contains("no policy backtest: give the plan configuration a [report] backtest"))
    }
  }

  @Test("Promised vs achieved per location from the latest policy backtest file")
  func service() async throws {
    var fixture = try ServiceFixture().offering(planIn: { try PlanReleaseAPITests.writePlan(into: $0) })
    defer { fixture.remove() }
    let path = fixture.folder + "/backtest.csv"
    try """
      sku,location,class,service_level,safety_stock_method,quantile_method,reorder_point,order_up_to,test_periods,demand,served_from_stock,fill_rate,cycles,cycles_with_stockout,cycle_service_level,stockout_periods,in_stock_rate,avg_on_hand,unit_cost,orders,demand_ratio,new_peak,promised_cycle_service
      A,WH1,AX,0.95,calibrated,"normal, 26 origins",10,20,24,240,228,0.95,8,1,0.875,1,0.9583,12.5,2,8,1.000,0,0.9612
      B,WH1,BX,0.9,calibrated,normal,5,9,24,0,0,1,0,0,1,0,1,9,1,0,0,0,

      """.write(toFile: path, atomically: true, encoding: .utf8)
    fixture.settings.backtestFile = path
    let f = fixture
    try await f.application().test(.router) { client in
      let cookie = try await client.signIn(f.readOnly)
      let page = String(buffer: try await client.execute(uri: "/ui/sku?sku=A", method: .get, headers: [.cookie: cookie]).body)
      #expect(page.contains("<td>WH1</td><td class=n>95.0%</td><td class=n>96.1%</td><td class=n>87.5%</td><td class=n>8 (1)</td><td class=n>95.0%</td><td class=n>95.8%</td><td class=n>24</td>"), "\(page)")
      let b = String(buffer: try await client.execute(uri: "/ui/sku?sku=B", method: .get, headers: [.cookie: cookie]).body)
      #expect(b.contains("<td>WH1</td><td class=n>90.0%</td><td class=n>–</td><td class=n>no complete cycle</td>"), "\(b)")
    }
  }
}

@Suite("Workspace: re-planning in the background")
struct ReplanTests {
  @Test("Re-run the plan from the page: progress while it runs, then the new plan is the one the buyer sees and the API serves")
  func replan() async throws {
    let inputs = try PlannerTests.inputs()
    var fixture = try ServiceFixture().offering(planIn: { try PlanReleaseAPITests.writePlan(into: $0) }, inputs: inputs)
    defer { fixture.remove() }
    let folder = fixture.folder
    fixture.settings.planRunner = { progress in
      let result = try PlanJob.run(inputs, progress: progress)
      try PlanTables.json(result.purchase).write(toFile: folder + "/po_suggestions.json", atomically: true, encoding: .utf8)
      return "plan \(result.purchase.planID)"
    }
    let f = fixture
    let before = try PurchaseReleasing.readPlan(folder: folder).planID
    try await f.application().test(.router) { client in
      let cookie = try await client.signIn(f.warehouse)
      func get(_ uri: String) async throws -> String { String(buffer: try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]).body) }
      let idle = try await get("/ui/plan-run")
      #expect(idle.contains("No re-plan since the server started") && idle.contains("Re-run the plan now"))
      let csrf = try #require(WorkspaceTests.csrf(in: idle))
      let started = try await client.execute(uri: "/ui/plan-run", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                                             body: ByteBuffer(string: WorkspaceTests.form([("csrf", csrf)])))
      #expect(started.status == .seeOther)
      var page = try await get("/ui/plan-run")
      let deadline = Date().addingTimeInterval(60)
      while !page.contains("Last re-plan") && !page.contains("failed") && Date() < deadline {
        try await Task.sleep(for: .milliseconds(50))
        page = try await get("/ui/plan-run")
      }
      #expect(page.contains("Last re-plan (by warehouse): plan plan-2024-03-24-"), "\(page)")
      let current = try await client.call(.get, "/v1/plans/current", key: f.readOnly)
      let id = current.json["plan_id"] as? String
      #expect(id != before && id?.hasPrefix("plan-2024-03-24-") == true)
      #expect((current.json["lines"] as? [[String: Any]])?.map { $0["line_id"] as? String } == ["A@WH1"])
      #expect(try await get("/ui/buyer").contains("Last re-plan (by warehouse)"))
    }
  }
}
