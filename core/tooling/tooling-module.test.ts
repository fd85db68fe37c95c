import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { definePlugin } from "../plugin-api/plugin.js";
import type { ToolDomainContribution } from "../plugin-api/contributions.js";
import { openStore } from "../store/open-store.js";
import { startTestKernel } from "../testing/index.js";
import { toolingInternalsRef } from "./tool-host-ref.js";

const counter: ToolDomainContribution = {
  id: "counter",
  operations: {
    bump: { input: { type: "object", properties: { by: { type: "integer" } } }, handler: async (input: { by?: number }) => ({ by: input.by ?? 1 }) },
  },
};

const counterPlugin = definePlugin({ id: "tools-counter", version: "1.0.0", kernel: "^1.0.0", requires: ["tooling"], register: (r) => r.toolDomain(counter) });

describe("tooling module", () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it("writes the ledger records of answered calls before the store closes when the kernel stops", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "ark-tooling-stop-"));
    dirs.push(dataDir);
    const kernel = await startTestKernel({ plugins: [counterPlugin], config: { store: { driver: "pglite", dataDir } } });
    const { invoker } = kernel.get(toolingInternalsRef);
    const answered = await Promise.all([1, 2, 3].map((by) => invoker.invoke({ domain: "counter", operation: "bump", input: { by }, idempotencyKey: `stop-${by}` })));
    expect(answered.map((r) => r.status)).toEqual(["success", "success", "success"]);
    await kernel.stop(); // right after the answers: their records are still to be written

    const store = await openStore({ driver: "pglite", dataDir });
    try {
      const { rows } = await store.query<{ state: string; n: number }>("SELECT state, count(*)::int AS n FROM ark_idempotency_ledger WHERE scope = 'tool:counter.bump' GROUP BY state");
      expect(rows).toEqual([{ state: "completed", n: 3 }]);
    } finally {
      await store.close();
    }
  }, 60_000);
});
