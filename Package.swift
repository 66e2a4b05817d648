// swift-tools-version: 6.1
//
// Replenish: demand forecasting, inventory policy, PO suggestions and an ATP ledger.
//
// Dependencies point one way (read each arrow as "is used by"):
//
//   COpenBLAS ─→ LinearAlgebra ──────────────────────┐
//   Statistics (distributions, demand pattern) ──┬──→ Forecasting ──┐
//   Sampling ────────────────────────────────────┤                  │
//   TimeSeries ─→ CSV ─┬─────────────────────────┘                  ├─→ Planning ─→ ReplenishCLI ─→ replenish
//                      ├─→ SalesHistory ────────────────────────────┤
//                      ├─→ Policy (+ Statistics, TimeSeries) ───────┤
//                      └─→ Ledger (+ GRDB/SQLite, PostgresNIO) ─┬───┘
//                                                               └─→ StockService (Hummingbird, webhooks, metrics) ─→ ReplenishCLI
//
// Only `LinearAlgebra` imports the C BLAS/LAPACK module (as an `internal import`); Policy and
// Forecasting share Statistics without importing each other; the CSV target (scanner, field parsers,
// tables, quoter, `CSVError`) sits below every reader; only `ReplenishCLI` imports ArgumentParser (and
// reads TOML, with its own strict reader). `Planning` is the one planning core the CLI calls;
// `StockService` is the HTTP front end over the same ledger calls the `ledger` commands make.
import PackageDescription

let package = Package(
  name: "Replenish",
  products: [
    .executable(name: "replenish", targets: ["replenish"]),
    .library(name: "LinearAlgebra", targets: ["LinearAlgebra"]),
    .library(name: "TimeSeries", targets: ["TimeSeries"]),
    .library(name: "CSV", targets: ["CSV"]),
    .library(name: "Statistics", targets: ["Statistics"]),
    .library(name: "SalesHistory", targets: ["SalesHistory"]),
    .library(name: "Forecasting", targets: ["Forecasting"]),
    .library(name: "Ledger", targets: ["Ledger"]),
    .library(name: "Policy", targets: ["Policy"]),
    .library(name: "Planning", targets: ["Planning"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
  ],
  targets: [
    // MARK: - Public API

    /// Dense linear algebra on OpenBLAS + LAPACK: the one place that touches C.
    .target(name: "LinearAlgebra", dependencies: ["COpenBLAS"]),
    /// Calendars, periods and the many-series panel (one flat buffer + offsets).
    .target(name: "TimeSeries"),
    /// RFC 4180 scanner, strict field parsers, small tables (master files, event files) with located
    /// errors (`CSVError`: file:line:column, value, what is accepted), and the field quoter every writer uses.
    .target(name: "CSV", dependencies: ["TimeSeries"]),
    /// Distribution functions (normal, Student t, incomplete beta, sample quantiles) and the
    /// Syntetos–Boylan demand pattern, shared by Forecasting and Policy.
    .target(name: "Statistics"),
    /// Streaming sales-history CSV reader that validates and builds a panel; event calendars.
    .target(name: "SalesHistory", dependencies: ["CSV", "TimeSeries"]),
    /// Seeded random numbers (xoshiro256**) and the distributions simulations draw from.
    .target(name: "Sampling"),
    /// Seeded generator of M5-shaped demand panels for benchmarks and tests.
    .target(name: "SyntheticData", dependencies: ["TimeSeries", "Sampling"]),
    /// Forecasting models (baselines, ETS, Theta, regression), accuracy metrics, backtests, selection.
    .target(name: "Forecasting", dependencies: ["CSV", "LinearAlgebra", "Statistics", "TimeSeries", "Sampling"]),
    /// The perpetual inventory ledger (ATP) on embedded SQLite or on a PostgreSQL server (`--db
    /// postgres://…`): events, movements, balances, verification.
    .target(
      name: "Ledger",
      dependencies: ["CSV", "TimeSeries", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
                     .product(name: "PostgresNIO", package: "postgres-nio"),
                     .product(name: "Logging", package: "swift-log")]
    ),
    /// Safety stock, reorder policies (s,Q), (s,S), (R,S), min/max, EOQ, ABC/XYZ, policy simulation.
    .target(name: "Policy", dependencies: ["CSV", "Statistics", "TimeSeries"]),
    /// The planning job: demand estimates from forecasts, policy backtests, PO suggestions, scenarios, reports.
    .target(name: "Planning", dependencies: ["CSV", "Forecasting", "Ledger", "Policy", "Sampling", "Statistics", "TimeSeries"]),
    /// The stock-truth HTTP service channels sync against (`replenish serve`): routes over the ledger,
    /// problem+json errors, Idempotency-Key, API keys, the change feed, webhooks from the outbox, metrics.
    .target(name: "Workspace", dependencies: ["Ledger", "Planning", "Policy", "TimeSeries"]),
    .target(
      name: "StockService",
      dependencies: [
        "Ledger", "Planning", "Policy", "TimeSeries", "Workspace",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
      ],
      resources: [.copy("openapi.yaml")]
    ),
    /// The `replenish` commands (thin: parse flags, call the domain targets, print).
    .target(
      name: "ReplenishCLI",
      dependencies: [
        "CSV", "TimeSeries", "SalesHistory", "Statistics", "Forecasting", "Ledger", "Policy", "Planning", "StockService",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
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
      dependencies: ["LinearAlgebra", "CSV", "TimeSeries", "SalesHistory", "SyntheticData", "Sampling", "Statistics", "Forecasting", "Ledger", "Policy", "Planning", "StockService"],
      path: "Benchmarks/replenish-bench"
    ),

    // MARK: - Tests

    /// Helpers shared by the test targets: repository paths, temporary files, CSV lines.
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    /// The fuzzing harness: seeded mutation runs (in `make test`) and the libFuzzer entry point (`make fuzz`).
    .executableTarget(
      name: "replenish-fuzz", dependencies: ["CSV", "Ledger", "Planning", "Policy", "ReplenishCLI", "SalesHistory", "Sampling"], path: "Tests/Fuzz",
      exclude: ["corpus", "found"]),
    /// The hot-SKU test's worker process (with the deliberately broken naive writer): test support, not shipped.
    .executableTarget(
      name: "ledger-stress-worker", dependencies: ["Ledger", "Sampling", .product(name: "GRDB", package: "GRDB.swift")], path: "Tests/LedgerStressWorker"),
    .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
    .testTarget(name: "TimeSeriesTests", dependencies: ["TimeSeries", "SyntheticData"]),
    .testTarget(name: "CSVTests", dependencies: ["CSV", "TestSupport"]),
    .testTarget(name: "SalesHistoryTests", dependencies: ["CSV", "SalesHistory", "TimeSeries", "SyntheticData", "Sampling", "TestSupport"]),
    .testTarget(
      name: "ForecastingTests", dependencies: ["Forecasting", "Statistics", "TimeSeries", "TestSupport"], resources: [.copy("Fixtures")]),
    .testTarget(name: "PolicyTests", dependencies: ["Policy", "CSV", "Statistics", "TestSupport"], resources: [.copy("Fixtures")]),
    .testTarget(name: "PlanningTests", dependencies: ["Planning", "Ledger", "Policy", "Forecasting", "CSV", "SalesHistory", "Sampling", "Statistics", "SyntheticData", "TimeSeries", "TestSupport"]),
    .testTarget(
      name: "LedgerTests", dependencies: ["Ledger", "CSV", "Sampling", "TestSupport", "TimeSeries", .product(name: "GRDB", package: "GRDB.swift")],
      resources: [.copy("Fixtures")]),
    .testTarget(
      name: "StockServiceTests",
      dependencies: [
        "StockService", "Ledger", "Planning", "Workspace", "Forecasting", "Policy", "SalesHistory", "TimeSeries", "TestSupport",
        .product(name: "HummingbirdTesting", package: "hummingbird"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "NIOCore", package: "swift-nio"),
      ]),
    .testTarget(name: "ReplenishCLITests", dependencies: ["ReplenishCLI", "CSV", "TestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)
