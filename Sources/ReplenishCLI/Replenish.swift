import ArgumentParser

/// `replenish`: forecasts, inventory policy, PO suggestions and an ATP ledger from sales history.
public struct Replenish: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "replenish",
    abstract: "Demand forecasting and replenishment planning from sales history.",
    discussion: """
      Read a sales history (long CSV: sku, date, qty [, location, price, channel, in_stock]) and check it
      with `replenish inspect`. Forecasting, policy, purchase-order and ledger commands build on it.
      """,
    version: "0.1.0",
    subcommands: [InspectCommand.self, ForecastCommand.self, BacktestCommand.self, ModelsCommand.self, ClassifyCommand.self, PolicyCommand.self, SimulateCommand.self, PlanCommand.self, MergeShardsCommand.self, ScenarioCommand.self, RegressCommand.self, LedgerCommand.self, PurchaseOrderCommand.self, ServeCommand.self]
  )

  public init() {}
}

