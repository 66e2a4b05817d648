enum _PendingSyntheticData {}
