# Replenish: two commands on a fresh Debian machine (as root, or with sudo):
#   make demo   install what is missing, build, run the planning job on notebooks-data/, write reports/
#   make test   install what is missing, build, run the test suite
SHELL := /bin/bash
SYSTEM_PACKAGES := liblapack-dev libopenblas-dev libsqlite3-dev pkg-config curl
SWIFT ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
RELEASE_BIN := .build/release/replenish
BENCH_BIN := .build/release/replenish-bench
BENCH_DATA := Benchmarks/.data

.PHONY: all deps build demo test test-browser fuzz fuzz-smoke bench bench-reader bench-gemm bench-accuracy bench-calibration bench-service bench-ledger bench-policy bench-plan bench-regression bench-serve bench-serve-crash bench-postgres fuzz-api clean

all: build

## Install the Debian packages the build links against, only those missing.
deps:
	@missing=""; \
	for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build -c release --product replenish

## The test suite (debug build; the CLI tests run the built binary).
## The ledger suites run on SQLite and on PostgreSQL, the service suites on SQLite and then again with
## their ledgers on PostgreSQL (REPLENISH_SERVICE_BACKEND=postgres): a throwaway cluster (.ci/postgres-cluster: PostgreSQL
## from Debian when missing, initdb in a temporary folder, a Unix socket only, Debian's `postgres` user when
## run as root) is started here and stopped and removed when the tests end, also when they fail.
test: deps
	$(SWIFT) build --build-tests
	@pg=$$(mktemp -d /tmp/replenish-pg.XXXXXX); \
	trap '.ci/postgres-cluster stop "$$pg"' EXIT; \
	url=$$(.ci/postgres-cluster start "$$pg") || exit 1; \
	echo "PostgreSQL for the tests: $$url"; \
	REPLENISH_TEST_POSTGRES="$$url" $(SWIFT) test --skip-build && \
	echo "The service suites again, their ledgers on PostgreSQL:" && \
	REPLENISH_TEST_POSTGRES="$$url" REPLENISH_SERVICE_BACKEND=postgres $(SWIFT) test --skip-build --filter StockServiceTests --skip ScaleOutTests

## The buyer's workspace in a real browser (Tests/Browser/workspace_test.py): Debian's chromium and
## chromium-driver, selenium from PyPI, each installed when missing; loopback only; the screenshots the
## README shows are written to docs/screenshots/.
test-browser: build
	@{ command -v chromium && command -v chromedriver; } >/dev/null || { sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver; }
	@python3 -c "import selenium" 2>/dev/null || python3 -m pip install --quiet selenium || python3 -m pip install --quiet --break-system-packages selenium
	python3 Tests/Browser/workspace_test.py $(RELEASE_BIN) docs/screenshots

## The demo: validate every sales history in notebooks-data/, build the ledger from the demo's opening
## events, run the planning job (forecast → classify → policy → PO suggestions → reports/report.html),
## the peak scenario, monthly reclassification, the policy backtest, and the forecast backtest.
DEMO := notebooks-data/demo
DEMO_DB := .demo/replenish.sqlite
demo: build
	@mkdir -p reports/history reports/forecasts reports/classes reports/simulation reports/serve .demo
	@start=$$(date +%s%N); \
	set -e; \
	run() { name=$$1; shift; \
	  echo; echo "== replenish inspect --history $$*"; \
	  $(RELEASE_BIN) inspect --history "$$@" --per-sku --top 10 > reports/history/$$name.txt; head -12 reports/history/$$name.txt; \
	  $(RELEASE_BIN) inspect --history "$$@" --format json > reports/history/$$name.json; \
	  $(RELEASE_BIN) inspect --history "$$@" --format csv > reports/history/$$name-series.csv; \
	}; \
	run online-retail-weekly notebooks-data/online_retail_weekly_sku.csv --freq week; \
	run online-retail-transactions notebooks-data/online_retail_transactions_2010-12.csv --freq week \
	  --columns sku=StockCode,date=InvoiceDate,qty=Quantity,price=UnitPrice; \
	run carparts notebooks-data/carparts.csv --freq month; \
	run m5-foods3-ca1 notebooks-data/m5_foods3_ca1_10items.csv --freq day; \
	echo; echo "== replenish ledger: a fresh $(DEMO_DB) from $(DEMO)/opening_events.csv"; \
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm; \
	$(RELEASE_BIN) ledger init --db $(DEMO_DB) --locations-file $(DEMO)/locations.csv --items $(DEMO)/items.csv; \
	$(RELEASE_BIN) ledger import --db $(DEMO_DB) $(DEMO)/opening_events.csv | tail -1; \
	$(RELEASE_BIN) ledger verify --db $(DEMO_DB) | tail -1; \
	$(RELEASE_BIN) ledger atp --db $(DEMO_DB) --format csv --out reports/atp.csv; \
	$(RELEASE_BIN) ledger atp --db $(DEMO_DB) --channel marketplace --buffer 2 --buffer-percent 10 --cap 500 --out reports/atp-marketplace.csv; \
	echo; echo "== replenish simulate: policy backtest (promised vs achieved, for the plan's report), trained to 2011-06-30, replaying July–December 2011"; \
	$(RELEASE_BIN) simulate --history notebooks-data/online_retail_weekly_sku.csv --freq week --items $(DEMO)/items.csv \
	  --suppliers $(DEMO)/suppliers.csv --train-until 2011-06-30 --out reports/simulation/online-retail.csv; \
	echo; echo "== replenish plan --config $(DEMO)/plan.toml"; \
	$(RELEASE_BIN) plan --config $(DEMO)/plan.toml; \
	echo; echo "== replenish scenario --scenario $(DEMO)/peak.toml"; \
	$(RELEASE_BIN) scenario --config $(DEMO)/plan.toml --scenario $(DEMO)/peak.toml | tail -13; \
	echo; echo "== replenish classify: October and November 2011, with the transitions"; \
	$(RELEASE_BIN) classify --history notebooks-data/online_retail_weekly_sku.csv --freq week --as-of 2011-10-31 \
	  --out reports/classes/abc-2011-10-31.csv > /dev/null; \
	$(RELEASE_BIN) classify --history notebooks-data/online_retail_weekly_sku.csv --freq week --as-of 2011-11-30 \
	  --out reports/classes/abc-2011-11-30.csv --previous reports/classes/abc-2011-10-31.csv \
	  --transitions reports/classes/transitions-2011-11-30.csv --moves reports/classes/moves-2011-11-30.csv; \
	echo; echo "== replenish forecast: Online Retail weekly, 8 weeks, auto, quantiles and 4-week lead-time demand"; \
	$(RELEASE_BIN) forecast --history notebooks-data/online_retail_weekly_sku.csv --freq week --horizon 8 \
	  --models auto --quantiles 0.5,0.9,0.95 --round-quantiles --lead-time 4 \
	  --ltd-out reports/forecasts/online-retail-lead-time-demand.csv \
	  --fallbacks reports/forecasts/online-retail-fallbacks.csv --out reports/forecasts/online-retail-forecasts.csv; \
	echo; echo "== replenish backtest: Online Retail weekly, 2 windows of 8 weeks"; \
	$(RELEASE_BIN) backtest --history notebooks-data/online_retail_weekly_sku.csv --freq week --horizon 8 --windows 2 \
	  --models snaive,ets,theta,sba,auto --out reports/forecasts/online-retail-backtest.csv \
	  --summary reports/forecasts/online-retail-backtest-summary.csv; \
	echo; echo "== replenish po release: the buyer releases SUP-10's suggested lines into the ledger (one PO per supplier and ship-to)"; \
	$(RELEASE_BIN) po release --plan reports --db $(DEMO_DB) --supplier SUP-10 --by demo-buyer > reports/po-release.txt; \
	head -4 reports/po-release.txt; n=$$(wc -l < reports/po-release.txt); [ "$$n" -le 4 ] || echo "… ($$n lines in reports/po-release.txt)"; \
	echo; echo "== replenish serve on $(DEMO_DB): a connector's session over HTTP (docs/connector-session.sh)"; \
	bash docs/connector-session.sh $(RELEASE_BIN) $(DEMO_DB) reports/serve/session.txt; \
	end=$$(date +%s%N); \
	echo; echo "make demo finished in $$(( (end - start) / 1000000000 )) s. Open reports/report.html (and reports/scenario-peak/report.html);"; \
	echo "tables: reports/*.csv, reports/classes/, reports/simulation/, reports/forecasts/, reports/history/;"; \
	echo "the HTTP session: reports/serve/session.txt."

## Benchmarks print figures (never asserted). The generated M5-shaped file is cached in Benchmarks/.data/.
bench: bench-reader bench-gemm bench-accuracy bench-calibration bench-service bench-ledger bench-policy bench-plan bench-regression bench-serve

$(BENCH_DATA)/m5-shaped.csv:
	@mkdir -p $(BENCH_DATA)
	$(BENCH_BIN) generate $@ --series 30490 --days 1941

bench-reader: deps
	$(SWIFT) build -c release --product replenish-bench
	$(MAKE) $(BENCH_DATA)/m5-shaped.csv
	$(BENCH_BIN) reader $(BENCH_DATA)/m5-shaped.csv --repeat 5

bench-gemm: deps
	$(SWIFT) build -c release --product replenish-bench
	$(BENCH_BIN) gemm --n 1000 --repeat 5

## M3 monthly (1,428 series, h = 18): sMAPE through `replenish forecast` itself (the train rows as a
## statsforecast-format file, frequency and series ends detected as for any user; 29 series carry placeholder
## dates from year 1, hence --max-span-years), then each model in-process next to the published M3 figures.
bench-accuracy: build
	$(SWIFT) build -c release --product replenish-bench
	@mkdir -p $(BENCH_DATA)
	$(BENCH_BIN) m3-split notebooks-data/m3_monthly.csv $(BENCH_DATA)/m3_train.csv $(BENCH_DATA)/m3_test.csv
	for m in auto theta ets; do \
	  $(RELEASE_BIN) forecast --history $(BENCH_DATA)/m3_train.csv --horizon 18 --models $$m --max-span-years 2100 --out $(BENCH_DATA)/m3_$$m.csv | tail -1; \
	  $(BENCH_BIN) m3-score $(BENCH_DATA)/m3_test.csv $(BENCH_DATA)/m3_$$m.csv --label $$m || exit 1; \
	done
	$(BENCH_BIN) m3 notebooks-data/m3_monthly.csv --models snaive,theta,autotheta,ets,combo,auto
	$(BENCH_BIN) m5 notebooks-data/m5_foods3_ca1_10items.csv --published notebooks-data/m5_published_accuracy_benchmarks_wrmsse.csv
	$(BENCH_BIN) m5-uncertainty notebooks-data/m5_foods3_ca1_10items.csv --published notebooks-data/m5_published_uncertainty_benchmarks.csv

## Coverage and pinball loss of lead-time demand quantiles on held-out data (carparts, Online Retail).
bench-calibration: deps
	$(SWIFT) build -c release --product replenish-bench
	$(BENCH_BIN) calibration notebooks-data/carparts.csv --freq month --season 12 --lead-time 3 --models sba,count,auto
	$(BENCH_BIN) calibration notebooks-data/online_retail_weekly_sku.csv --freq week --season 52 --lead-time 4 --models sba,count,auto
	@if python3 -c "import statsforecast" 2>/dev/null; then \
	  python3 Benchmarks/compare_calibration.py notebooks-data/carparts.csv --freq month --season 12 --lead-time 3; \
	  python3 Benchmarks/compare_calibration.py notebooks-data/online_retail_weekly_sku.csv --freq week --season 52 --lead-time 4; \
	else echo "(statsforecast not installed: peer calibration skipped)"; fi

## Promised vs achieved service: the known-truth panel (600 SKUs, `auto`, re-plan every 4 weeks), then
## `replenish simulate` on carparts, the M5 sample and the demo's Online Retail configuration.
bench-service: build
	$(SWIFT) build -c release --product replenish-bench
	$(BENCH_BIN) service --per-cell 40 --models auto
	$(BENCH_BIN) service --per-cell 40 --launched 40 --models auto
	$(RELEASE_BIN) simulate --history notebooks-data/carparts.csv --train-until 2000-12-31
	$(RELEASE_BIN) simulate --history notebooks-data/m5_foods3_ca1_10items.csv --train-until 2015-04-24
	$(RELEASE_BIN) simulate --history notebooks-data/online_retail_weekly_sku.csv --freq week --items $(DEMO)/items.csv \
	  --suppliers $(DEMO)/suppliers.csv --train-until 2011-06-30

clean:
	rm -rf .build reports/history $(BENCH_DATA)

# Ledger: mixed stream over 10,000 SKUs × 5 locations with a concurrent ATP reader, one event per
# transaction and group commit; then 1,000,000 events group-committed and rebuilt by `verify`.
bench-ledger: deps
	$(SWIFT) build -c release --product replenish-bench
	$(BENCH_BIN) ledger --skus 10000 --events 200000 --readers 1
	$(BENCH_BIN) ledger --skus 10000 --events 1000000 --readers 0 --modes group --batch 500

# Classification and policy for 1,000,000 SKUs, PO suggestions for 100,000 SKUs × 3 locations, next to
# pandas and stockpyl when Python has them (ratios printed).
bench-policy: deps
	$(SWIFT) build -c release --product replenish-bench
	$(BENCH_BIN) policy --skus 1000000 --po-skus 100000 --locations 3

# The full plan (ledger positions, forecast, classify, policy, PO suggestions) on the M5-shaped panel.
bench-plan: deps
	$(SWIFT) build -c release --product replenish-bench
	$(MAKE) $(BENCH_DATA)/m5-shaped.csv
	$(BENCH_BIN) plan $(BENCH_DATA)/m5-shaped.csv --freq week --models auto

# The stock service over HTTP: wrk on loopback, reservations/s and p50/p99 across 10,000 SKUs and on one hot
# SKU at 1, 16 and 64 connections, next to the store's ceiling without HTTP in the same run; then 201s =
# units committed and `ledger verify`. Installs wrk from Debian when missing. SERVE_SECONDS per cell.
SERVE_SECONDS ?= 10
bench-serve: build
	@command -v wrk >/dev/null || { sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends wrk; }
	$(SWIFT) build -c release --product replenish-bench
	DURATION=$(SERVE_SECONDS)s BIN=$(RELEASE_BIN) BENCH=$(BENCH_BIN) DATA=$(BENCH_DATA)/serve bash Benchmarks/serve/bench-serve.sh

# The stock service on PostgreSQL (Benchmarks/serve/bench-postgres.sh): reservations/s and p99 over HTTP
# with 1 and 3 servers on one database, pgbench doing the same guarded UPDATE on a copy of it (the ratio),
# and `ledger verify` on 1,000,000 movements; a throwaway cluster with PostgreSQL's durable defaults.
bench-postgres: build
	@command -v wrk >/dev/null || { sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends wrk; }
	$(SWIFT) build -c release --product replenish-bench
	DURATION=$(SERVE_SECONDS)s BIN=$(RELEASE_BIN) BENCH=$(BENCH_BIN) DATA=$(BENCH_DATA)/postgres bash Benchmarks/serve/bench-postgres.sh

# kill -9 of `replenish serve` under 8-client load at CRASH_POINTS seeded points (the suite runs three):
# restart, resend everything; every acknowledged order exactly once, verify clean, every change delivered.
CRASH_POINTS ?= 20
bench-serve-crash: deps
	$(SWIFT) build --build-tests
	REPLENISH_CRASH_POINTS=$(CRASH_POINTS) $(SWIFT) test --skip-build --filter CrashTests

# The HTTP contract fuzzed: schemathesis (PyPI) against `replenish serve` on the demo ledger, every
# operation of Sources/StockService/openapi.yaml, seeded, FUZZ_API_EXAMPLES per operation, loopback only.
FUZZ_API_EXAMPLES ?= 50
fuzz-api: build
	@command -v schemathesis >/dev/null || python3 -m pip install --quiet schemathesis || python3 -m pip install --quiet --break-system-packages schemathesis
	FUZZ_API_EXAMPLES=$(FUZZ_API_EXAMPLES) BIN=$(RELEASE_BIN) DATA=$(BENCH_DATA)/fuzz-api bash Benchmarks/serve/fuzz-api.sh

# Batched price/promotion/calendar regression on M5 dimensions (30,490 SKUs × 1,941 days) against a
# per-SKU loop, with GFLOP/s next to the dgemm ceiling.
bench-regression: deps
	$(SWIFT) build -c release --product replenish-bench
	$(BENCH_BIN) regression --series 30490 --periods 1941 --loop-series 1000

## Fuzzing. `make test` runs a short seeded mutation run (inside the test suite); `make fuzz-smoke` a longer
## one over several seeds; `make fuzz` the coverage-guided libFuzzer run per target for FUZZ_SECONDS each,
## merging what it finds (minimized) into Tests/Fuzz/found/<target>, which every seeded run replays; a
## crashing input lands in .build-fuzz/crashes/.
## Invariant: every input is read or refused with a located error, within FUZZ_RSS_MIB of memory; never a signal.
FUZZ_SECONDS ?= 600
FUZZ_RSS_MIB ?= 2048
FUZZ_TARGETS ?= history events items config
fuzz-smoke: deps
	$(SWIFT) build --product replenish-fuzz
	for seed in 1 2 3 4 5; do .build/debug/replenish-fuzz all --seed $$seed --runs 5000 --max-rss-mib $(FUZZ_RSS_MIB) || exit 1; done

fuzz: deps
	$(SWIFT) build -c release --product replenish-fuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DLIBFUZZER
	@mkdir -p .build-fuzz/crashes
	@set -o pipefail; for target in $(FUZZ_TARGETS); do \
	  echo "== libFuzzer: $$target for $(FUZZ_SECONDS) s"; \
	  rm -rf .build-fuzz/work/$$target && mkdir -p .build-fuzz/work/$$target Tests/Fuzz/found/$$target && \
	  REPLENISH_FUZZ_TARGET=$$target .build-fuzz/release/replenish-fuzz .build-fuzz/work/$$target Tests/Fuzz/found/$$target Tests/Fuzz/corpus/$$target \
	    -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=$(FUZZ_RSS_MIB) -timeout=10 -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix=.build-fuzz/crashes/$$target- 2>&1 | grep -E "DONE|Done|stat::|ERROR|crash|SUMMARY" || exit 1; \
	  REPLENISH_FUZZ_TARGET=$$target .build-fuzz/release/replenish-fuzz -merge=1 Tests/Fuzz/found/$$target .build-fuzz/work/$$target 2>&1 | tail -1; \
	done
