import LinearAlgebra
import ReplenishCLI

// Parallel work goes across SKUs, never inside BLAS: one BLAS thread per worker.
BLAS.setThreadCount(1)
Replenish.runAndExit()
