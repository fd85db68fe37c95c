import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["core/**/*.test.ts", "plugins/**/*.test.ts", "test/**/*.test.ts"],
    setupFiles: ["./test/setup.ts"],
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // vitest's default is one worker per core minus one: a single worker on 2 cores. Most files wait on PGlite, child
    // processes and sockets rather than compute, so two workers roughly halve the wall time here.
    maxWorkers: 2,
    // Each worker runs its files one after another in the same process instead of a fresh one per file: modules are
    // imported and PGlite's WASM compiled once per worker, not ~80 times (core/flow's 27 files: 71 s instead of 107 s on
    // 2 cores; the whole suite passes with the file order shuffled too). What this asks of a test file: put back any process.env it
    // changes, and close what it opens (kernels, stores, servers) — every file here does. Isolation between tests is
    // the store harness's fresh schema per test, not the process.
    isolate: false,
    reporters: ["default"],
  },
});
