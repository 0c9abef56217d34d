# Makefile - builds the chapters' programs into bin/, the tests, the benchmarks; runs the demos.
#
#   make            build everything (bin/)
#   make demo       run every chapter's demo on data/ (plots in out/); FULL=1 for the long runs
#   make demo-01    run one chapter's demo (01 ... 07)
#   make test       build and run the Check test suite
#   make asan       the test suite under AddressSanitizer + UBSan
#   make fuzz       fuzz every reader of outside data (clang libFuzzer; FUZZ_SECONDS=60 each)
#   make bench      every benchmark (make bench-matmul: the matmul table alone)
#   make clean
#
# Knobs: CC=clang, OMP=0 (no OpenMP), NATIVE=0 (no -march=native), BLAS=openblas (matmul through
# OpenBLAS's cblas_sgemm), MPI=1 (bert pretrain under mpirun, built with mpicc), WERROR=1,
# BUILD=dir (object directory), FULL=1 (long demos).

CC      ?= cc
BUILD   ?= build
BIN     ?= bin
OMP     ?= 1
NATIVE  ?= 1
BLAS    ?=
SAN     ?=
WERROR  ?=
MPI     ?=

CFLAGS_BASE := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -MMD -MP -Icommon -I.
ifeq ($(SAN),1)
  OPTFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
else ifeq ($(SAN),fuzz)
  OPTFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
else
  OPTFLAGS := -O3 -g
endif
ifeq ($(WERROR),1)
  CFLAGS_BASE += -Werror
endif
LDLIBS := -lm
# MPI=1: data-parallel `bert pretrain` under mpirun (07_bert/dist.h); mpicc wraps the compiler.
HAVE_MPICC := $(shell command -v mpicc >/dev/null 2>&1 && echo yes)
ifeq ($(MPI),1)
  ifneq ($(HAVE_MPICC),yes)
    $(error MPI=1 asked, but mpicc is not found; 'apt-get install libopenmpi-dev openmpi-bin')
  endif
  CC := mpicc
  OPTFLAGS += -DUSE_MPI
endif

# ---- what this machine has -------------------------------------------------------------------
HASH := \#
TRY_CC = $(shell printf 'int main(void){return 0;}\n' | $(CC) $(1) -x c - -o /dev/null >/dev/null 2>&1 && echo yes)
CC_VERSION := $(shell $(CC) --version 2>/dev/null | head -n 1)
ifeq ($(CC_VERSION),)
  $(error no C compiler found ('$(CC)'); install one, e.g. 'apt-get install build-essential')
endif
ifeq ($(OMP),1)
  HAVE_OMP := $(shell printf '$(HASH)include <omp.h>\nint main(void){return omp_get_max_threads()<0;}\n' | $(CC) -fopenmp -x c - -o /dev/null >/dev/null 2>&1 && echo yes)
endif
ifeq ($(HAVE_OMP),yes)
  OPTFLAGS += -fopenmp
else
  CFLAGS_BASE += -Wno-unknown-pragmas
endif
ifeq ($(NATIVE),1)
  HAVE_NATIVE := $(call TRY_CC,-march=native)
endif
ifeq ($(HAVE_NATIVE),yes)
  OPTFLAGS += -march=native
  # gcc tunes for the model the CPU reports, and for AMD's first Zen (which KVM guests of later
  # Zens often report) it prefers 128-bit vectors: half speed on the real hardware underneath.
  ifeq ($(call TRY_CC,-march=native -mprefer-vector-width=256),yes)
    OPTFLAGS += -mprefer-vector-width=256
  endif
endif
# Floating-point exceptions are never read here, so let the compiler evaluate both arms of a
# conditional: without this gcc leaves every loop with a ?: on floats (GELU, the clamps of
# exp_fast) scalar. Values are unchanged: no reassociation, NaN and infinities kept (unlike
# -ffast-math). matmul.c needs pthread_once.
OPTFLAGS += -fno-trapping-math -pthread
HAVE_GNUPLOT := $(shell command -v gnuplot >/dev/null 2>&1 && echo yes)
HAVE_OPENBLAS := $(shell pkg-config --exists openblas 2>/dev/null && echo yes)
ifeq ($(BLAS),openblas)
  ifneq ($(HAVE_OPENBLAS),yes)
    $(error BLAS=openblas asked, but pkg-config does not find openblas; 'apt-get install libopenblas-dev')
  endif
  OPTFLAGS += -DUSE_OPENBLAS $(shell pkg-config --cflags openblas)
  LDLIBS += $(shell pkg-config --libs openblas)
endif
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

CFLAGS  := $(CFLAGS_BASE) $(OPTFLAGS) $(CFLAGS)
LDFLAGS := $(OPTFLAGS) $(LDFLAGS)

# What was found is printed once per command: here for plain `make`, by the `config` target for the
# goals that first install missing packages (test, demo, asan, bench), so it describes the machine
# after the install.
CONFIG_LINE1 := [config] compiler: $(CC_VERSION)
CONFIG_LINE2 := [config] OpenMP: $(if $(HAVE_OMP),yes,no)  -march=native: $(if $(HAVE_NATIVE),yes,no)  gnuplot: $(if $(HAVE_GNUPLOT),yes,no (ASCII plots))  OpenBLAS: $(if $(HAVE_OPENBLAS),found,not found)$(if $(filter openblas,$(BLAS)), (matmul backend),)  sanitizers: $(if $(SAN),on,off)  MPI: $(if $(filter 1,$(MPI)),on (mpicc),off (mpicc $(if $(HAVE_MPICC),found,not found)))
ifeq ($(MAKELEVEL),0)
ifeq ($(filter clean config test demo asan bench demo-% bench-% models models-%,$(MAKECMDGOALS)),)
  $(info $(CONFIG_LINE1))
  $(info $(CONFIG_LINE2))
endif
endif

# ---- common/: the shared library ---------------------------------------------------------------
COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
COMMON_LIB := $(BUILD)/libcommon.a

# Objects depend on a stamp of the flags, so switching OMP=0, BLAS=..., CC=... rebuilds them.
FLAGS_STAMP := $(BUILD)/flags.stamp
$(shell mkdir -p $(BUILD) && echo '$(CC) $(CFLAGS) $(LDFLAGS) $(LDLIBS)' > $(FLAGS_STAMP).new && \
  (cmp -s $(FLAGS_STAMP).new $(FLAGS_STAMP) || mv $(FLAGS_STAMP).new $(FLAGS_STAMP)); rm -f $(FLAGS_STAMP).new)
$(BUILD)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(COMMON_LIB): $(COMMON_OBJ)
	@rm -f $@
	ar rcs $@ $^

# ---- chapters ------------------------------------------------------------------------------------
# $(call chapter,DIR,PROGRAM,EARLIER_DIRS): DIR/main.c becomes $(BIN)/PROGRAM; every other .c file
# of DIR goes into $(BUILD)/libDIR.a, which the tests link (model code has no main()). A chapter may
# link earlier chapters' libraries (never later ones). demo-NN runs DIR/demo.sh.
PROGRAMS :=
CHAPTER_LIBS :=
DEMOS :=
define chapter
$(1)_LIBSRC := $$(filter-out $(1)/main.c,$$(wildcard $(1)/*.c))
$(BUILD)/lib$(1).a: $$($(1)_LIBSRC:%.c=$(BUILD)/%.o)
	@rm -f $$@
	ar rcs $$@ $$^
$(BIN)/$(2): $(BUILD)/$(1)/main.o $(BUILD)/lib$(1).a $(foreach d,$(3),$(BUILD)/lib$(d).a) $(COMMON_LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) $$^ $(LDLIBS) -o $$@
PROGRAMS += $(BIN)/$(2)
CHAPTER_LIBS := $(BUILD)/lib$(1).a $$(CHAPTER_LIBS)
DEMOS += demo-$(firstword $(subst _, ,$(1)))
demo-$(firstword $(subst _, ,$(1))): deps-demo
	@$(MAKE) --no-print-directory -s $(BIN)/$(2)
	@BIN=$(BIN) FULL=$(FULL) bash $(1)/demo.sh
ifneq ($(wildcard $(1)/models.sh),)
MODEL_TARGETS += models-$(firstword $(subst _, ,$(1)))
models-$(firstword $(subst _, ,$(1))): deps-demo
	@$(MAKE) --no-print-directory -s all
	@BIN=$(BIN) bash $(1)/models.sh
endif
endef
MODEL_TARGETS :=
include $(sort $(wildcard [0-9][0-9]_*/chapter.mk))

# ---- tests ---------------------------------------------------------------------------------------
# Every tests/test_*.c defines `Suite *NAME_suite(void)`; the list of suites is generated from the
# sources, so a new test file needs no other edit.
TEST_SRC := $(wildcard tests/*.c)
# The fuzz harnesses (fuzz/fuzz.h) are linked into the tests too, which replay their inputs.
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o) $(FUZZ_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(BUILD)/run_tests
$(BUILD)/tests/suites.inc: $(TEST_SRC)
	@mkdir -p $(dir $@)
	@sed -n 's/^Suite \*\([a-z0-9_]*_suite\)(void).*/SUITE(\1)/p' $(filter tests/test_%,$^) > $@.tmp && mv $@.tmp $@
$(BUILD)/tests/%.o: tests/%.c $(BUILD)/tests/suites.inc $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -I$(BUILD)/tests -c $< -o $@
$(TEST_BIN): $(TEST_OBJ) $(CHAPTER_LIBS) $(COMMON_LIB)
	$(CC) $(LDFLAGS) $^ $(CHECK_LIBS) $(LDLIBS) -o $@

# ---- benchmarks ----------------------------------------------------------------------------------
# The matmul benchmark links OpenBLAS whenever it is installed, to print the ratio against it.
BENCH_BLAS_CFLAGS := $(if $(HAVE_OPENBLAS),-DHAVE_OPENBLAS $(shell pkg-config --cflags openblas))
BENCH_BLAS_LIBS := $(if $(HAVE_OPENBLAS),$(shell pkg-config --libs openblas))
$(BUILD)/bench/%.o: bench/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BENCH_BLAS_CFLAGS) -c $< -o $@
$(BIN)/bench_%: $(BUILD)/bench/bench_%.o $(CHAPTER_LIBS) $(COMMON_LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) $^ $(BENCH_BLAS_LIBS) $(LDLIBS) -o $@
BENCHES := $(patsubst bench/bench_%.c,%,$(wildcard bench/bench_*.c))
# A benchmark that compares against another program is a script: bench/bench_NAME.sh runs as
# `make bench-NAME`, after `make all` (it finds the programs in $(BIN)).
BENCH_SCRIPTS := $(patsubst bench/bench_%.sh,%,$(wildcard bench/bench_*.sh))

# ---- fuzzing -------------------------------------------------------------------------------------
# make fuzz: every harness of fuzz/harnesses.inc built with clang's libFuzzer + ASan + UBSan (in
# build/fuzz) and run FUZZ_SECONDS each from fuzz/seeds/NAME (new inputs it finds go to
# build/fuzz/corpus/NAME); a crash is written to fuzz/regress/NAME/, which `make test` replays.
# fuzz/run.sh runs them one after the other and prints a line per harness and the total.
FUZZ_SECONDS ?= 60
FUZZ_NAMES := $(shell sed -n 's/^FUZZ(\([a-z0-9_]*\))/\1/p' fuzz/harnesses.inc)
.PRECIOUS: $(BUILD)/fuzz/%.entry.o
$(BUILD)/fuzz/%.entry.o: fuzz/%.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DFUZZ_ENTRY -c $< -o $@
$(BIN)/fuzz_%: $(BUILD)/fuzz/fuzz_%.entry.o $(BUILD)/fuzz/fuzz_util.o $(CHAPTER_LIBS) $(COMMON_LIB)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer $^ $(LDLIBS) -o $@
fuzz:
	@command -v clang >/dev/null || { echo "make fuzz needs clang (apt-get install clang)"; exit 1; }
	@$(MAKE) --no-print-directory CC=clang SAN=fuzz OMP=0 NATIVE=0 BUILD=build/fuzz BIN=build/fuzz/bin fuzz-run
fuzz-run: $(FUZZ_NAMES:%=$(BIN)/fuzz_%)
	@bash fuzz/run.sh $(BIN) $(BUILD) $(FUZZ_SECONDS) $(FUZZ_NAMES)

# ---- top-level targets ---------------------------------------------------------------------------
.PHONY: models models-bert $(MODEL_TARGETS) config all demo test test-run asan fuzz fuzz-run bench clean deps-test deps-demo deps-bench $(DEMOS) $(BENCHES:%=bench-%) $(BENCH_SCRIPTS:%=bench-%)
.DEFAULT_GOAL := all
all: $(PROGRAMS) $(BENCHES:%=$(BIN)/bench_%)

deps-test:
	@bash scripts/install-deps.sh test
deps-demo:
	@bash scripts/install-deps.sh demo
deps-bench:
	@bash scripts/install-deps.sh bench

config:
	@echo '$(CONFIG_LINE1)'
	@echo '$(CONFIG_LINE2)'

# The dependency check runs first, then a sub-make that sees the freshly installed packages.
test: deps-test
	@$(MAKE) --no-print-directory config test-run
test-run: $(TEST_BIN)
	@echo "running the test suite ($(TEST_BIN))"
	@CK_TIMEOUT_MULTIPLIER=$${CK_TIMEOUT_MULTIPLIER:-$(if $(SAN),10,3)} $(TEST_BIN)

asan: deps-test
	@$(MAKE) --no-print-directory SAN=1 BUILD=$(BUILD)/asan BIN=$(BUILD)/asan/bin config
	@$(MAKE) --no-print-directory SAN=1 BUILD=$(BUILD)/asan BIN=$(BUILD)/asan/bin test-run

demo: deps-demo
	@$(MAKE) --no-print-directory config all
	@start=$$(date +%s); for d in $(DEMOS); do $(MAKE) --no-print-directory $$d || exit 1; done; \
	  echo "all demos done in $$(( $$(date +%s) - start )) s; plots are in out/"

# The shipped models (models/): each chapter's models.sh retrains its models from scratch, with
# the recipe its models/NAME/README.md names (hours on 2 cores: see each README).
models: deps-demo
	@$(MAKE) --no-print-directory all
	@for t in $(MODEL_TARGETS); do $(MAKE) --no-print-directory $$t || exit 1; done
models-bert: models-07

bench: deps-bench
	@$(MAKE) --no-print-directory config $(BENCHES:%=bench-%) $(BENCH_SCRIPTS:%=bench-%)
$(BENCHES:%=bench-%): bench-%: $(BIN)/bench_%
	@$(BIN)/bench_$*
$(BENCH_SCRIPTS:%=bench-%): bench-%: all
	@BIN=$(BIN) bash bench/bench_$*.sh

clean:
	rm -rf build bin out

-include $(COMMON_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(wildcard $(BUILD)/fuzz/*.d) $(wildcard $(BUILD)/*/*.d) $(wildcard $(BUILD)/bench/*.d)
