/**
 * Bad input to the flow migration over a real store: a legacy export the database cannot hold (NUL characters,
 * values nested thousands deep) is refused whole with every problem and where it is, and flowchart ids that do not
 * exist are ARK_NOT_FOUND for the dry-run, the apply and the rollback alike — before anything is written.
 */
import { expect, it } from "vitest";
import { caughtArkError } from "../../test/support/ark-error.js";
import { describeStore } from "../../test/support/store-harness.js";
import { MAX_VALUE_DEPTH } from "../contracts/nesting-depth.js";
import { importLegacyExport } from "./legacy-import.js";
import { rollbackFlowMigration } from "./migration-rollback.js";
import { runFlowMigration } from "./migration-runner.js";
import { legacyFlow, markChain, storedState } from "./migration-test-support.js";

const nestedText = (depth: number): string => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const nested = (depth: number): unknown => JSON.parse(nestedText(depth));

/** Two flowcharts with a NUL or a deep value in each place the import stores one. */
function unstorableExport(): Record<string, unknown> {
  const first = legacyFlow("fine") as { nodes: Record<string, unknown>[]; edges: Record<string, unknown>[] };
  first.nodes[0]!.title = "St\u0000art";
  first.nodes[1]!.config_json = JSON.stringify({ prompt: "ok", "bad\u0000key": 1, list: ["x", "y\u0000"] });
  first.nodes[2]!.config_json = `{"a":${nestedText(5000)}}`; // JSON.stringify itself overflows at this depth
  first.edges[1]!.label = "l\u0000";
  const second = legacyFlow("Bad\u0000name", {}, 2) as { nodes: Record<string, unknown>[] };
  second.nodes[1] = { id: 2, node_type: "task", config: { deep: nested(MAX_VALUE_DEPTH) } };
  return { flowcharts: [first, second] };
}

describeStore("flow migration: bad input", (getStore) => {
  it("refuses a legacy export with NUL characters or too deep values, naming each place, and writes nothing", async () => {
    const store = getStore();
    const err = await caughtArkError(importLegacyExport(store, unstorableExport(), "bad.json"));
    expect(err.code).toBe("ARK_FLOW_LEGACY_INVALID");
    expect(err.details).toMatchObject({ problems: [
      "bad.json[0].nodes[0].title must not contain a NUL character (U+0000).",
      'bad.json[0].nodes[1].config_json at "/bad\\u0000key" must not contain a NUL character (U+0000).',
      'bad.json[0].nodes[1].config_json at "/list/1" must not contain a NUL character (U+0000).',
      "bad.json[0].nodes[2].config_json nests arrays and objects more than 256 levels deep.",
      "bad.json[0].edges[1].label must not contain a NUL character (U+0000).",
      "bad.json[1].name must not contain a NUL character (U+0000).",
      "bad.json[1].nodes[1].config nests arrays and objects more than 256 levels deep.",
    ] });
    expect((await store.query<{ n: string }>("SELECT count(*)::text AS n FROM ark_flowcharts")).rows[0]!.n).toBe("0");
    // The limit itself is accepted: only deeper values are refused.
    const atLimit = legacyFlow("at limit") as { nodes: Record<string, unknown>[] };
    atLimit.nodes[1]!.config = { deep: nested(MAX_VALUE_DEPTH - 1) };
    expect((await importLegacyExport(store, atLimit)).flowcharts).toHaveLength(1);
  });

  it("refuses a legacy export with lone UTF-16 surrogates (an export's \\ud800), naming each place, and writes nothing", async () => {
    const store = getStore();
    // As the export file's text says it: JSON escapes that parse to surrogate halves without their partners.
    const flow = JSON.parse(JSON.stringify(legacyFlow("fine")).replace('"fine"', '"fine \\ud83d\\ude00"')) as { nodes: Record<string, unknown>[]; edges: Record<string, unknown>[] };
    flow.nodes[0]!.title = JSON.parse('"St\\ud800art"');
    flow.nodes[1]!.config_json = '{"prompt":"ok","bad\\udc00key":1}';
    flow.edges[1]!.label = JSON.parse('"l\\udbff"');
    const err = await caughtArkError(importLegacyExport(store, { flowcharts: [flow] }, "halves.json"));
    expect(err.code).toBe("ARK_FLOW_LEGACY_INVALID");
    expect(err.details).toMatchObject({ problems: [
      "halves.json[0].nodes[0].title must not contain a lone UTF-16 surrogate (\\ud800 at offset 2); send well-formed Unicode.",
      'halves.json[0].nodes[1].config_json at "/bad\\udc00key" must not contain a lone UTF-16 surrogate (\\udc00 at offset 3); send well-formed Unicode.',
      "halves.json[0].edges[1].label must not contain a lone UTF-16 surrogate (\\udbff at offset 1); send well-formed Unicode.",
    ] });
    expect((await store.query<{ n: string }>("SELECT count(*)::text AS n FROM ark_flowcharts")).rows[0]!.n).toBe("0");
    // Well-formed pairs are kept as they are: what is read back is what the export said.
    const fine = legacyFlow("emoji \u{1F600}") as { nodes: Record<string, unknown>[] };
    fine.nodes[0]!.title = "Start \u{1F680}";
    const { flowcharts } = await importLegacyExport(store, fine);
    const row = (await store.query<{ name: string }>("SELECT name FROM ark_flowcharts WHERE id = $1", [flowcharts[0]!.flowchartId])).rows[0]!;
    expect(row.name).toBe("emoji \u{1F600}");
  });

  it("refuses unknown flowchart ids in dry-run, apply and rollback, naming them, before touching the known ones", async () => {
    const store = getStore();
    const { flowcharts } = await importLegacyExport(store, { flowcharts: [legacyFlow("a"), legacyFlow("b", {}, 2)] });
    const [a, b] = flowcharts.map((f) => f.flowchartId) as [string, string];
    for (const apply of [false, true]) {
      const err = await caughtArkError(runFlowMigration(store, markChain(), { apply, flowchartIds: [a, "999999", "999998"] }));
      expect(err).toMatchObject({ code: "ARK_NOT_FOUND", details: { flowchartIds: ["999998", "999999"] } });
      expect(err.message).toContain("Flowcharts 999998, 999999 do not exist");
    }
    expect(await storedState(store, a)).toMatchObject({ version: 1, evidence: 0 });

    await runFlowMigration(store, markChain(), { apply: true });
    const err = await caughtArkError(rollbackFlowMigration(store, { flowchartIds: [a, b, "999999"] }));
    expect(err).toMatchObject({ code: "ARK_NOT_FOUND", details: { flowchartIds: ["999999"] } });
    expect(err.message).toContain("Flowchart 999999 does not exist");
    expect(await storedState(store, a)).toMatchObject({ version: 2, evidence: 1 });
    expect(await storedState(store, b)).toMatchObject({ version: 2, evidence: 1 });
  });
}, { migrate: "core" });
