import path from "node:path";
import { describe, expect, it } from "vitest";
import { runArk } from "../support/cli.js";

// The README promises `npm start` boots the repo's own runtime.config.yaml: it must stay valid.
describe("the repository's runtime.config.yaml", () => {
  it("validates and needs no servers (PGlite store, no Redis)", async () => {
    const cwd = path.resolve(import.meta.dirname, "../..");
    const result = await runArk(["config", "validate", "--json"], { cwd });
    expect(result.stdout).toContain('"ok": true');
    expect(result.code).toBe(0);
    const printed = JSON.parse((await runArk(["config", "print", "--json"], { cwd })).stdout) as {
      store: { driver: string };
      events?: { redis?: unknown };
    };
    expect(printed.store.driver).toBe("pglite");
    expect(printed.events?.redis).toBeUndefined();
  });
});
