# Chainplay — see README.md. Every target works from a fresh clone.
GO        ?= go
GOROOT    := $(shell $(GO) env GOROOT)
WASM_ENV  := GOOS=js GOARCH=wasm
WASM_PATH := PATH="$$PATH:$(GOROOT)/lib/wasm"
STATIC    := web/static
ADDR      ?= 127.0.0.1:8080
DATA      ?= data

.PHONY: all generate wasm build run test vet check-imports check-generated test-unit test-wasm fuzz bench clean

all: build

## generate: templ components -> *_templ.go (committed)
generate:
	$(GO) tool templ generate -path web

## wasm: the tab's node, the Web Worker's miner and the /sim page's
## simulator, with their brotli and
## gzip twins (web/precompress; kept when the wasm did not change)
wasm:
	cp "$(GOROOT)/lib/wasm/wasm_exec.js" $(STATIC)/wasm_exec.js
	$(WASM_ENV) $(GO) build -trimpath -ldflags="-s -w" -o $(STATIC)/node.wasm ./wasm/node
	$(WASM_ENV) $(GO) build -trimpath -ldflags="-s -w" -o $(STATIC)/miner.wasm ./wasm/miner
	$(WASM_ENV) $(GO) build -trimpath -ldflags="-s -w" -o $(STATIC)/sim.wasm ./wasm/sim
	$(GO) run ./web/precompress $(STATIC)/node.wasm $(STATIC)/miner.wasm $(STATIC)/sim.wasm
	@ls -l $(STATIC)/*.wasm $(STATIC)/*.wasm.br $(STATIC)/*.wasm.gz | awk '{print "  " $$5 "\t" $$9}'

## build: bin/chainplay with the pages and wasm embedded
build: generate wasm
	$(GO) build -o bin/chainplay ./cmd/chainplay

## run: build and start the server on $(ADDR)
run: build
	./bin/chainplay -addr $(ADDR) -data $(DATA)

## vet: go vet for the host and for GOOS=js
vet:
	$(GO) vet ./...
	$(WASM_ENV) $(GO) vet ./...

## check-imports: package chain stays pure Go; relay, web and internal/httpjson know no chain
check-imports:
	@if $(GO) list -deps ./chain | grep -xE 'syscall/js|net|net/http|nhooyr.io/websocket|github.com/a-h/templ'; then \
		echo "check-imports: package chain must not import the packages above"; exit 1; fi
	@if $(GO) list -deps ./relay ./web ./internal/httpjson | grep '^github.com/chainplay/chainplay/chain'; then \
		echo "check-imports: relay, web and internal/httpjson must not import the chain packages"; exit 1; fi
	@if $(GO) list -deps ./chain/node ./relay ./web ./cmd/... | grep -x 'github.com/chainplay/chainplay/chain/node/nodetest'; then \
		echo "check-imports: chain/node/nodetest is for tests only"; exit 1; fi
	@echo "check-imports: ok"

## check-generated: committed templ output matches the .templ sources
check-generated: generate
	git diff --exit-code -- web/

## test: everything CI runs
test: generate wasm vet check-imports test-unit test-wasm fuzz

# The browser tests (cmd/chainplay) run alone, after the rest: their
# timing checks (stop within 250 ms, no long tasks) want the CPU to themselves.
test-unit:
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v '/cmd/chainplay$$')
	$(GO) test -race -count=1 ./cmd/chainplay/

## test-wasm: the packages that run in the tab, again under GOOS=js with node
test-wasm:
	$(WASM_PATH) $(WASM_ENV) $(GO) test -count=1 ./chain/ ./chain/mine/ ./chain/node/view/ ./wasm/internal/minerproto/ ./wasm/miner/sched/ ./wasm/sim/simproto/

## fuzz: a few seconds per fuzz target. The budget is a count of runs, not a
## duration: Go 1.26's -fuzztime=Ns can fail with a spurious "context deadline
## exceeded" at the deadline (golang/go#75804, fixed in Go 1.27).
fuzz:
	@for p in ./chain/ ./chain/node/ ./relay/; do \
		for t in $$($(GO) test -list '^Fuzz' $$p | grep ^Fuzz); do \
			echo "fuzz $$p $$t"; $(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=150000x $$p || exit 1; done; done

## bench: every figure Chainplay prints, each a median with its min–max
## over interleaved pairs (internal/benchrun: a warm-up, then A B A B …, the
## ratio taken within each pair; absolute figures are marked as this
## machine's): the native import of 10,000 blocks × 5 transfers
## (chain TestImportBench); mining — native sha256.Sum256 against the Go
## kernel and against each kernel in one headless Chromium Web Worker, the
## SIMD kernel on N workers against one, the room page's main-thread tasks
## while it mines (cmd/chainplay TestBench); tab sync — a fresh Chromium tab
## against a native node joining rooms of 1,000 and 10,000 blocks
## (TestTabSyncBench); the relay under load (cmd/relayload). It writes
## bench-results/DATE-TIME/report.md and report.json (not committed);
## compare two runs with make bench-compare. A missed target is reported,
## never a failure. About five minutes (the first run also mines the sync
## chain into the user cache dir, about a minute more).
BENCH_RESULTS := bench-results
BENCH_STAMP   := $(shell date -u +%Y%m%d-%H%M%S)
BENCH_DIR     ?= $(BENCH_RESULTS)/$(BENCH_STAMP)
BENCH_ENV      = CHAINPLAY_BENCH=1 CHAINPLAY_BENCH_DIR=$(abspath $(BENCH_DIR))
.PHONY: bench-compare bench-ab loadtest-ab bench-node
bench: wasm
	@mkdir -p $(BENCH_DIR) && echo "bench: results in $(BENCH_DIR)"
	$(BENCH_ENV) $(GO) test -count=1 -run='^TestImportBench$$' -v ./chain/ | grep -vE '^(=== RUN|--- PASS|PASS)'
	$(BENCH_ENV) $(GO) test -count=1 -timeout=30m -run='^(TestBench|TestTabSyncBench|TestTabStartFloorBench)$$' -v ./cmd/chainplay/ | grep -vE '^(=== RUN|PASS)'
	$(BENCH_ENV) $(GO) run ./cmd/relayload
	$(GO) run ./cmd/bench report $(BENCH_DIR)

## bench-compare: two runs of make bench side by side — figure, old and new
## median (with min–max), change, and whether the ranges overlap (if they do,
## the runs do not tell the figures apart): make bench-compare OLD=DIR NEW=DIR,
## or without OLD and NEW the newest two runs under bench-results
bench-compare:
	$(GO) run ./cmd/bench compare $(OLD) $(NEW)

## bench-ab: a Go benchmark of the commit $(BASE) (default main) against this
## tree, the two test binaries run in alternation (cmd/bench ab):
## make bench-ab PKG=./chain/ BENCH='^BenchmarkImport10k$$/json' PAIRS=7
BASE   ?= main
PAIRS  ?= 5
PKG    ?= ./chain/
BENCH  ?= ^BenchmarkImport10k$$/json
AB_DIR  = $(BENCH_RESULTS)/ab-$(BENCH_STAMP)
bench-ab:
	@rm -rf $(AB_DIR) && mkdir -p $(AB_DIR)/base && git archive $(BASE) | tar -x -C $(AB_DIR)/base
	cd $(AB_DIR)/base && $(GO) test -c -o ../base.test $(PKG)
	$(GO) test -c -o $(AB_DIR)/new.test $(PKG)
	CHAINPLAY_BENCH_DIR=$(abspath $(AB_DIR)) $(GO) run ./cmd/bench ab -pairs $(PAIRS) -name bench-ab \
		-a "cd $(AB_DIR)/base/$(PKG) && $(abspath $(AB_DIR))/base.test -test.run='^$$' -test.bench='$(BENCH)' -test.benchtime=1x" \
		-b "cd $(PKG) && $(abspath $(AB_DIR))/new.test -test.run='^$$' -test.bench='$(BENCH)' -test.benchtime=1x"
	$(GO) run ./cmd/bench report $(AB_DIR)

## loadtest-ab: the relay package of $(BASE) against this tree's, each under
## this tree's load generator (cmd/relayload), run in alternation; the base's
## is built without -cluster (tag relayload_nonats), so a $(BASE) from before
## relay/natsbus builds too
loadtest-ab:
	@rm -rf $(AB_DIR) && mkdir -p $(AB_DIR)/base && git archive $(BASE) | tar -x -C $(AB_DIR)/base
	rm -rf $(AB_DIR)/base/cmd/relayload $(AB_DIR)/base/internal/benchrun
	cp -r cmd/relayload $(AB_DIR)/base/cmd/relayload && cp -r internal/benchrun $(AB_DIR)/base/internal/benchrun
	cd $(AB_DIR)/base && $(GO) build -tags relayload_nonats -o ../relayload-base ./cmd/relayload
	$(GO) build -o $(AB_DIR)/relayload-new ./cmd/relayload
	CHAINPLAY_BENCH_DIR=$(abspath $(AB_DIR)) $(GO) run ./cmd/bench ab -pairs $(PAIRS) -name loadtest-ab \
		-a "CHAINPLAY_BENCH_DIR= $(abspath $(AB_DIR))/relayload-base" -b "CHAINPLAY_BENCH_DIR= $(abspath $(AB_DIR))/relayload-new"
	$(GO) run ./cmd/bench report $(AB_DIR)

## bench-node: chain/mine's benchmarks natively and as wasm under node, and
## the wasm kernels under node (absolute figures, one run each)
bench-node: wasm
	$(GO) test -run='^$$' -bench=. -benchtime=1s ./chain/mine/
	$(WASM_PATH) $(WASM_ENV) $(GO) test -run='^$$' -bench=. -benchtime=1s ./chain/mine/
	$(GO) test -run='^$$' -bench='^BenchmarkKernels$$' ./chain/mine/wasmkernel/

## bench-sync: what a syncing node costs per block natively and as wasm
## under node (chain's BenchmarkSync1k); a fresh Chromium tab joining a room
## of 1,000 and of 10,000 blocks (difficulty 2^16, no retarget) against a
## native node over the relay, in interleaved pairs, its main-thread long
## tasks, and reloads (TestTabSyncBench: the chain is mined once into the
## user cache dir);
## the fast-miner room: miner, archive and a tab at the end, and whether the
## relay closed anyone (TestFastMinerBench)
.PHONY: bench-sync
bench-sync: wasm
	$(GO) test -run='^$$' -bench='^BenchmarkSync1k$$' -benchtime=3x ./chain/
	$(WASM_PATH) $(WASM_ENV) $(GO) test -run='^$$' -bench='^BenchmarkSync1k$$' -benchtime=3x ./chain/
	CHAINPLAY_BENCH=1 $(GO) test -count=1 -timeout=30m -run='^(TestTabSyncBench|TestFastMinerBench)$$' -v ./cmd/chainplay/ | grep -vE '^(=== RUN|PASS)'

## sim-bench: the simulator at scale — 1,000 full chain/node peers (a
## Bitcoin-like mesh: 8 outbound peers each, 1 MB blocks every 10 minutes,
## SimBlock's 2015 latency tables) for 1,000 blocks; prints the wall time
## (target: under 60 s) and the run's report
.PHONY: sim-bench sim-compare
sim-bench:
	$(GO) run ./cmd/sim -scenario network -peers 1000 -blocks 1000 -seed 1 -timing

## sim-compare: the simulated selfish-mining revenue, thresholds and
## double-spend success beside Eyal & Sirer's, Nakamoto's and Rosenfeld's
## formulas (abstract models over 10^6 blocks or trials, full nodes at a
## few points); see docs/simulator.md
sim-compare:
	$(GO) run ./cmd/sim -compare

## loadtest: the relay under load — 2,000 websocket peers in 100 rooms on loopback;
## memory and goroutines per idle peer, and the delivery latency of a 48 KiB
## frame to the 49 other peers of a room (p50, p99 of each round, after a
## warm-up round), medians with min–max and their targets
.PHONY: loadtest loadtest-cluster
loadtest:
	$(GO) run ./cmd/relayload

## loadtest-cluster: the relay over NATS — 6,000 websocket peers over three
## relay processes (one embedded NATS server each, routed, as chainplay
## -nats-embedded runs them), one 100-peer room spread over all three;
## then the same peers on one process, in the same run. Prints, for both,
## memory and goroutines per idle peer per process and the delivery p50/p99
## of a 48 KiB block to every peer of that room (each round, after a warm-up
## that waits until every peer of it got a frame, and a warm-up round; to the
## announcer's process and to the others apart), medians with min–max;
## judges no target (timings on a shared machine are figures)
loadtest-cluster:
	$(GO) run ./cmd/relayload -cluster 3 -peers 6000 -rooms 100 -hot 100

clean:
	rm -rf bin $(STATIC)/*.wasm $(STATIC)/*.wasm.gz $(STATIC)/*.wasm.br $(STATIC)/wasm_exec.js
