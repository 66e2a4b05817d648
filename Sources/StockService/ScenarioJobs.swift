import Foundation
import Ledger
import Planning
import Policy
import Workspace

/// Runs a scenario against the current data and reports progress (step, done, total).
typealias ScenarioRunner = @Sendable (ScenarioRequest, @escaping @Sendable (String, Int, Int) -> Void) throws -> ScenarioComparison

/// The plan's inputs (history, items, positions, settings), read again after 10 minutes, or at once when
/// asked for fresh ones (a scenario runs on the positions as they are now); the analyst's classes by date
/// are kept with the inputs they came from.
final class PlanData: @unchecked Sendable {
  private let load: (@Sendable () throws -> PlanInputs)?
  private var cached: (until: Date, inputs: PlanInputs)?
  private var classes: [Int: (asOf: Int, classes: [ClassifiedSKU])] = [:]
  private let lock = NSLock()

  init(load: (@Sendable () throws -> PlanInputs)?) { self.load = load }
  var available: Bool { load != nil }

  func inputs(fresh: Bool = false) throws -> PlanInputs? {
    guard let load else { return nil }
    if !fresh, let hit = lock.withLock({ cached }), hit.until > Date() { return hit.inputs }
    let inputs = try load()
    lock.withLock {
      cached = (Date().addingTimeInterval(600), inputs)
      classes = [:]
    }
    return inputs
  }

  /// ABC/XYZ as of a day (nil: the plan date), through the planning core's own classification step.
  func classes(asOf day: Int?) throws -> (asOf: Int, classes: [ClassifiedSKU])? {
    guard let inputs = try inputs() else { return nil }
    let key = day ?? Int.min
    if let hit = lock.withLock({ classes[key] }) { return hit }
    let result = try PlanJob.classify(inputs, asOf: day)
    lock.withLock { classes[key] = result }
    return result
  }

  /// Runs scenarios on fresh inputs.
  var scenarioRunner: ScenarioRunner? {
    guard available else { return nil }
    return { request, progress in
      guard let inputs = try self.inputs(fresh: true) else { throw Problem(status: 409, code: "SCENARIOS_UNAVAILABLE", title: "No plan inputs", detail: "no plan inputs") }
      return try ScenarioComparison.run(inputs, spec: request.spec, projection: ScenarioProjection(runs: request.runs, seed: request.seed), progress: progress)
    }
  }
}

/// Scenarios run in the background, one at a time on their own thread (the request that asks for one
/// answers at once), saved as JSON in `folder` when they finish and listed again after a restart.
final class ScenarioJobs: @unchecked Sendable {
  private let runner: ScenarioRunner?
  private let folder: String?
  private var jobs: [String: ScenarioJob] = [:]
  private let lock = NSLock()
  private let queue = DispatchQueue(label: "replenish.scenarios", qos: .utility)

  init(runner: ScenarioRunner?, folder: String?) {
    self.runner = runner
    self.folder = folder
    guard let folder, let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
    for name in names where name.hasSuffix(".json") {
      if let data = FileManager.default.contents(atPath: folder + "/" + name), let job = try? JSONDecoder().decode(ScenarioJob.self, from: data) {
        jobs[job.id] = job
      }
    }
  }

  var available: Bool { runner != nil }

  /// Newest first.
  var all: [ScenarioJob] { lock.withLock { jobs.values.sorted { ($0.submittedAt, $0.id) > ($1.submittedAt, $1.id) } } }

  func job(_ id: String) -> ScenarioJob? { lock.withLock { jobs[id] } }

  /// Queues a run; returns its id at once.
  func submit(_ request: ScenarioRequest, by: String) -> String? {
    guard let runner else { return nil }
    let now = currentMillis()
    let id = "scn-\(now)-" + String(Sessions.randomToken().prefix(6))
    lock.withLock { jobs[id] = ScenarioJob(id: id, request: request, submittedBy: by, submittedAt: now) }
    queue.async {
      self.update(id) { $0.state = .running }
      do {
        let comparison = try runner(request) { step, done, total in
          self.update(id) { job in (job.step, job.done, job.total) = (step, done, total) }
        }
        self.update(id) { job in
          job.state = .done
          job.step = "done"
          job.baseline = ScenarioJob.figures(comparison.baselineFigures)
          job.scenario = ScenarioJob.figures(comparison.scenarioFigures)
        }
      } catch {
        self.update(id) { job in
          job.state = .failed
          job.error = "\(error)"
        }
      }
      self.update(id) { $0.finishedAt = currentMillis() }
      self.save(id)
    }
    return id
  }

  private func update(_ id: String, _ change: (inout ScenarioJob) -> Void) {
    lock.withLock { if var job = jobs[id] { change(&job); jobs[id] = job } }
  }

  private func save(_ id: String) {
    guard let folder, let job = job(id) else { return }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    guard let data = try? encoder.encode(job) else { return }
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    // Written whole or not at all (a temporary file renamed), so a crash never leaves half a scenario.
    let temporary = folder + "/." + id + ".tmp"
    if FileManager.default.createFile(atPath: temporary, contents: data) {
      _ = rename(temporary, folder + "/" + id + ".json")
    }
  }
}

/// The plan re-run from the workspace: one at a time, in the background, with its progress.
final class PlanRuns: @unchecked Sendable {
  struct Run: Sendable {
    enum State: String, Sendable { case running, done, failed }
    var state: State
    var startedBy: String
    var startedAt: Int64
    var finishedAt: Int64?
    var step = ""
    var done = 0
    var total = 0
    var summary = ""
  }

  private let runner: (@Sendable (@escaping @Sendable (String, Int, Int) -> Void) throws -> String)?
  private var latest: Run?
  private let lock = NSLock()
  private let queue = DispatchQueue(label: "replenish.plan", qos: .utility)

  init(runner: (@Sendable (@escaping @Sendable (String, Int, Int) -> Void) throws -> String)?) { self.runner = runner }
  var available: Bool { runner != nil }
  var current: Run? { lock.withLock { latest } }

  private func update(_ change: (inout Run) -> Void) {
    lock.withLock { if var run = latest { change(&run); latest = run } }
  }

  /// Starts a run unless one is running; false when one is (or re-planning is not offered).
  func start(by: String) -> Bool {
    guard let runner else { return false }
    let started: Bool = lock.withLock {
      if latest?.state == .running { return false }
      latest = Run(state: .running, startedBy: by, startedAt: currentMillis())
      return true
    }
    guard started else { return false }
    queue.async {
      do {
        let summary = try runner { step, done, total in self.update { ($0.step, $0.done, $0.total) = (step, done, total) } }
        self.update { ($0.state, $0.summary) = (.done, summary) }
      } catch {
        self.update { ($0.state, $0.summary) = (.failed, "\(error)") }
      }
      self.update { $0.finishedAt = currentMillis() }
    }
    return true
  }
}
