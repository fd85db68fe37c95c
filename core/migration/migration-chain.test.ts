/** The migration chain: ordering, and gaps / duplicates / bad steps / a wrong head as boot errors with stable codes. */
import { describe, expect, it } from "vitest";
import { eventBusRef } from "../events/event-bus-ref.js";
import { coreServices } from "../plugin-api/core-services.js";
import { definePlugin, type PluginDefinition } from "../plugin-api/plugin.js";
import { startTestKernel } from "../testing/index.js";
import { createMigrationModule } from "./migration-module.js";
import type { FlowMigrationContribution } from "../plugin-api/contributions.js";
import { FLOW_SCHEMA_VERSION } from "../flow/graph/index.js";
import { buildMigrationChain } from "./migration-chain.js";
import { flowMigrationRef } from "./flow-migration-service.js";

const step = (id: string, from: number, to = from + 1): FlowMigrationContribution => ({ id, from, to, transform: (d) => d });
const owned = (...steps: FlowMigrationContribution[]) => steps.map((value) => ({ pluginId: "p", value }));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as { code: string }).code;
  }
  return "no error";
}

describe("flow migration chain", () => {
  it("orders steps by version and walks from any version to the head", () => {
    const chain = buildMigrationChain(owned(step("c", 3), step("a", 1), step("b", 2)), 4);
    expect([chain.baseVersion, chain.headVersion]).toEqual([1, 4]);
    expect(chain.stepsFrom(2)!.map((s) => s.id)).toEqual(["b", "c"]);
    expect(chain.stepsFrom(4)).toEqual([]);
    expect([chain.stepsFrom(0), chain.stepsFrom(5)]).toEqual([null, null]);
    expect(FLOW_SCHEMA_VERSION).toBe(2);
    expect([buildMigrationChain([]).baseVersion, buildMigrationChain([]).headVersion]).toEqual([FLOW_SCHEMA_VERSION, FLOW_SCHEMA_VERSION]);
    expect(buildMigrationChain([]).stepsFrom(1)).toBeNull();
  });

  it("agrees with FLOW_SCHEMA_VERSION: a chain ending above or below the version ARK writes is refused", () => {
    expect(buildMigrationChain(owned(step("a", 1))).headVersion).toBe(FLOW_SCHEMA_VERSION);
    expect(codeOf(() => buildMigrationChain(owned(step("a", 1), step("b", 2))))).toBe("ARK_FLOW_MIGRATION_CHAIN_HEAD");
    expect(codeOf(() => buildMigrationChain(owned(step("a", 1)), 3))).toBe("ARK_FLOW_MIGRATION_CHAIN_HEAD");
    let message = "";
    try {
      buildMigrationChain(owned(step("b", 2)));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe("Flow migration chain ends at schema version 3 (step b of plugin p), but this ARK writes and runs schema version 2.");
  });

  it("rejects a gap, two steps from one version, and steps that skip or go back", () => {
    expect(codeOf(() => buildMigrationChain(owned(step("a", 1), step("c", 3)), 4))).toBe("ARK_FLOW_MIGRATION_CHAIN_GAP");
    expect(codeOf(() => buildMigrationChain(owned(step("a", 1), step("b", 1))))).toBe("ARK_FLOW_MIGRATION_CHAIN_DUPLICATE");
    expect(codeOf(() => buildMigrationChain(owned(step("a", 1, 3))))).toBe("ARK_FLOW_MIGRATION_STEP_INVALID");
    expect(codeOf(() => buildMigrationChain(owned(step("a", 0))))).toBe("ARK_FLOW_MIGRATION_STEP_INVALID");
  });

  it("fails the boot when the contributed steps have a gap, and provides the chain when they do not", async () => {
    const plugin = (id: string, ...steps: FlowMigrationContribution[]) =>
      definePlugin({ id, version: "1.0.0", kernel: "^1.0.0", requires: ["migration"], register: (r) => steps.forEach((s) => r.flowMigration(s)) });
    // The chain needs no database: stand-in store and events modules keep this boot test free of PGlite.
    const standIn = (id: string, refs: PluginDefinition["provides"] & object): PluginDefinition =>
      definePlugin({ id, version: "1.0.0", kernel: "^1.0.0", lazy: true, provides: refs, register: (r) => refs.forEach((ref) => r.provide(ref, () => ({}))) });
    const builtins = [standIn("store", [coreServices.store, coreServices.settings]), standIn("events", [eventBusRef]), createMigrationModule()];
    const broken = await startTestKernel({ builtins, plugins: [plugin("one", step("a", 1)), plugin("three", step("c", 3))] }).then(() => null, (err: unknown) => err);
    // The built-in migration module's own code reaches the caller (its hint names the missing step), not a plugin wrapper.
    expect(broken).toMatchObject({ code: "ARK_FLOW_MIGRATION_CHAIN_GAP" });
    const beyond = await startTestKernel({ builtins, plugins: [plugin("one", step("a", 1)), plugin("two", step("b", 2))] }).then(() => null, (err: unknown) => err);
    expect(beyond).toMatchObject({ code: "ARK_FLOW_MIGRATION_CHAIN_HEAD", details: { expected: 2, head: 3 } });
    const kernel = await startTestKernel({ builtins, plugins: [plugin("one", step("a", 1))] });
    try {
      expect(kernel.get(flowMigrationRef).chain.steps.map((s) => `${s.pluginId}/${s.id}`)).toEqual(["one/a"]);
      expect(kernel.get(flowMigrationRef).chain.headVersion).toBe(FLOW_SCHEMA_VERSION);
    } finally {
      await kernel.stop();
    }
  }, 30_000);
});
