import Forecasting
import Foundation
import Ledger
import Planning
import Policy
import SalesHistory
import Sampling
import TimeSeries

/// Classification and policy arithmetic at scale, and PO suggestions for many SKU × locations; next to
/// pandas (ABC) and stockpyl ((r, Q) by EOQ + SS) when Python has them, as ratios.
func policyBenchmark(skus: Int, poSKUs: Int, locations: Int, peerItems: Int) {
  var rng = SeededGenerator(seed: 1)
  // ABC/XYZ of `skus` SKUs with 26 weeks of demand each.
  var inputs: [ClassificationInput] = []
  inputs.reserveCapacity(skus)
  for i in 0..<skus {
    let value = exp(5 + 2 * rng.normal())
    let mean = max(0.1, value / 50)
    inputs.append(ClassificationInput(sku: "S\(i)", value: value, units: mean * 26, periodDemand: (0..<26).map { _ in Double(rng.poisson(mean)) }))
  }
  var t = now()
  var sortOnly = inputs.map(\.value)
  sortOnly.sort(by: >)
  let sortSeconds = now() - t
  t = now()
  let classes = Classifier().classify(inputs)
  let classifySeconds = now() - t
  let a = classes.filter { $0.abc == .A }.count
  print(String(format: "ABC/XYZ of %d SKUs (26 periods each): %.3f s (%.0f SKUs/s), A %d; of which a bare sort of the values takes %.3f s",
               skus, classifySeconds, Double(skus) / classifySeconds, a, sortSeconds))

  // Policies for the same SKUs.
  var item = Item(sku: "x")
  item.orderCost = 20
  item.unitCost = 4
  item.casePack = 6
  t = now()
  var checksum = 0.0
  for c in classes {
    item.sku = c.sku
    let demand = DemandEstimate(sku: c.sku, periodDays: 7, meanPerPeriod: c.meanDemand, sigmaPerPeriod: c.meanDemand.squareRoot() + 0.5,
                                sigmaSource: "bench", pattern: .smooth)
    checksum += PolicyCalculator.compute(item: item, demand: demand, serviceLevel: c.serviceLevel, serviceLevelSource: "class").reorderPoint
  }
  let policySeconds = now() - t
  print(String(format: "policies (safety stock, reorder point, EOQ with rounding) for %d SKUs: %.3f s (%.0f SKUs/s), Σ s = %.0f", skus, policySeconds, Double(skus) / policySeconds, checksum))

  // PO suggestions for poSKUs × locations.
  var policies: [(policy: PolicyResult, item: PlannedItem)] = []
  var positions: StockPositions = [:]
  var master: [Item] = []
  for s in 0..<poSKUs {
    for l in 0..<locations {
      var it = Item(sku: "P\(s)", location: "L\(l)")
      it.supplier = "SUP\(s % 200)"
      it.unitCost = 1 + Double(s % 50)
      it.casePack = [1, 6, 12][s % 3]
      master.append(it)
      let d = Double(s % 40) + 0.5
      let demand = DemandEstimate(sku: it.sku, location: it.location, periodDays: 7, meanPerPeriod: l == 2 ? 0 : d, sigmaPerPeriod: d.squareRoot(), sigmaSource: "bench")
      let planned = PlannedItem(series: policies.count, key: StockKey(sku: it.sku, location: "L\(l)"), item: it, abc: .new, serviceLevel: 0.95,
                                serviceLevelSource: "bench")
      policies.append((PolicyCalculator.compute(planned, demand: demand), planned))
      positions[planned.key] = StockPosition(sellable: Double(rng.poisson(d * 3)), committed: Double(rng.poisson(d / 2)))
    }
  }
  let items = ItemMaster(items: master, suppliers: (0..<200).map { Supplier(name: "SUP\($0)", minimumOrderValue: Double($0 % 4) * 250) })
  t = now()
  let plan = PurchasePlanner(budget: 5_000_000, today: 20_000).plan(policies, positions: positions, master: items)
  let poSeconds = now() - t
  print(String(format: "PO suggestions for %d SKUs × %d locations: %.3f s — %d lines in %d POs, %d deferred, %d transfers; peak memory %.0f MiB",
               poSKUs, locations, poSeconds, plan.orders.reduce(0) { $0 + $1.lines.count }, plan.orders.count, plan.deferred.count, plan.transfers.count, peakRSSMiB()))

  // Peers.
  let script = "Benchmarks/compare_policy.py"
  guard FileManager.default.fileExists(atPath: script) else { return }
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["python3", script, "\(skus)", "\(peerItems)"]
  let pipe = Pipe()
  process.standardOutput = pipe
  process.standardError = FileHandle.nullDevice
  guard (try? process.run()) != nil else { print("peers: python3 not available"); return }
  let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  process.waitUntilExit()
  for line in output.split(separator: "\n") where line.hasPrefix("PEER") {
    let fields = Dictionary(uniqueKeysWithValues: line.split(separator: " ").dropFirst().compactMap { f -> (String, String)? in
      let kv = f.split(separator: "=", maxSplits: 1)
      return kv.count == 2 ? (String(kv[0]), String(kv[1])) : nil
    })
    guard let name = fields["name"], let seconds = fields["seconds"].flatMap(Double.init), let n = fields["items"].flatMap(Int.init) else {
      print("peer: \(line)")
      continue
    }
    let ours = name.contains("abc") ? classifySeconds / Double(skus) * Double(n) : policySeconds / Double(skus) * Double(n)
    print(String(format: "  vs %@ on %d items: %.3f s vs ours %.3f s (same item count) → Replenish %.1f× faster", name, n, seconds, ours, seconds / ours))
  }
}

/// The whole planning job on a generated panel: ledger positions for every SKU, then forecast → classify →
/// policy → PO suggestions, with the time of each step and the peak memory.
func planBenchmark(file: String, frequency: Frequency, models: String, folder: String) throws {
  let t0 = now()
  let history = try SalesHistoryReader.read(file: file, options: SalesHistoryOptions(frequency: frequency))
  let panel = history.panel
  let readSeconds = now() - t0
  let dbPath = folder + "/plan-bench.sqlite"
  for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dbPath + suffix) }
  let ledger = try LedgerStore(path: dbPath, create: true)
  try ledger.defineLocations([("DC", "")])
  try ledger.defineSKUs(panel.keys.map { ($0.sku, true) })
  var rng = SeededGenerator(seed: 3)
  let events = (0..<panel.seriesCount).map { s -> LedgerEvent in
    let recent = panel.values(of: s).suffix(8).filter { !$0.isNaN }
    let mean = recent.isEmpty ? 0 : recent.reduce(0, +) / Double(recent.count)
    return LedgerEvent(source: "bench", key: "open-\(s)", kind: .receive, sku: panel.keys[s].sku, location: "DC",
                       qty: max(1, Int(mean * (0.5 + 6 * rng.uniform()))), unitCostMicros: 1_000_000 + Int(rng.next() % 20_000_000))
  }
  let t1 = now()
  for chunk in stride(from: 0, to: events.count, by: 1000) { _ = try ledger.apply(batch: Array(events[chunk..<min(events.count, chunk + 1000)]), atomic: false) }
  let ledgerSeconds = now() - t1
  var master: [Item] = []
  for (s, key) in panel.keys.enumerated() {
    var item = Item(sku: key.sku, location: "DC")
    item.supplier = "SUP\(s % 50)"
    item.unitCost = 1 + Double(s % 20)
    item.casePack = [1, 6, 12][s % 3]
    item.orderCost = 20
    master.append(item)
  }
  guard case .success(let methods) = ModelCatalog.methods(models), methods.count == 1 else { fail("--models: one model") }
  var settings = PlanSettings(method: methods[0], seasonLength: frequency.defaultSeasonLength, threads: ProcessInfo.processInfo.activeProcessorCount, horizon: 13)
  settings.budget = 2_000_000
  let t2 = now()
  let result = try PlanJob.run(PlanInputs(panel: panel, items: ItemMaster(items: master), positions: try StockSource.read(ledger).positions, settings: settings))
  let planSeconds = now() - t2
  let lines = result.purchase.orders.reduce(0) { $0 + $1.lines.count }
  print(String(format: "plan on %@ (%d series, %@ly): read %.1f s, ledger %d opening events %.1f s, plan %.1f s (%@); %d PO lines, %d deferred; peak memory %.0f MiB",
               file, panel.seriesCount, frequency.rawValue, readSeconds, events.count, ledgerSeconds, planSeconds,
               result.timings.map { String(format: "%@ %.1f s", $0.step, $0.seconds) }.joined(separator: ", "), lines, result.purchase.deferred.count, peakRSSMiB()))
}
