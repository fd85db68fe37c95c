/**
 * `ark migrate` over a real store (PGlite and PostgreSQL): legacy import at schema version 1, dry-run writes nothing,
 * apply is per-flowchart transactional with evidence, idempotent, refuses active runs (or waits), and rollback
 * restores the pre-snapshot by hash. Also the cutover gate (one file, so both suites share one PGlite): enable
 * refused on a failed preflight, `force` recorded in the version's note, every toggle a settings version and a
 * `runtime:cutover:*` event, disable working without a preflight and without an event bus.
 */
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { expect, it } from "vitest";
import { describeStore } from "../../test/support/store-harness.js";
import { isArkError } from "../errors/index.js";
import { importLegacyExport } from "./legacy-import.js";
import { migrationReportSchema } from "./migration-report-schema.js";
import { rollbackFlowMigration } from "./migration-rollback.js";
import { runFlowMigration } from "./migration-runner.js";
import { insertRun, legacyFlow, markChain, storedState } from "./migration-test-support.js";
import { readSnapshot, listFlowcharts } from "./migration-store.js";
import { snapshotHash } from "./flow-snapshot.js";
import { EventBus } from "../events/event-bus.js";
import { createNodeExecutorSettingsService } from "../settings/index.js";
import { CutoverService } from "./cutover.js";
import type { PreflightResult } from "./preflight.js";

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
const validateReport = ajv.compile(migrationReportSchema as object);

async function rejection(promise: Promise<unknown>): Promise<{ code: string; details: Record<string, unknown> }> {
  const err = await promise.then(() => null, (e: unknown) => e);
  if (!isArkError(err)) throw new Error(`expected an ArkError, got ${String(err)}`);
  return { code: err.code, details: err.details as Record<string, unknown> };
}

describeStore("flow migration over the store", (getStore) => {
  it("imports a legacy export at schema version 1, dry-runs without writing, applies with evidence, and re-apply changes nothing", async () => {
    const store = getStore();
    const imported = await importLegacyExport(store, { flowcharts: [legacyFlow("one"), legacyFlow("two", { block: true }, 2)] });
    const [one, two] = imported.flowcharts.map((f) => f.flowchartId) as [string, string];
    expect(await storedState(store, one)).toMatchObject({ version: 1, keys: [null, "legacy"], evidence: 0 });

    const dry = await runFlowMigration(store, markChain());
    expect(validateReport(dry), JSON.stringify(validateReport.errors)).toBe(true);
    expect(dry).toMatchObject({ flowchart_count: 2, pending_count: 2, changed_count: 2, blocked_count: 1, applied_count: 0 });
    expect(JSON.stringify(await runFlowMigration(store, markChain()))).toBe(JSON.stringify(dry));
    expect((await storedState(store, one)).version).toBe(1);

    const applied = await runFlowMigration(store, markChain(), { apply: true, actor: "test" });
    expect(validateReport(applied), JSON.stringify(validateReport.errors)).toBe(true);
    expect(applied).toMatchObject({ applied_count: 1, blocked_count: 1 });
    const [first, second] = applied.reports;
    expect(first!.apply).toMatchObject({ applied: true, updates: { updated_nodes: 3, updated_edges: 1 }, skipped_reason: null });
    expect(second!.apply).toMatchObject({ applied: false, skipped_reason: "gate_blocked" });
    expect(await storedState(store, one)).toMatchObject({ version: 2, keys: [null, "modern"], evidence: 1 });
    expect((await storedState(store, one)).configs["2"]).toMatchObject({ migrated: true });
    expect(await storedState(store, two)).toMatchObject({ version: 1, keys: [null, "legacy"], evidence: 0 });
    const meta = (await listFlowcharts(store, [one]))[0]!;
    expect(snapshotHash(await readSnapshot(store, meta))).toBe(first!.after_hash);

    const again = await runFlowMigration(store, markChain(), { apply: true });
    expect(again).toMatchObject({ applied_count: 0, changed_count: 1, blocked_count: 1 });
    expect(again.reports[0]!.apply.skipped_reason).toBe("up_to_date");
    expect((await storedState(store, one)).evidence).toBe(1);
  });

  it("a failure mid-set leaves earlier flowcharts applied and the failing one untouched", async () => {
    const store = getStore();
    const { flowcharts } = await importLegacyExport(store, { flowcharts: [legacyFlow("a"), legacyFlow("b", {}, 2), legacyFlow("c", {}, 3)] });
    const [a, b, c] = flowcharts.map((f) => f.flowchartId) as [string, string, string];
    await store.query(`CREATE FUNCTION ark_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full (test)'; END $$`);
    await store.query(`CREATE TRIGGER ark_test_refuse BEFORE UPDATE ON ark_flow_nodes FOR EACH ROW WHEN (OLD.flowchart_id = ${Number(b)}) EXECUTE FUNCTION ark_test_refuse()`);
    const failure = await rejection(runFlowMigration(store, markChain(), { apply: true }));
    expect(failure).toMatchObject({ code: "ARK_FLOW_MIGRATION_APPLY_FAILED", details: { flowchartId: b } });
    expect(await storedState(store, a)).toMatchObject({ version: 2, evidence: 1 });
    expect(await storedState(store, b)).toMatchObject({ version: 1, keys: [null, "legacy"], evidence: 0 });
    expect((await storedState(store, b)).configs["2"]).not.toHaveProperty("migrated");
    expect(await storedState(store, c)).toMatchObject({ version: 1, evidence: 0 });
    await store.query("DROP TRIGGER ark_test_refuse ON ark_flow_nodes");
    expect(await runFlowMigration(store, markChain(), { apply: true })).toMatchObject({ applied_count: 2 });
  });

  it("refuses a flowchart with an active run, and waits for it with waitForRuns", async () => {
    const store = getStore();
    const { flowcharts } = await importLegacyExport(store, legacyFlow("busy"));
    const id = flowcharts[0]!.flowchartId;
    const run = await insertRun(store, id, "running");
    expect(await rejection(runFlowMigration(store, markChain(), { apply: true }))).toMatchObject({ code: "ARK_FLOW_MIGRATION_RUNS_ACTIVE", details: { activeRunIds: [run] } });
    expect((await storedState(store, id)).version).toBe(1);
    expect(await rejection(runFlowMigration(store, markChain(), { apply: true, waitForRuns: true, waitTimeoutMs: 50, pollMs: 10 }))).toMatchObject({ code: "ARK_FLOW_MIGRATION_WAIT_TIMEOUT" });
    const waits: string[][] = [];
    const applying = runFlowMigration(store, markChain(), {
      apply: true, waitForRuns: true, pollMs: 10,
      onProgress: (p) => {
        if (p.phase === "wait" && waits.push([...(p.activeRunIds ?? [])]) === 1) void store.query("UPDATE ark_flow_runs SET status = 'completed' WHERE id = $1", [run]);
      },
    });
    expect(await applying).toMatchObject({ applied_count: 1 });
    expect(waits[0]).toEqual([run]);
  });

  it("rolls back to the recorded pre-snapshot, verified by hash; refuses edited graphs unless forced; nothing to roll back is an error", async () => {
    const store = getStore();
    const { flowcharts } = await importLegacyExport(store, { flowcharts: [legacyFlow("x"), legacyFlow("y", {}, 2)] });
    const [x, y] = flowcharts.map((f) => f.flowchartId) as [string, string];
    const before = await runFlowMigration(store, markChain());
    await runFlowMigration(store, markChain(), { apply: true });
    const rolled = await rollbackFlowMigration(store, { flowchartIds: [x] });
    expect(rolled.results[0]).toMatchObject({ flowchart_id: x, verified: true, restored_hash: before.reports[0]!.before_hash, schema_version: { from: 2, to: 1 } });
    expect(await storedState(store, x)).toMatchObject({ version: 1, keys: [null, "legacy"], evidence: 2 });
    expect(await rejection(rollbackFlowMigration(store, { flowchartIds: [x] }))).toMatchObject({ code: "ARK_FLOW_MIGRATION_EVIDENCE_MISSING" });

    await store.query("UPDATE ark_flow_nodes SET config = config || '{\"edited\": true}'::jsonb WHERE flowchart_id = $1 AND id = '2'", [y]);
    expect(await rejection(rollbackFlowMigration(store, { flowchartIds: [y] }))).toMatchObject({ code: "ARK_FLOW_MIGRATION_HASH_MISMATCH" });
    expect((await storedState(store, y)).version).toBe(2);
    const forced = await rollbackFlowMigration(store, { flowchartIds: [y], force: true });
    expect(forced.results[0]!.restored_hash).toBe(before.reports[1]!.before_hash);
    // Migrating again after a rollback works and records new evidence.
    expect(await runFlowMigration(store, markChain(), { apply: true })).toMatchObject({ applied_count: 2 });
  });

  it("refuses a broken legacy export whole, with every problem", async () => {
    const store = getStore();
    const bad = { flowcharts: [legacyFlow("fine"), { flowchart: { id: 9 }, nodes: [{ id: 1 }, { id: 1, node_type: "start" }], edges: [{ id: 1, source_node_id: 1, target_node_id: 5 }] }] };
    const failure = await rejection(importLegacyExport(store, bad, "bad.json"));
    expect(failure.code).toBe("ARK_FLOW_LEGACY_INVALID");
    expect(failure.details.problems).toEqual([
      "bad.json[1].nodes[0].node_type must be a string of 1 to 32 characters.",
      "bad.json[1].edges[0].target_node_id names node 5, which is not in the export.",
    ]);
    expect((await store.query<{ n: string }>("SELECT count(*)::text AS n FROM ark_flowcharts")).rows[0]!.n).toBe("0");
  });
}, { migrate: "core" });

const failing: PreflightResult[] = [{ name: "redis", status: "fail", detail: "127.0.0.1:1: connect ECONNREFUSED", hint: "Start Redis." }, { name: "cutover", status: "ok", detail: "off" }];
const passing: PreflightResult[] = [{ name: "redis", status: "ok", detail: "not configured" }];

describeStore("cutover gate", (getStore) => {
  it("refuses enable on a failed preflight, records a forced enable with its note and event, and disables without preflight or bus", async () => {
    const store = getStore();
    const settings = createNodeExecutorSettingsService(store, { env: {} });
    const bus = new EventBus({ store });
    let checks = failing;
    const cutover = new CutoverService({ settings, bus, preflight: async () => checks });

    const refused = await cutover.enable({ actor: "ops" }).then(() => null, (e: unknown) => e);
    expect(isArkError(refused) && refused.code).toBe("ARK_CUTOVER_PREFLIGHT_FAILED");
    expect(isArkError(refused) && refused.details).toMatchObject({ failed: [{ name: "redis", hint: "Start Redis." }] });
    expect((await cutover.status()).enabled).toBe(false);
    expect(await settings.history()).toEqual([]);

    const forced = await cutover.enable({ actor: "ops", force: true });
    expect(forced).toMatchObject({ enabled: true, changed: true, forced: true });
    const [version] = await settings.history(1);
    expect(version).toMatchObject({ version: forced.version, actor: "ops", changes: { agent_runtime_cutover_enabled: { from: "false", to: "true" } } });
    expect(version!.note).toBe("forced: enabled with failed preflight checks: redis: 127.0.0.1:1: connect ECONNREFUSED");
    expect(await cutover.enable({ actor: "ops", force: true })).toMatchObject({ changed: false, version: null });

    checks = failing;
    const disabled = await new CutoverService({ settings, bus: null, preflight: async () => { throw new Error("preflight must not run"); } }).disable({ actor: "oncall" });
    expect(disabled).toMatchObject({ enabled: false, changed: true, eventError: "event bus not available" });
    expect((await cutover.status()).lastChange).toMatchObject({ actor: "oncall", note: "rollback: cutover disabled" });

    checks = passing;
    expect(await cutover.enable({ actor: "ops" })).toMatchObject({ enabled: true, forced: false });
    expect((await settings.history(1))[0]!.note).toBe("preflight passed");
    const events = await bus.readEvents({ entityKind: "runtime_setting", limit: 10 });
    expect(events.map((e) => [e.event_type, e.payload.forced, e.payload.actor])).toEqual([
      ["runtime:cutover:enabled", true, "ops"],
      ["runtime:cutover:enabled", false, "ops"],
    ]);
    await bus.close();
  });

  it("writes the setting and its event in one transaction: an enable whose event fails changes nothing, a disable still works", async () => {
    const store = getStore();
    const settings = createNodeExecutorSettingsService(store, { env: {} });
    const broken = new EventBus({ store, maxEnvelopeBytes: 64 }); // every envelope is too large: each append fails
    const cutover = new CutoverService({ settings, bus: broken, preflight: async () => passing });
    const failure = await cutover.enable({ actor: "ops" }).then(() => null, (e: unknown) => e);
    expect(isArkError(failure)).toBe(true);
    expect((await settings.read()).agent_runtime_cutover_enabled).toBe("false");
    expect(await settings.history()).toEqual([]);

    const healthy = new EventBus({ store });
    const enabled = await new CutoverService({ settings, bus: healthy, preflight: async () => passing }).enable({ actor: "ops" });
    const [event] = await healthy.readEvents({ entityKind: "runtime_setting", limit: 10 });
    expect(event!.payload).toMatchObject({ enabled: true, version: enabled.version, actor: "ops" });

    const disabled = await cutover.disable({ actor: "oncall" });
    expect(disabled).toMatchObject({ enabled: false, changed: true, eventError: expect.stringMatching(/.+/) });
    expect((await settings.history(1))[0]).toMatchObject({ version: disabled.version, actor: "oncall", changes: { agent_runtime_cutover_enabled: { from: "true", to: "false" } } });
    expect(await healthy.readEvents({ entityKind: "runtime_setting", limit: 10 })).toHaveLength(1);
    await Promise.all([broken.close(), healthy.close()]);
  });
}, { migrate: "core" });
