print("replenish")
