"""raw.txt config keys: one constant each, written by ``bench``, read by ``analysis``.

Go writes ``goos``, ``goarch``, ``pkg`` and ``cpu`` itself; every other key is
written into a run's raw.txt header by ``bench.matrix`` (benchstat reads them
as ordinary configuration, so ``benchstat -col go-version`` works).
"""

from __future__ import annotations

# Go's own
GOOS = "goos"
GOARCH = "goarch"
PKG = "pkg"
CPU = "cpu"

# the machine and toolchain
MACHINE = "machine"
GO_VERSION = "go-version"
CPU_MODEL = "cpu-model"

# the GC setting of a block of results (written before each block)
GOGC = "gogc"
LIVE_HEAP = "live-heap"

# how the run measured
VERSION = "escapebench-version"
ORDER = "escapebench-order"
SEED = "escapebench-seed"
BENCHTIME = "escapebench-benchtime"
COUNT = "escapebench-count"
#: loops per cell, ``Name[gogc=…,live-heap=…]=Nx`` items separated by spaces
CALIBRATION = "escapebench-calibration"
#: a short hash of the loop counts: runs pool only under one calibration
CALIBRATION_ID = "escapebench-calibration-id"
SAMPLES_PER_ROUND = "escapebench-samples-per-round"
#: how the samples after it were grouped into processes: ``pair`` (both variants of a
#: pair in one process) or ``cell`` (one each); written before a block when it changes
PROCESS = "escapebench-process"

# what was measured: a catalogue run and an own module's run never pool
MODULE = "escapebench-module"
#: a short hash of the measured package's sources (Go files, go.mod)
SOURCES = "escapebench-sources"
