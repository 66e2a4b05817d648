import ArgumentParser
import CSV
import Foundation
import Ledger
import Planning
import Policy

/// The exit statuses of every `replenish` command (BSD sysexits), chosen in one place.
public enum ExitStatus: Int32, Sendable {
  case success = 0
  /// Wrong flags or arguments (`EX_USAGE`).
  case usage = 64
  /// Bad input data, a bad configuration file, or a refused ledger event (`EX_DATAERR`).
  case dataError = 65
  /// The database server cannot be reached or refused the login (`EX_UNAVAILABLE`).
  case unavailable = 69
  /// An output file or folder cannot be created or written (`EX_CANTCREAT`).
  case cannotCreate = 73
  /// The database is busy: another writer held the lock past the retries (`EX_TEMPFAIL`); try again.
  case busy = 75
  /// A configuration value that cannot work, such as a malformed `--db` URL (`EX_CONFIG`).
  case configuration = 78
}

/// An error the CLI reports as `replenish: <description>` with its exit status. Every error a command
/// lets through conforms (or is ArgumentParser's own, which exits 64); the root command has the one catch.
protocol ReportedError: Error, CustomStringConvertible {
  var exitStatus: ExitStatus { get }
}

extension CSVError: ReportedError {
  var exitStatus: ExitStatus { .dataError }
}

extension LedgerError: ReportedError {
  var exitStatus: ExitStatus {
    switch code {
    case .busy: .busy
    case .cannotWrite: .cannotCreate
    case .cannotConnect: .unavailable
    case .invalidConfiguration: .configuration
    default: .dataError
    }
  }
}

extension ClassificationInputs.Problem: ReportedError {
  var exitStatus: ExitStatus { .dataError }
}

extension PurchaseReleasing.PlanFileError: ReportedError {
  var exitStatus: ExitStatus { .dataError }
}

extension PlanJob.Problem: ReportedError {
  var exitStatus: ExitStatus { .dataError }
}

extension PolicyBacktest.Problem: ReportedError {
  var exitStatus: ExitStatus {
    switch self {
    case .noTrainingOrTestPeriods, .replayBeforeTraining: .usage
    case .classification: .dataError
    }
  }
}

/// A failure with its own message: bad data found by the CLI itself, an unwritable output, a usage
/// problem only visible after reading the inputs.
struct CLIError: ReportedError {
  let description: String
  let exitStatus: ExitStatus
  init(_ description: String, status: ExitStatus = .dataError) {
    self.description = description
    self.exitStatus = status
  }
}

/// A data error that has already been reported line by line (refused import rows, failed invariants):
/// exits 65 and prints nothing more.
struct AlreadyReported: ReportedError {
  var description: String { "" }
  var exitStatus: ExitStatus { .dataError }
}

/// A domain error with the file or input it came from in front of its message.
struct InFile<E: ReportedError>: ReportedError {
  let file: String
  let error: E
  var description: String { "\(file): \(error.description)" }
  var exitStatus: ExitStatus { error.exitStatus }
}

extension Replenish {
  /// Parses the command line, runs the command and exits with the status of what it threw.
  public static func runAndExit(arguments: [String]? = nil) -> Never {
    do {
      var command = try parseAsRoot(arguments)
      try command.run()
      Foundation.exit(ExitStatus.success.rawValue)
    } catch let error as any ReportedError {
      if !error.description.isEmpty { printError(error.description) }
      Foundation.exit(error.exitStatus.rawValue)
    } catch {
      exit(withError: error)
    }
  }
}

func printError(_ message: String) {
  FileHandle.standardError.write(Data(("replenish: " + message + "\n").utf8))
}
