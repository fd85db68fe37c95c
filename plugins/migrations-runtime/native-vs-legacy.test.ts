/**
 * ARK-native flowcharts are at the head of the chain (schema version 2) and never pending, with migrations-runtime
 * enabled; legacy imports are at 1 and pending. A native file saying `schema_version: 1` is the pre-migration format:
 * stored at 1, pending, and still run by the engine as stored (its run pinned at version 1).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeTypeRegistryOf, importFlowText, type FlowImportContext } from "../../core/flow/api/flow-file-import.js";
import { FLOW_SCHEMA_VERSION, flowEngineRef } from "../../core/flow/index.js";
import { flowMigrationRef } from "../../core/migration/index.js";
import { legacyFlow } from "../../core/migration/migration-test-support.js";
import { coreServices, definePlugin } from "../../core/plugin-api/index.js";
import { startTestKernel, type TestKernel } from "../../core/testing/index.js";
import migrationsRuntime from "./index.js";

const linear = readFileSync(path.resolve(import.meta.dirname, "../../examples/flows/linear.yaml"), "utf8");
const harness = definePlugin({ id: "harness", version: "1.0.0", kernel: "^1.0.0", requires: ["migration", "flow"] });

describe("schema versions of native and legacy flowcharts with migrations-runtime enabled", () => {
  let kit: TestKernel;
  let imports: FlowImportContext;
  const pending = async () => {
    const report = await kit.get(flowMigrationRef).migrate();
    return { count: report.pending_count, target: report.target_schema_version, ids: report.reports.filter((r) => r.pending).map((r) => r.flowchart.id) };
  };

  beforeAll(async () => {
    kit = await startTestKernel({ plugins: [migrationsRuntime, harness], config: { kernel: { pluginTimeoutMs: 60_000 } } });
    const engine = kit.get(flowEngineRef);
    imports = { engine, db: kit.get(coreServices.store), registry: nodeTypeRegistryOf(kit.get(coreServices.registries)) };
  }, 60_000);
  afterAll(async () => kit?.stop());

  it("native flowcharts (flow file, API default) are at the head: 0 pending; a legacy import is 1 pending", async () => {
    expect(kit.get(flowMigrationRef).chain.headVersion).toBe(FLOW_SCHEMA_VERSION);
    const file = await importFlowText(imports, linear, "linear.yaml");
    const api = await kit.get(flowEngineRef).flowcharts.create({ name: "from the API" });
    expect([file.flowchart.schemaVersion, api.schemaVersion]).toEqual([2, 2]);
    expect(await pending()).toEqual({ count: 0, target: 2, ids: [] });

    const legacy = await kit.get(flowMigrationRef).importLegacy({ flowcharts: [legacyFlow("legacy one")] });
    expect(await pending()).toEqual({ count: 1, target: 2, ids: [legacy.flowcharts[0]!.flowchartId] });
  });

  it("a native file at schema_version 1 is stored at 1 (pending for `ark migrate`) and runs pinned at version 1", async () => {
    const before = (await pending()).count;
    const v1 = await importFlowText(imports, linear.replace("schema_version: 2", "schema_version: 1").replace("name: Linear", "name: Linear v1"), "linear-v1.yaml");
    expect(v1.flowchart.schemaVersion).toBe(1);
    expect((await pending()).ids).toContain(v1.flowchart.id);
    expect((await pending()).count).toBe(before + 1);

    const engine = kit.get(flowEngineRef);
    const run = await engine.startRun({ flowchartId: v1.flowchart.id });
    const done = await engine.waitForRun(run.id, { timeoutMs: 30_000 });
    expect([done.status, done.schemaVersion]).toEqual(["completed", 1]);
  }, 60_000);
});
