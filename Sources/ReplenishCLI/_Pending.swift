enum _PendingReplenishCLI {}
