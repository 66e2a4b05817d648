import Planning

/// The plan re-run from the workspace, as the pages show it.
public struct PlanRunStatus: Sendable {
  public enum State: String, Sendable { case idle, running, done, failed }
  public var state: State
  public var startedBy = ""
  public var step = ""
  public var done = 0
  public var total = 0
  public var summary = ""
  public init(state: State) { self.state = state }

  /// One line for the buyer's page.
  var line: String {
    switch state {
    case .idle: return ""
    case .running: return "Re-planning (started by \(startedBy)): \(step) \(done) of \(total)"
    case .done: return "Last re-plan (by \(startedBy)): \(summary)"
    case .failed: return "The last re-plan (by \(startedBy)) failed: \(summary)"
    }
  }
}

/// The re-plan page: start it, follow its progress (the page refreshes itself while it runs), see its result.
public struct PlanRunPage: Sendable {
  public var status: PlanRunStatus
  public var canStart: Bool
  public var user: String
  public var csrf: String
  public init(status: PlanRunStatus, canStart: Bool, user: String, csrf: String) { (self.status, self.canStart, self.user, self.csrf) = (status, canStart, user, csrf) }

  public func html() -> String {
    var h = "<h1>Re-run the plan</h1><p class=muted>Forecast → classes → policies → PO suggestions from the history, items and the ledger's positions as they are now; "
      + "the buyer's page shows the new plan when it is written. Lines released from the previous plan stay ordered.</p>"
    switch status.state {
    case .idle: h += "<p>No re-plan since the server started.</p>"
    case .running:
      let fraction = status.total > 0 ? Double(status.done) / Double(status.total) : 0
      h += "<label for=progress>\(HTMLText.escape(status.line))</label> <progress id=progress max=1 value=\(String(format: "%.3f", fraction))></progress>"
        + "<p class=muted>This page refreshes itself every 2 s.</p>"
    case .done: h += "<div class=notice role=status>\(HTMLText.escape(status.line))</div><p><a href=\"/ui/buyer\">Open the new suggestions</a></p>"
    case .failed: h += "<div class=alert role=alert>\(HTMLText.escape(status.line))</div>"
    }
    if canStart && status.state != .running {
      h += "<form method=post action=\"/ui/plan-run\"><input type=hidden name=csrf value=\"\(HTMLText.escape(csrf))\"><button class=primary>Re-run the plan now</button></form>"
    }
    return Layout.page(title: "Re-plan", user: user, csrf: csrf, body: h, refreshSeconds: status.state == .running ? 2 : nil)
  }
}
