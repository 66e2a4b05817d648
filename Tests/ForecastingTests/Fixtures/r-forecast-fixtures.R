# Reference values from R's forecast package for the Swift Forecasting tests.
# Produced with R 4.2.2 and forecast 8.20 (Debian r-cran-forecast 8.20-1):
#   Rscript r-forecast-fixtures.R   (run in this folder; writes r_ets_fixed.csv, r_ets_auto.csv,
#                                    r_baselines.csv, r_theta.csv)
# CI does not need R: the CSVs are committed.
suppressMessages(library(forecast))
j <- function(x) paste(format(as.numeric(x), digits = 17, scientific = FALSE, trim = TRUE), collapse = ";")

classic <- read.csv("classic_univariate.csv")
m3 <- read.csv("m3_monthly_subset.csv")
freq_of <- function(f) switch(f, monthly = 12, quarterly = 4, 1)
series <- list()
for (id in c("airline", "wineind", "woolyrnq", "gas", "shampoo", "partx")) {
  d <- classic[classic$unique_id == id, ]
  series[[id]] <- ts(d$y, frequency = freq_of(d$freq[1]))
}
for (id in unique(m3$unique_id)) {
  d <- m3[m3$unique_id == id & m3$split == "train", ]
  series[[id]] <- ts(d$y, frequency = 12)
}

h <- 18
fixed <- data.frame()
auto <- data.frame()
models <- c("ANN", "AAN", "AAdN", "ANA", "AAA", "AAdA", "MNN", "MAN", "MAdN", "MNA", "MAA", "MAdA", "MNM", "MAM", "MAdM")
for (id in names(series)) {
  y <- series[[id]]
  m <- frequency(y)
  for (model in models) {
    seasonal <- substr(model, nchar(model), nchar(model)) != "N"
    if (seasonal && m == 1) next
    if (substr(model, 1, 1) == "M" && min(y) <= 0) next
    damped <- grepl("d", model)
    spec <- gsub("d", "", model)
    fit <- tryCatch(ets(y, model = spec, damped = damped), error = function(e) NULL)
    if (is.null(fit) || !inherits(fit, "ets")) next
    fc <- forecast(fit, h = h, level = c(80, 95))
    p <- fit$par
    fixed <- rbind(fixed, data.frame(
      series = id, m = m, model = fit$method,
      alpha = p["alpha"], beta = ifelse(is.na(p["beta"]), 0, p["beta"]),
      gamma = ifelse(is.na(p["gamma"]), 0, p["gamma"]), phi = ifelse(is.na(p["phi"]), 1, p["phi"]),
      npar = length(fit$par), init = j(fit$initstate), loglik = fit$loglik, aic = fit$aic, aicc = fit$aicc,
      sigma2 = fit$sigma2, fitted = j(fitted(fit)), residuals = j(residuals(fit)), mean = j(fc$mean),
      lo80 = j(fc$lower[, 1]), hi80 = j(fc$upper[, 1]), lo95 = j(fc$lower[, 2]), hi95 = j(fc$upper[, 2]),
      stringsAsFactors = FALSE))
  }
  fit <- ets(y)
  fc <- forecast(fit, h = h)
  auto <- rbind(auto, data.frame(series = id, m = m, model = fit$method, aicc = fit$aicc, loglik = fit$loglik,
    alpha = fit$par["alpha"], mean = j(fc$mean), stringsAsFactors = FALSE))
}
write.csv(fixed, "r_ets_fixed.csv", row.names = FALSE)
write.csv(auto, "r_ets_auto.csv", row.names = FALSE)

# Baselines and Theta on the same series.
base <- data.frame()
theta <- data.frame()
for (id in names(series)) {
  y <- series[[id]]
  m <- frequency(y)
  add <- function(method, fc) {
    base <<- rbind(base, data.frame(series = id, m = m, method = method, mean = j(fc$mean),
      lo80 = j(fc$lower[, 1]), hi80 = j(fc$upper[, 1]), lo95 = j(fc$lower[, 2]), hi95 = j(fc$upper[, 2]),
      fitted = j(fitted(fc)), stringsAsFactors = FALSE))
  }
  add("naive", naive(y, h = h, level = c(80, 95)))
  add("snaive", snaive(y, h = h, level = c(80, 95)))
  add("mean", meanf(y, h = h, level = c(80, 95)))
  add("drift", rwf(y, h = h, drift = TRUE, level = c(80, 95)))
  fc <- thetaf(y, h = h, level = c(80, 95))
  theta <- rbind(theta, data.frame(series = id, m = m, mean = j(fc$mean), lo80 = j(fc$lower[, 1]),
    hi80 = j(fc$upper[, 1]), lo95 = j(fc$lower[, 2]), hi95 = j(fc$upper[, 2]), fitted = j(fitted(fc)),
    alpha = fc$model$alpha, drift = fc$model$drift, stringsAsFactors = FALSE))
}
write.csv(base, "r_baselines.csv", row.names = FALSE)
write.csv(theta, "r_theta.csv", row.names = FALSE)
cat("fixed:", nrow(fixed), " auto:", nrow(auto), " baselines:", nrow(base), " theta:", nrow(theta), "\n")
