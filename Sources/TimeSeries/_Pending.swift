enum _PendingTimeSeries {}
