# Croston, SBA and SES references on the carparts 1,046-series subset (train months 1-45, h = 6).
# R 4.2.2, forecast 8.20 (Debian r-cran-forecast 8.20-1). Full precision; the shared
# carparts_sob1046_reference_forecasts_R.csv has the same numbers rounded to 6 digits.
#   Rscript r-intermittent-fixtures.R   (writes r_croston.csv)
suppressMessages(library(forecast))
j <- function(x) paste(format(as.numeric(x), digits = 17, scientific = FALSE, trim = TRUE), collapse = ";")
d <- read.csv("carparts_sob1046.csv", colClasses = c("character", "character", "numeric"))
out <- data.frame()
for (id in unique(d$unique_id)) {
  y <- d$y[d$unique_id == id][1:45]
  x <- ts(y, frequency = 12)
  cr <- croston(x, h = 6, alpha = 0.1)
  sba <- croston(x, h = 6, alpha = 0.1)$mean * 0.95
  ses_fc <- ses(x, h = 6)
  out <- rbind(out, data.frame(unique_id = id, croston = cr$mean[1], sba = sba[1], ses = ses_fc$mean[1],
    croston_fitted = j(cr$fitted), stringsAsFactors = FALSE))
}
write.csv(out, "r_croston.csv", row.names = FALSE)
cat(nrow(out), "series\n")
