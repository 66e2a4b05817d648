enum _PendingSalesHistory {}
