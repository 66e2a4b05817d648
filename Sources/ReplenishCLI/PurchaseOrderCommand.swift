import ArgumentParser
import CSV
import Foundation
import Ledger
import Planning

/// `replenish po …`: a plan's PO suggestions released into the ledger as purchase orders.
struct PurchaseOrderCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "po",
    abstract: "Release a plan's PO suggestions into the ledger as purchase orders, and see what was released.",
    subcommands: [PurchaseOrderRelease.self, PurchaseOrderStatus.self]
  )
}

struct PurchaseOrderRelease: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "release",
    abstract: "Open the accepted lines of a plan as PO lines in the ledger and write one PO document per supplier order.",
    discussion: """
      Reads the plan folder `replenish plan` wrote (po_suggestions.json). Choose the lines with --all (every
      suggested line), --supplier NAME, or --lines ID,ID (ids as in po_suggestions.csv: sku@location, or the SKU
      alone when it has one line; deferred lines may be named). --set ID=QTY changes a line's quantity; the
      quantity is rounded up by the line's MOQ, case pack and order multiple, and the rounding is recorded.
      Each line is ordered once: the plan id and line id are the key, so releasing again (or two buyers at
      once) changes nothing and reports who released it. Writes <out>/<PO>.csv and <PO>.html for every PO with
      released lines. Exit status: 0 every chosen line is ordered (now or before), 65 a line was refused or the
      input is wrong, 75 the ledger stayed locked.
      """
  )

  @Option(name: .long, help: "The plan folder (where `replenish plan` wrote po_suggestions.json).") var plan: String
  @Option(name: .long, help: "Ledger database file.") var db = "replenish.sqlite"
  @Flag(name: .long, help: "Release every suggested line.") var all = false
  @Option(name: .long, help: "Release every suggested line of this supplier.") var supplier: String?
  @Option(name: .long, help: "Release these lines (comma-separated ids: sku@location, or the SKU).") var lines: String?
  @Option(name: .customLong("set"), help: "A line's quantity: ID=QTY (repeatable).") var edits: [String] = []
  @Option(name: .long, help: "Who releases (recorded with each line; default: $USER).") var by: String?
  @Option(name: .long, help: "Folder for the PO documents (default: <plan>/purchase-orders).") var out: String?

  func validate() throws {
    let chosen = [all, supplier != nil, lines != nil].filter { $0 }.count
    guard chosen == 1 else { throw ValidationError("choose the lines with exactly one of --all, --supplier NAME or --lines ID,ID") }
  }

  func run() throws {
    let plan = try PurchaseReleasing.readPlan(folder: self.plan)
    let selection: PurchaseReleasing.Selection =
      all ? .all : supplier.map { .supplier($0) } ?? .lines(lines!.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    var quantities: [String: Int] = [:]
    for edit in edits {
      let parts = edit.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--set \"\(edit)\": expected LINE=QTY, e.g. 10080@UK-DC=24") }
      quantities[parts[0]] = try wholeUnits(parts[1], flag: "--set \(parts[0])")
    }
    let who = by ?? ProcessInfo.processInfo.environment["USER"] ?? "cli"
    let releases: [PurchaseRelease]
    do {
      releases = try PurchaseReleasing.releases(plan: plan, selection: selection, edits: quantities, releasedBy: who)
    } catch {
      throw CLIError("\(self.plan): \(error.message)")
    }
    let store = try LedgerStore(path: db)
    let outcomes = try store.release(releases)
    var refused = 0
    for outcome in outcomes {
      switch outcome {
      case .released(let r):
        print("released  \(r.release.lineID)  \(r.release.quantity) on \(r.release.po)\(r.release.adjustment.isEmpty ? "" : " (\(r.release.adjustment))")")
      case .alreadyReleased(let r):
        print("unchanged \(r.release.lineID): released before by \(r.release.releasedBy) at \(LedgerText.iso(r.releasedAt)), \(r.release.quantity) on \(r.release.po)")
      case .refused(let line, let error):
        refused += 1
        print("refused   \(line): \(error.description)")
      }
    }
    let documents = PurchaseReleasing.documents(plan: plan, released: try store.releases(planID: plan.planID))
    let folder = out ?? (self.plan as NSString).appendingPathComponent("purchase-orders")
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
      throw CLIError("\(folder): cannot create the folder for PO documents (\(error.localizedDescription))", status: .cannotCreate)
    }
    try writeAllOrNothing(documents.flatMap { d in
      [((folder as NSString).appendingPathComponent(Self.fileName(d.po) + ".csv"), d.csv), ((folder as NSString).appendingPathComponent(Self.fileName(d.po) + ".html"), d.html)]
    })
    let released = outcomes.filter { if case .released = $0 { true } else { false } }.count
    print("plan \(plan.planID): \(released) line\(released == 1 ? "" : "s") released now, \(outcomes.count - released - refused) before, \(refused) refused; \(documents.count) PO document\(documents.count == 1 ? "" : "s") in \(folder)")
    if refused > 0 { throw AlreadyReported() }
  }

  /// A PO number as a file name: letters, digits, `-`, `_` and `.` kept, anything else as `_`.
  static func fileName(_ po: String) -> String {
    String(po.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "_" })
  }
}

struct PurchaseOrderStatus: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status", abstract: "Every line of a plan (suggested and deferred) with what was released: by whom, when, how many.")
  @Option(name: .long, help: "The plan folder.") var plan: String
  @Option(name: .long, help: "Ledger database file.") var db = "replenish.sqlite"

  func run() throws {
    let plan = try PurchaseReleasing.readPlan(folder: self.plan)
    let released = Dictionary(try LedgerStore(path: db, readOnly: true).releases(planID: plan.planID).map { ($0.release.lineID, $0) }, uniquingKeysWith: { a, _ in a })
    print("plan \(plan.planID) as of \(plan.asOf)")
    print("line_id,po,supplier,status,suggested_qty,released_qty,released_by,released_at,adjustment")
    for l in PurchaseReleasing.lines(of: plan) {
      let r = released[l.line.lineID]
      let status = r != nil ? "released" : l.line.status.rawValue
      print([csvField(l.line.lineID), csvField(l.po), csvField(l.line.supplier), status, String(format: "%.0f", l.line.quantity), r.map { "\($0.release.quantity)" } ?? "",
             csvField(r?.release.releasedBy ?? ""), r.map { LedgerText.iso($0.releasedAt) } ?? "", csvField(r?.release.adjustment ?? "")].joined(separator: ","))
    }
  }
}
