// swift-tools-version: 6.1
//
// Replenish: demand forecasting, inventory policy, PO suggestions and an ATP ledger.
//
// Dependencies point one way:
//   COpenBLAS → LinearAlgebra ─┐
//   Sampling ──────────────────┼→ Forecasting ─┐
//   TimeSeries → SalesHistory ─┴───────────────┴→ Policy ─→ ReplenishCLI → replenish
//                 SalesHistory → Ledger (GRDB/SQLite) ─────────┘
// Only `LinearAlgebra` imports the C BLAS/LAPACK module; pure domains never import
// ArgumentParser (only `ReplenishCLI` does).
import PackageDescription

let package = Package(
  name: "Replenish",
  products: [
    .executable(name: "replenish", targets: ["replenish"]),
    .library(name: "LinearAlgebra", targets: ["LinearAlgebra"]),
    .library(name: "TimeSeries", targets: ["TimeSeries"]),
    .library(name: "SalesHistory", targets: ["SalesHistory"]),
    .library(name: "Forecasting", targets: ["Forecasting"]),
    .library(name: "Ledger", targets: ["Ledger"]),
    .library(name: "Policy", targets: ["Policy"]),
    .library(name: "Planning", targets: ["Planning"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
  ],
  targets: [
    // MARK: - Public API

    /// Dense linear algebra on OpenBLAS + LAPACK: the one place that touches C.
    .target(name: "LinearAlgebra", dependencies: ["COpenBLAS"]),
    /// Calendars, periods and the many-series panel (one flat buffer + offsets).
    .target(name: "TimeSeries"),
    /// Streaming sales-history CSV reader that validates and builds a panel.
    .target(name: "SalesHistory", dependencies: ["TimeSeries"]),
    /// Seeded random numbers (xoshiro256**) and the distributions simulations draw from.
    .target(name: "Sampling"),
    /// Seeded generator of M5-shaped demand panels for benchmarks and tests.
    .target(name: "SyntheticData", dependencies: ["TimeSeries", "Sampling"]),
    /// Forecasting models (baselines, ETS, Theta, regression), accuracy metrics, backtests, selection.
    .target(name: "Forecasting", dependencies: ["LinearAlgebra", "TimeSeries", "Sampling"]),
    /// The perpetual inventory ledger (ATP) on embedded SQLite: events, movements, balances, verification.
    .target(
      name: "Ledger",
      dependencies: ["SalesHistory", "TimeSeries", .product(name: "GRDB", package: "GRDB.swift")]
    ),
    /// Safety stock, reorder policies (s,Q), (s,S), (R,S), min/max, EOQ, ABC/XYZ, policy simulation.
    .target(name: "Policy", dependencies: ["Forecasting", "SalesHistory", "Sampling"]),
    /// The planning job: demand estimates from forecasts, policy backtests, PO suggestions, scenarios, reports.
    .target(name: "Planning", dependencies: ["Forecasting", "Policy", "Ledger", "TimeSeries", "SalesHistory", "Sampling"]),
    /// The `replenish` commands (thin: parse flags, call the domain targets, print).
    .target(
      name: "ReplenishCLI",
      dependencies: [
        "LinearAlgebra", "TimeSeries", "SalesHistory", "Forecasting", "Ledger", "Policy", "Planning", "Sampling",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "TOMLKit", package: "TOMLKit"),
      ]
    ),
    .executableTarget(name: "replenish", dependencies: ["ReplenishCLI", "LinearAlgebra"]),

    // MARK: - Implementation details

    /// OpenBLAS (CBLAS) and the Fortran LAPACK symbols it exports, found through pkg-config.
    .systemLibrary(
      name: "COpenBLAS",
      pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev", "liblapack-dev", "pkg-config"])]
    ),

    // MARK: - Benchmarks (print figures; never asserted in tests)

    .executableTarget(
      name: "replenish-bench",
      dependencies: ["LinearAlgebra", "TimeSeries", "SalesHistory", "SyntheticData", "Sampling", "Forecasting", "Ledger", "Policy", "Planning"],
      path: "Benchmarks/replenish-bench"
    ),

    // MARK: - Tests

    /// Helpers shared by the test targets: repository paths, temporary files, CSV lines.
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
    .testTarget(name: "TimeSeriesTests", dependencies: ["TimeSeries", "SyntheticData"]),
    .testTarget(name: "SalesHistoryTests", dependencies: ["SalesHistory", "TimeSeries", "SyntheticData", "Sampling", "TestSupport"]),
    .testTarget(
      name: "ForecastingTests", dependencies: ["Forecasting", "TimeSeries", "TestSupport"], resources: [.copy("Fixtures")]),
    .testTarget(name: "PolicyTests", dependencies: ["Policy", "Forecasting", "SalesHistory", "TestSupport"], resources: [.copy("Fixtures")]),
    .testTarget(name: "PlanningTests", dependencies: ["Planning", "Policy", "Forecasting", "TimeSeries"]),
    .testTarget(name: "LedgerTests", dependencies: ["Ledger", "SalesHistory", "Sampling", "TestSupport"]),
    .testTarget(name: "ReplenishCLITests", dependencies: ["ReplenishCLI", "SalesHistory", "TestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)
