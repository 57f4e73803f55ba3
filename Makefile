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

## bench: mining figures in one run: chain/mine's benchmarks natively and as
## wasm under node, then a summary (cmd/chainplay TestBench) adding the wasm
## SIMD and scalar kernels under node (chain/mine/wasmkernel's
## BenchmarkKernels) and every kernel (wasm SIMD, wasm scalar, Go) in
## headless Chromium's Web Workers (the /bench page, 1 and N = cores
## workers), each against native sha256.Sum256, the worker scaling, and the
## room page's main-thread long tasks while it mines on every core; then
## the sync figures (make bench-sync)
bench: wasm
	$(GO) test -run='^$$' -bench=. -benchtime=1s ./chain/mine/
	$(WASM_PATH) $(WASM_ENV) $(GO) test -run='^$$' -bench=. -benchtime=1s ./chain/mine/
	CHAINPLAY_BENCH=1 $(GO) test -count=1 -run='^TestBench$$' -v ./cmd/chainplay/
	$(MAKE) bench-sync

## bench-sync: what a syncing node costs per block natively and as wasm
## under node (chain's BenchmarkSync1k); a fresh Chromium tab joining a room
## of 1,000 and of 10,000 blocks (difficulty 2^16, no retarget) against a
## native node over the relay, its main-thread long tasks, and a reload
## (TestTabSyncBench: the chain is mined once into the user cache dir);
## the fast-miner room: miner, archive and a tab at the end, and whether the
## relay closed anyone (TestFastMinerBench)
.PHONY: bench-sync
bench-sync: wasm
	$(GO) test -run='^$$' -bench='^BenchmarkSync1k$$' -benchtime=3x ./chain/
	$(WASM_PATH) $(WASM_ENV) $(GO) test -run='^$$' -bench='^BenchmarkSync1k$$' -benchtime=3x ./chain/
	CHAINPLAY_BENCH=1 $(GO) test -count=1 -timeout=30m -run='^(TestTabSyncBench|TestFastMinerBench)$$' -v ./cmd/chainplay/ | grep -E '^(=== RUN|--- |ok|FAIL)|bench_test.go'

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
## prints memory per idle peer and block delivery latency (p50, p99) with their targets
.PHONY: loadtest loadtest-cluster
loadtest:
	$(GO) run ./cmd/relayload

## loadtest-cluster: the relay over NATS — 6,000 websocket peers over three
## relay processes (one embedded NATS server each, routed, as chainplay
## -nats-embedded runs them), one 100-peer room spread over all three;
## then the same peers on one process. Prints, for both, delivery p50/p99
## of a 48 KiB block to every peer of that room and memory per idle peer
## per process; judges no target (timings on a shared machine are figures)
loadtest-cluster:
	$(GO) run ./cmd/relayload -cluster 3 -peers 6000 -rooms 100 -hot 100

clean:
	rm -rf bin $(STATIC)/*.wasm $(STATIC)/*.wasm.gz $(STATIC)/*.wasm.br $(STATIC)/wasm_exec.js
