import ArgumentParser
import CSV
import Foundation
import Ledger
import Policy
import SalesHistory

/// `replenish ledger …`: the perpetual inventory ledger and available-to-promise.
struct LedgerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ledger",
    abstract: "Perpetual inventory ledger on embedded SQLite: stock events, ATP, history, verification.",
    discussion: """
      Every stock event is one transaction, identified by --source and --key: submitting the same key again
      changes nothing and prints the original outcome with its original exit status; the same key with a
      different event is refused. Quantities are positive whole units (the event says the direction).
      Exit status: 0 applied, 65 refused (reason printed), 75 the database stayed locked, 64 wrong flags.
      """,
    subcommands: [
      LedgerInit.self, LedgerReceive.self, LedgerLandedCost.self, LedgerReserve.self, LedgerRelease.self, LedgerShip.self, LedgerTransfer.self,
      LedgerReturn.self, LedgerInspect.self, LedgerCount.self, LedgerAdjust.self, LedgerPO.self, LedgerImport.self,
      LedgerATP.self, LedgerHistory.self, LedgerVerify.self,
    ]
  )
}

struct LedgerDatabaseOptions: ParsableArguments {
  @Option(name: .long, help: "Ledger database file.")
  var db = "replenish.sqlite"

  @Option(name: .long, help: "Output format: table, csv or json.")
  var format: OutputFormat = .table

  /// Opens the ledger (`readOnly` for queries: no write lock, and a file the user may only read works).
  func open(create: Bool = false, readOnly: Bool = false) throws -> LedgerStore {
    try LedgerStore(path: db, create: create, readOnly: readOnly)
  }
}

/// Flags every stock event shares.
struct EventOptions: ParsableArguments {
  @Option(name: .long, help: "Idempotency key of this event (required; unique per source).")
  var key: String?

  @Option(name: .long, help: "Who sends the event (with --key, its identity).")
  var source = "cli"

  @Option(name: .long, help: "When it happened (ISO 8601; default now).")
  var at: String?

  func event(_ kind: EventKind) throws -> LedgerEvent {
    guard let key else { throw ValidationError("--key is required: every stock event needs an idempotency key (for example the order or receipt id)") }
    var e = LedgerEvent(source: source, key: key, kind: kind)
    if let at {
      guard let ms = LedgerText.time(at) else { throw ValidationError("--at \"\(at)\": expected an ISO 8601 time such as 2026-11-28T10:15:00Z") }
      e.at = ms
    }
    return e
  }
}

/// `--sku --location --qty`: stock at one location.
struct StockOptions: ParsableArguments {
  @Option var sku: String
  @Option var location: String
  @Option(parsing: .unconditional, help: "Whole units, plain digits.") var qty: String

  func apply(to e: inout LedgerEvent, allowZero: Bool = false) throws {
    e.sku = sku
    e.location = location
    e.qty = try wholeUnits(qty, flag: "--qty", allowZero: allowZero)
  }
}

/// `--order --line --qty`: part of an order line.
struct OrderLineOptions: ParsableArguments {
  @Option var order: String
  @Option var line: String
  @Option(parsing: .unconditional, help: "Whole units, plain digits.") var qty: String

  func apply(to e: inout LedgerEvent) throws {
    e.order = order
    e.line = line
    e.qty = try wholeUnits(qty, flag: "--qty")
  }
}

/// Parses `--qty`-style text: plain digits only, so "1,000", "10 ", "1e3", "NaN" and non-ASCII digits are refused here.
func wholeUnits(_ text: String, flag: String, allowZero: Bool = false) throws -> Int {
  guard let value = CSVTable.parseInteger(text), value >= (allowZero ? 0 : 1) else {
    throw ValidationError("\(flag) \"\(text)\": expected a whole number \(allowZero ? "≥ 0" : "≥ 1") in plain digits (the command gives the direction)")
  }
  return value
}

func moneyMicros(_ text: String?, flag: String) throws -> Int? {
  guard let text else { return nil }
  guard let micros = LedgerText.micros(text), micros >= 0 else {
    if text.first != "-", text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), text.filter({ $0 == "." }).count <= 1, text.count > 12 {
      throw ValidationError("\(flag) \"\(text)\": the amount is too large; expected at most \(LedgerText.money(LedgerText.maximumAmountMicros))")
    }
    throw ValidationError("\(flag) \"\(text)\": expected an amount ≥ 0 with at most 6 decimals and no separators, e.g. 12.34")
  }
  return micros
}

/// Applies one event and reports it; refusals exit 65 (also on replay of a refused event).
func submit(_ event: LedgerEvent, _ options: LedgerDatabaseOptions) throws {
  let store = try options.open()
  let outcome = try store.apply(event)
  let replay = outcome.replayed ? " (replay of event \(outcome.eventID); nothing changed)" : ""
  switch options.format {
  case .json:
    print(try jsonString(outcome))
  case .table, .csv:
    if outcome.succeeded {
      print("applied: \(event.kind.rawValue) event \(outcome.eventID)\(replay)")
    }
  }
  if let error = outcome.error { throw CLIError("refused\(replay): \(error.description)") }
  if outcome.succeeded, options.format == .table, let sku = event.sku, let positions = try? store.positions(sku: sku) {
    print(positionsTable(positions.filter { event.location == nil || $0.location == event.location || $0.location == event.toLocation }))
  }
}

func positionsTable(_ positions: [Position]) -> String {
  let rows = LedgerTables.positionRows(positions)
  let labelled = zip(positions, rows).map { p, row in [row[0] + (p.isKit ? " (kit)" : "")] + row.dropFirst() }
  return alignedTable([["sku", "location", "region", "sellable", "committed", "ATP", "backordered", "inbound", "in_transit", "quarantine", "damaged", "avg_cost"]] + labelled)
}

func alignedTable(_ rows: [[String]]) -> String {
  guard let first = rows.first else { return "" }
  var widths = Array(repeating: 0, count: first.count)
  for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
  return rows.map { r in
    r.enumerated().map { i, c in i == 0 || Int(c) == nil ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[i] - c.count) + c }
      .joined(separator: "  ")
  }.joined(separator: "\n")
}

struct LedgerInit: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "init", abstract: "Create the ledger (or add master data to it): locations, SKUs, kits.",
    discussion: """
      --locations takes 'WH1,WH2' or 'WH1:EU,WH2:US' (location:region). --locations-file is a CSV with
      location[,region]. --items is the item master CSV (sku required; allow_backorder 0/1 optional; other
      item-master columns are accepted and ignored here). --kits is a CSV kit,component,qty.
      """)
  @OptionGroup var database: LedgerDatabaseOptions
  @Option(name: .long, help: "Locations: 'WH1,WH2' or 'WH1:EU,WH2:US'.") var locations: String?
  @Option(name: .customLong("locations-file"), help: "CSV with location[,region].") var locationsFile: String?
  @Option(name: .long, help: "Item master CSV (sku[, allow_backorder, …]).") var items: String?
  @Option(name: .long, help: "Kit definitions CSV (kit, component, qty).") var kits: String?

  func run() throws {
    var data = LedgerMasterData()
    if let locations { try data.addLocations(list: locations) }
    if let locationsFile { try data.addLocations(file: locationsFile) }
    if let items { try data.addSKUs(itemFile: items, knownColumns: ItemMaster.itemColumns) }
    if let kits { try data.addKits(file: kits) }
    let store = try database.open(create: true)
    try data.define(on: store)
    let master = try store.masterData()
    print("ledger \(database.db): \(master.skus.count) SKUs, \(master.locations.count) locations")
  }
}

struct LedgerReceive: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "receive", abstract: "Receive goods (against a PO line or not), with landed cost.")
  @OptionGroup var database: LedgerDatabaseOptions
  @OptionGroup var common: EventOptions
  @Option var sku: String
  @Option var location: String?
  @Option(parsing: .unconditional) var qty: String
  @Option(help: "Purchase order the goods arrive against.") var po: String?
  @Option(help: "Receipt (delivery) this line belongs to, for a later landed-cost allocation.") var receipt: String?
  @Option(name: .customLong("unit-cost"), help: "Unit cost (default: the PO line's).") var unitCost: String?
  @Option(help: "Freight for this receipt (added to landed cost).") var freight: String?
  @Option(help: "Duty for this receipt.") var duty: String?
  @Option(help: "Other fees for this receipt.") var fees: String?
  func run() throws {
    var e = try common.event(.receive)
    e.sku = sku; e.location = location; e.qty = try wholeUnits(qty, flag: "--qty"); e.po = po; e.receipt = receipt
    e.unitCostMicros = try moneyMicros(unitCost, flag: "--unit-cost")
    e.freightMicros = try moneyMicros(freight, flag: "--freight")
    e.dutyMicros = try moneyMicros(duty, flag: "--duty")
    e.feesMicros = try moneyMicros(fees, flag: "--fees")
    try submit(e, database)
  }
}

struct LedgerLandedCost: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "landed-cost", abstract: "Allocate a receipt's freight, duty and fees to its lines by value (moving average cost).")
  @OptionGroup var database: LedgerDatabaseOptions
  @OptionGroup var common: EventOptions
  @Option(help: "The receipt whose lines share the cost (from `receive --receipt`).") var receipt: String
  @Option var freight: String?
  @Option var duty: String?
  @Option var fees: String?
  func run() throws {
    var e = try common.event(.landedCost)
    e.receipt = receipt
    e.freightMicros = try moneyMicros(freight, flag: "--freight")
    e.dutyMicros = try moneyMicros(duty, flag: "--duty")
    e.feesMicros = try moneyMicros(fees, flag: "--fees")
    try submit(e, database)
  }
}

struct LedgerReserve: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "reserve", abstract: "Reserve an order line (refused when ATP is short unless the SKU allows backorders).")
  @OptionGroup var database: LedgerDatabaseOptions
  @OptionGroup var common: EventOptions
  @OptionGroup var orderLine: OrderLineOptions
  @Option var sku: String
  @Option var location: String
  func run() throws {
    var e = try common.event(.reserve)
    try orderLine.apply(to: &e)
    e.sku = sku
    e.location = location
    try submit(e, database)
  }
}

struct LedgerRelease: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "release", abstract: "Release part or all of an open order line (cancellation, short pick).")
  @OptionGroup var database: LedgerDatabaseOptions
  @OptionGroup var common: EventOptions
  @OptionGroup var orderLine: OrderLineOptions
  func run() throws {
    var e = try common.event(.release)
    try orderLine.apply(to: &e)
    try submit(e, database)
  }
}

struct LedgerShip: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "ship", abstract: "Ship part or all of a reserved order line (split shipments: ship again).")
  @OptionGroup var database: LedgerDatabaseOptions
  @OptionGroup var common: EventOptions
  @OptionGroup var orderLine: OrderLineOptions
  @Option(help: "With --dropship: the SKU of the drop-shipped line.") var sku: String?
  @Flag(help: "A drop-shipped line: recorded, never touches stock or ATP.") var dropship = false
  func run() throws {
    var e = try common.event(dropship ? .dropship : .ship)
    try orderLine.apply(to: &e)
    e.sku = sku
    try submit(e, database)
  }
}

struct LedgerTransfer: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "transfer", abstract: "Send stock to another location (in transit), or --arrive to receive a transfer.")
  @OptionGroup var database: LedgerDatabaseOptions
  @OptionGroup var common: EventOptions
  @Option var transfer: String
  @Option var sku: String
  @Option var from: String?
  @Option var to: String?
  @Option(parsing: .unconditional) var qty: String
  @Flag(help: "The transfer arrives at its destination.") var arrive = false
  func run() throws {
    var e = try common.event(arrive ? .transferIn : .transferOut)
    e.transfer = transfer; e.sku = sku; e.qty = try wholeUnits(qty, flag: "--qty")
    if arrive {
      e.location = to
    } else {
      guard let from, let to else { throw ValidationError("--from and --to are required to send a transfer") }
      e.location = from; e.toLocation = to
    }
    try submit(e, database)
  }
}

struct LedgerReturn: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "return", abstract: "Customer return of a shipped line: --reason restock (quarantine until inspected) or scrap.")
  @OptionGroup var database: LedgerDatabaseOptions
  @OptionGroup var common: EventOptions
  @OptionGroup var orderLine: OrderLineOptions
  @Option(help: "restock or scrap.") var reason: String
  func run() throws {
    var e = try common.event(.return)
    try orderLine.apply(to: &e)
    e.reason = reason
    try submit(e, database)
  }
}

struct LedgerInspect: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Inspect quarantined stock: --result pass (to sellable) or fail (to damaged).")
  @OptionGroup var database: LedgerDatabaseOptions
  @OptionGroup var common: EventOptions
  @OptionGroup var stock: StockOptions
  @Option(help: "pass or fail.") var result: String
  func run() throws {
    var e = try common.event(.inspect)
    try stock.apply(to: &e)
    e.reason = result
    try submit(e, database)
  }
}

struct LedgerCount: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "count", abstract: "Cycle count: set sellable on-hand to the counted quantity.")
  @OptionGroup var database: LedgerDatabaseOptions
  @OptionGroup var common: EventOptions
  @OptionGroup(title: "The counted quantity (0 allowed) at the location") var stock: StockOptions
  func run() throws {
    var e = try common.event(.count)
    try stock.apply(to: &e, allowZero: true)
    try submit(e, database)
  }
}

struct LedgerAdjust: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "adjust", abstract: "Adjust stock: --reason shrink, damage, found or dispose.")
  @OptionGroup var database: LedgerDatabaseOptions
  @OptionGroup var common: EventOptions
  @OptionGroup var stock: StockOptions
  @Option(help: "shrink (sellable −), damage (sellable → damaged), found (sellable +), dispose (damaged −).") var reason: String
  func run() throws {
    var e = try common.event(.adjust)
    try stock.apply(to: &e)
    e.reason = reason
    try submit(e, database)
  }
}

struct LedgerPO: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "po", abstract: "Purchase-order lines: open, change or cancel (inbound).")
  enum Action: String, ExpressibleByArgument { case open, change, cancel }
  @OptionGroup var database: LedgerDatabaseOptions
  @OptionGroup var common: EventOptions
  @Argument(help: "open, change or cancel.") var action: Action
  @Option var po: String
  @Option var sku: String
  @Option var location: String?
  @Option(parsing: .unconditional) var qty: String?
  @Option(name: .customLong("unit-cost")) var unitCost: String?
  @Option(name: .customLong("tolerance-percent"), help: "Over-receipt tolerance, % of ordered.") var tolerance: String?
  func run() throws {
    var e = try common.event(action == .open ? .poOpen : action == .change ? .poChange : .poCancel)
    e.po = po; e.sku = sku; e.location = location
    if action != .cancel {
      guard let qty else { throw ValidationError("--qty is required to \(action.rawValue) a PO line") }
      e.qty = try wholeUnits(qty, flag: "--qty")
    }
    e.unitCostMicros = try moneyMicros(unitCost, flag: "--unit-cost")
    if let tolerance { e.tolerancePercent = try wholeUnits(tolerance, flag: "--tolerance-percent", allowZero: true) }
    try submit(e, database)
  }
}

struct LedgerImport: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import", abstract: "Apply events from a CSV or JSON Lines file.",
    discussion: """
      The file is parsed completely first: a malformed file (bad header, quantity, kind, time …) is refused
      with its line and column and nothing is applied. Then, by default, events are applied per row in
      group-committed batches: refused events are recorded (a replay returns the same refusal) and listed
      in the rejection report; the exit status is 65 if any were refused. With --atomic the whole file is
      one transaction: any refusal rolls everything back. Replaying a file is safe: applied keys are skipped
      with their original outcome, so an interrupted import resumes by running it again.
      """)
  @OptionGroup var database: LedgerDatabaseOptions
  @Argument(help: "Events file (.csv, .jsonl).") var file: String
  @Option(help: "Source for rows without one (default: the file name).") var source: String?
  @Flag(help: "All-or-nothing: one refusal rolls back the whole file.") var atomic = false
  @Option(help: "Events per committed batch (group commit).") var batch = 500
  @Option(name: .customLong("rejections"), help: "Write refused rows as CSV here.") var rejections: String?

  func validate() throws {
    if batch < 1 { throw ValidationError("--batch must be at least 1, got \(batch)") }
  }

  func run() throws {
    let entries = try EventFile.read(path: file, defaultSource: source ?? URL(fileURLWithPath: file).lastPathComponent)
    let store = try database.open()
    let progress = ProgressBar(total: entries.count, label: "import")
    if atomic && entries.count > batch {
      printError("\(file): --atomic applies \(entries.count) events in one transaction: other writers (order intake) wait until it commits or rolls back; without --atomic it commits every \(batch) events")
    }
    let started = Date()
    let result: EventImport.Result
    do {
      result = try EventImport(batch: batch, atomic: atomic).run(entries, on: store) { committed in
        // Acknowledgement: these events are committed and survive a kill from here on.
        print("acknowledged \(committed)")
        fflush(nil)
        progress.update(committed)
      }
    } catch let error as LedgerError {
      progress.finish()
      throw InFile(file: file, error: error)
    }
    progress.finish()
    let refused = result.refused
    if let rejections { try writeAtomically(EventImport.rejections(refused), to: rejections) }
    print("\(file): \(result.events) events, \(result.applied) applied, \(result.replayed) replayed, \(refused.count) refused\(result.rolledBack ? " — rolled back, nothing applied (--atomic)" : "")"
          + (atomic ? String(format: "; the write lock was held %.1f s", Date().timeIntervalSince(started)) : ""))
    for r in refused.prefix(20) { printError("\(file):\(r.line): \(r.event.kind.rawValue) key \(r.event.key): \(r.error.description)") }
    if refused.count > 20 { printError("… \(refused.count - 20) more refused rows\(rejections == nil ? " (--rejections FILE lists them all)" : "")") }
    if !refused.isEmpty { throw AlreadyReported() }
  }
}

struct LedgerATP: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "atp", abstract: "Balances and available-to-promise by location or region, now or as of a time; channel feeds.",
    discussion: """
      --by region sums locations of one region (location group). --channel NAME with --buffer / --buffer-percent
      / --cap writes what a connector should publish: max(0, min(cap, ATP − buffer − ⌈ATP·percent/100⌉)),
      per SKU over the selected locations.
      """)
  enum Grouping: String, ExpressibleByArgument { case location, region }
  @OptionGroup var database: LedgerDatabaseOptions
  @Option var sku: String?
  @Option var location: String?
  @Option(name: .customLong("as-of"), help: "Balances as of this time (ISO 8601).") var asOf: String?
  @Option var by: Grouping = .location
  @Option var channel: String?
  @Option(parsing: .unconditional, help: "Units held back from the channel (≥ 0).") var buffer = 0
  @Option(name: .customLong("buffer-percent"), parsing: .unconditional, help: "Percent of ATP held back (0–100).") var bufferPercent = 0
  @Option(parsing: .unconditional, help: "The most the channel may show (≥ 0).") var cap: Int?

  func validate() throws {
    do { _ = try ChannelAllocation.validated(name: channel ?? "", buffer: buffer, bufferPercent: bufferPercent, cap: cap) } catch {
      throw ValidationError(error.message)
    }
  }
  @Option(help: "Write to this file instead of standard output.") var out: String?

  func run() throws {
    let store = try database.open(readOnly: true)
    var time: Int64?
    if let asOf {
      guard let t = LedgerText.time(asOf) else { throw ValidationError("--as-of \"\(asOf)\": expected ISO 8601") }
      time = t
    }
    var positions = try store.positions(sku: sku, location: location, asOf: time)
    if by == .region { positions = Position.byRegion(positions) }
    var text: String
    if let channel {
      let feed = try ChannelAllocation.validated(name: channel, buffer: buffer, bufferPercent: bufferPercent, cap: cap).feed(positions)
      text = database.format == .json ? try jsonString(feed) : LedgerTables.feed(feed)
    } else {
      switch database.format {
      case .table: text = positionsTable(positions)
      case .json:
        struct Out: Encodable { let position: Position; let atp: Int }
        text = try jsonString(positions.map { Out(position: $0, atp: $0.availableToPromise) })
      case .csv: text = LedgerTables.positions(positions)
      }
    }
    if let out { try writeAtomically(text + "\n", to: out) } else { print(text) }
  }
}

struct LedgerHistory: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "history", abstract: "Movement history of a SKU.")
  @OptionGroup var database: LedgerDatabaseOptions
  @Option var sku: String
  @Option var location: String?
  @Option var limit = 10_000
  func run() throws {
    let store = try database.open(readOnly: true)
    let records = try store.history(sku: sku, location: location, limit: limit)
    switch database.format {
    case .json: print(try jsonString(records))
    case .csv: print(LedgerTables.movements(records))
    case .table: print(alignedTable([LedgerTables.movementColumns] + LedgerTables.movementRows(records, signed: true)))
    }
  }
}

struct LedgerVerify: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify", abstract: "Rebuild balances from movements and check every invariant (exit 65 on any violation).")
  @OptionGroup var database: LedgerDatabaseOptions
  func run() throws {
    let store = try database.open(readOnly: true)
    let report = try store.verify()
    if database.format == .json {
      print(try jsonString(report))
    } else {
      for c in report.checks {
        print("\(c.violations == 0 ? "ok  " : "FAIL") \(c.name): \(c.description)\(c.violations == 0 ? "" : " — \(c.violations) violations")")
        for e in c.examples { print("       \(e)") }
      }
      print(String(format: "events: %d applied, %d refused; %d movements, %d positions rebuilt and checked in %.2f s",
                   report.appliedEvents, report.rejectedEvents, report.movements, report.positions, report.seconds))
    }
    if !report.passed { throw AlreadyReported() }
  }
}
