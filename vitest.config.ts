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
    reporters: ["default"],
  },
});
