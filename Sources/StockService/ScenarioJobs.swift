import Foundation
import Ledger
import Planning
import Policy
import Workspace

/// Runs a scenario against the current data (history, items, the ledger's positions now) and reports
/// progress (step, done, total). The command line builds it from the plan configuration; the service does
/// not read configuration files itself.
public typealias ScenarioRunner = @Sendable (ScenarioRequest, @escaping @Sendable (String, Int, Int) -> Void) throws -> ScenarioComparison

/// ABC/XYZ classes as of a day (nil: the plan date) from the current history; built by the command line from
/// the plan configuration, like `ScenarioRunner`.
public typealias ClassificationRunner = @Sendable (Int?) throws -> (asOf: Int, classes: [ClassifiedSKU])

/// Classifications by date, remembered for 10 minutes (an analyst moving between cells and months does not
/// re-read the history each time).
final class ClassificationCache: @unchecked Sendable {
  private let runner: ClassificationRunner?
  private var cache: [Int: (until: Date, asOf: Int, classes: [ClassifiedSKU])] = [:]
  private let lock = NSLock()

  init(runner: ClassificationRunner?) { self.runner = runner }
  var available: Bool { runner != nil }

  func classes(asOf day: Int?) throws -> (asOf: Int, classes: [ClassifiedSKU])? {
    guard let runner else { return nil }
    let key = day ?? Int.min
    if let hit = lock.withLock({ cache[key] }), hit.until > Date() { return (hit.asOf, hit.classes) }
    let result = try runner(day)
    lock.withLock {
      if cache.count > 64 { cache.removeAll() }
      cache[key] = (Date().addingTimeInterval(600), result.asOf, result.classes)
    }
    return result
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
