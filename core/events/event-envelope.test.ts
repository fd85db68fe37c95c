import { describe, expect, it } from "vitest";
import { createContractRegistry } from "../contracts/contract-registry.js";
import { contractIds, registerCoreContracts } from "../contracts/schemas/index.js";
import { buildEventEnvelope, type EventInput } from "./event-envelope.js";
import { eventIdFor } from "./event-id.js";
import { metadataFlag, normaliseRuntimeMetadata } from "./runtime-metadata.js";
import { thrownArkError } from "../../test/support/ark-error.js";

const base: EventInput = { eventType: "flowchart:run:updated", entityKind: "flowchart_run", entityId: 7 };
const fixedNow = () => new Date("2026-01-02T03:04:05.678Z");

function build(overrides: Partial<EventInput> = {}, sequence = 1) {
  return buildEventEnvelope({ ...base, ...overrides, sequence }, { now: fixedNow });
}


describe("event envelope: event_type and legacy_event_type (§13.2 examples)", () => {
  const examples: Array<[string, string]> = [
    ["node.task.stage.updated", "node:task:stage_updated"],
    ["flowchart.run.updated", "flowchart:run:updated"],
    ["flowchart:run:updated", "flowchart:run:updated"],
    ["Flowchart.Run.Updated", "flowchart:run:updated"],
    ["download.job.completed", "download:job:completed"],
    ["a:b.c:d", "a:b_c:d"],
    ["a:b:c:d:e", "a:b:c_d_e"],
    ["a..b.c", "a:b:c"],
    ["!!!.b.c", "unknown:b:c"],
    ["foo-bar.baz qux.x y", "foo_bar:baz_qux:x_y"],
    ["node.task.stage-updated", "node:task:stage_updated"],
    ["x.y.__", "x:y:unknown"],
    ["flowchart:node_artifact:persisted", "flowchart:node_artifact:persisted"],
  ];
  it.each(examples)("%s → %s, legacy field only when the input differs", (input, canonical) => {
    const envelope = build({ eventType: input });
    expect(envelope.event_type).toBe(canonical);
    if (input === canonical) expect(envelope).not.toHaveProperty("legacy_event_type");
    else expect(envelope.legacy_event_type).toBe(input);
  });

  it.each([[""], ["   "], ["a.b"], ["a:b"]])("rejects %j with ARK_EVENT_TYPE_INVALID", (input) => {
    expect(thrownArkError(() => build({ eventType: input })).code).toBe("ARK_EVENT_TYPE_INVALID");
  });
});

describe("event envelope: fields (§13.1)", () => {
  it("has every field, in envelope order, with the reference's values", () => {
    const envelope = build({ roomKeys: ["flowchart:1", "flowchart_run:7"], payload: { status: "running" } }, 3);
    expect(Object.keys(envelope)).toEqual([
      "contract_version", "event_id", "idempotency_key", "sequence", "sequence_stream", "emitted_at", "event_type",
      "entity_kind", "entity_id", "room_keys", "request_id", "runtime", "payload",
    ]);
    expect(envelope).toMatchObject({
      contract_version: "v1",
      sequence: 3,
      sequence_stream: "flowchart_run:7",
      emitted_at: "2026-01-02T03:04:05.678+00:00",
      entity_kind: "flowchart_run",
      entity_id: "7",
      room_keys: ["flowchart:1", "flowchart_run:7"],
      runtime: null,
      payload: { status: "running" },
    });
    expect(envelope.idempotency_key).toBe(envelope.event_id);
  });

  it.each([
    [42, "42"],
    ["  abc  ", "abc"],
    [null, ""],
    [undefined, ""],
    ["   ", ""],
  ])("entity_id %j becomes %j", (entityId, expected) => {
    expect(build({ entityId: entityId as EventInput["entityId"] }).entity_id).toBe(expected);
  });

  it("accepts a bigint entity_id", () => {
    expect(build({ entityId: 10n }).entity_id).toBe("10");
  });

  it("sequences by entity, else by event type globally, unless a stream is given", () => {
    expect(build({ entityKind: "task", entityId: " 9 " }).sequence_stream).toBe("task:9");
    expect(build({ eventType: "download.job.updated", entityKind: "download_job", entityId: "" }).sequence_stream).toBe("download:job:updated:global");
    expect(build({ entityKind: "task", entityId: 9, sequenceStream: " flowchart_run:7 " }).sequence_stream).toBe("flowchart_run:7");
  });

  it("trims room keys, drops blanks and keeps the first of duplicates", () => {
    const envelope = build({ roomKeys: [" task:1", "run:2", "", "task:1 ", null, undefined, "   ", "run:2", "flowchart:3"] });
    expect(envelope.room_keys).toEqual(["task:1", "run:2", "flowchart:3"]);
  });

  it.each([
    ["explicit argument", { requestId: " req-arg ", payload: { request_id: "req-payload" }, runtime: { request_id: "req-runtime" } }, "req-arg"],
    ["payload", { payload: { request_id: "req-payload" }, runtime: { request_id: "req-runtime" } }, "req-payload"],
    ["runtime", { payload: { request_id: "  " }, runtime: { request_id: "req-runtime" } }, "req-runtime"],
  ] as const)("takes request_id from the %s first", (_where, input, expected) => {
    expect(build(input as Partial<EventInput>).request_id).toBe(expected);
  });

  it("makes up a uuid4-hex request_id when none is given", () => {
    const first = build().request_id;
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(build().request_id).not.toBe(first);
  });

  it.each([
    ["explicit argument", { correlationId: "c-arg", payload: { correlation_id: "c-payload" }, runtime: { correlation_id: "c-rt" } }, "c-arg"],
    ["payload", { payload: { correlation_id: "c-payload" }, runtime: { correlation_id: "c-rt" } }, "c-payload"],
    ["runtime", { runtime: { correlation_id: "c-rt" } }, "c-rt"],
  ] as const)("takes correlation_id from the %s first", (_where, input, expected) => {
    expect(build(input as Partial<EventInput>).correlation_id).toBe(expected);
  });

  it("omits correlation_id when nothing gives one", () => {
    expect(build({ correlationId: "  ", payload: { correlation_id: null } })).not.toHaveProperty("correlation_id");
  });

  it("defaults the payload to {} and copies it, so later edits by the caller do not leak in", () => {
    expect(build({ payload: null }).payload).toEqual({});
    expect(build({ payload: undefined }).payload).toEqual({});
    const payload = { nested: { n: 1 }, at: new Date("2026-01-01T00:00:00Z") };
    const envelope = build({ payload });
    payload.nested.n = 2;
    expect(envelope.payload).toEqual({ nested: { n: 1 }, at: "2026-01-01T00:00:00.000Z" });
  });
});

describe("event envelope: runtime metadata", () => {
  const keys = [
    "selected_provider", "final_provider", "provider_dispatch_id", "workspace_identity", "dispatch_status", "execution_mode",
    "fallback_reason", "api_failure_category", "fallback_attempted", "dispatch_uncertain", "cli_fallback_used", "cli_preflight_passed",
  ];

  it.each([[null], [undefined], ["text"], [[1, 2]], [42]])("is null when the runtime is %j", (runtime) => {
    expect(build({ runtime }).runtime).toBeNull();
  });

  it("has exactly the 12 keys, texts trimmed, k8s_* and other keys dropped", () => {
    const runtime = normaliseRuntimeMetadata({
      selected_provider: "  kubernetes ", final_provider: "", execution_mode: 3, k8s_job_name: "job-1", k8s_pod: "p", request_id: "r",
    });
    expect(Object.keys(runtime!).sort()).toEqual([...keys].sort());
    expect(runtime).toEqual({
      selected_provider: "kubernetes", final_provider: null, provider_dispatch_id: null, workspace_identity: null,
      dispatch_status: null, execution_mode: "3", fallback_reason: null, api_failure_category: null,
      fallback_attempted: false, dispatch_uncertain: false, cli_fallback_used: false, cli_preflight_passed: null,
    });
  });

  it.each([
    [true, true], [false, false], [1, true], [2, true], [-1, true], [0, false], ["1", true], ["TRUE", true], [" yes ", true],
    ["on", true], ["0", false], ["false", false], ["no", false], ["off", false], ["maybe", false], ["", false], [null, false],
    [undefined, false], [{}, false],
  ])("flag %j → %j", (value, expected) => {
    expect(metadataFlag(value)).toBe(expected);
    expect(normaliseRuntimeMetadata({ dispatch_uncertain: value })!.dispatch_uncertain).toBe(expected);
  });

  it("keeps cli_preflight_passed null when null or missing, else parses it as a flag", () => {
    expect(normaliseRuntimeMetadata({})!.cli_preflight_passed).toBeNull();
    expect(normaliseRuntimeMetadata({ cli_preflight_passed: null })!.cli_preflight_passed).toBeNull();
    expect(normaliseRuntimeMetadata({ cli_preflight_passed: "no" })!.cli_preflight_passed).toBe(false);
    expect(normaliseRuntimeMetadata({ cli_preflight_passed: "on" })!.cli_preflight_passed).toBe(true);
  });
});

describe("event envelope: deterministic ids", () => {
  it("derives event_id from (stream, sequence) only, as a version-8 UUID", () => {
    const a = build({ payload: { x: 1 } }, 5);
    const b = build({ payload: { x: 2 }, requestId: "other" }, 5);
    expect(a.event_id).toBe(b.event_id);
    expect(a.event_id).toBe(eventIdFor("flowchart_run:7", 5));
    expect(a.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(build({}, 6).event_id).not.toBe(a.event_id);
    expect(build({ entityId: 8 }, 5).event_id).not.toBe(a.event_id);
  });

  it("keeps the published derivation (changing it would change the id of every stored event)", () => {
    expect(eventIdFor("flowchart_run:7", 2)).toBe("efa6d40b-1697-8087-8d04-73bef3264fce");
  });
});

describe("event envelope: contract", () => {
  it("validates against the kernel's event-envelope contract", () => {
    const registry = createContractRegistry();
    registerCoreContracts(registry);
    const envelope = buildEventEnvelope({ ...base, sequence: 1, runtime: { dispatch_uncertain: "1" }, correlationId: "c" }, { contracts: registry });
    expect(registry.check(contractIds.eventEnvelope, envelope)).toEqual({ valid: true });
  });

  it("registers the envelope contract in a registry that lacks it", () => {
    const registry = createContractRegistry();
    build();
    buildEventEnvelope({ ...base, sequence: 1 }, { contracts: registry });
    expect(registry.has(contractIds.eventEnvelope)).toBe(true);
  });
});

describe("event envelope: bad input", () => {
  const cases: Array<[string, Partial<EventInput> | Record<string, unknown>, string, string]> = [
    ["blank entity kind", { entityKind: "  " }, "ARK_EVENT_INVALID", "entity_kind"],
    ["entity kind with spaces", { entityKind: "flowchart run" }, "ARK_EVENT_INVALID", "entity_kind"],
    ["upper-case entity kind", { entityKind: "FlowchartRun" }, "ARK_EVENT_INVALID", "entity_kind"],
    ["entity kind not text", { entityKind: 5 }, "ARK_EVENT_INVALID", "entity_kind"],
    ["entity id object", { entityId: { id: 1 } }, "ARK_EVENT_INVALID", "entity_id"],
    ["entity id too long", { entityId: "x".repeat(257) }, "ARK_EVENT_INVALID", "entity_id"],
    ["entity id with a newline", { entityId: "a\nb" }, "ARK_EVENT_INVALID", "entity_id"],
    ["room keys not a list", { roomKeys: "task:1" }, "ARK_EVENT_INVALID", "room_keys"],
    ["room key not text", { roomKeys: ["task:1", 2] }, "ARK_EVENT_INVALID", "room_keys"],
    ["payload a list", { payload: [1, 2] }, "ARK_EVENT_INVALID", "payload"],
    ["payload a string", { payload: "text" }, "ARK_EVENT_INVALID", "payload"],
    ["blank stream override", { sequenceStream: " " }, "ARK_EVENT_INVALID", "sequence_stream"],
  ];
  it.each(cases)("%s → %s", (_name, overrides, code, field) => {
    const err = thrownArkError(() => build(overrides as Partial<EventInput>));
    expect(err.code).toBe(code);
    expect(err.details.field).toBe(field);
  });

  it("rejects a room key that is not prefix:value through the envelope contract", () => {
    const err = thrownArkError(() => build({ roomKeys: ["no-prefix"] }));
    expect(err.code).toBe("ARK_EVENT_INVALID");
    expect(JSON.stringify(err.details.issues)).toContain("/room_keys/0");
  });

  it("rejects a payload holding a bigint", () => {
    expect(thrownArkError(() => build({ payload: { n: 1n } })).code).toBe("ARK_EVENT_INVALID");
  });

  it("rejects a circular payload", () => {
    const payload: Record<string, unknown> = {};
    payload.self = payload;
    expect(thrownArkError(() => build({ payload })).code).toBe("ARK_EVENT_INVALID");
  });

  it("rejects an envelope over the size limit with ARK_EVENT_TOO_LARGE", () => {
    const err = thrownArkError(() => buildEventEnvelope({ ...base, sequence: 1, payload: { blob: "x".repeat(5000) } }, { maxEnvelopeBytes: 4096 }));
    expect(err.code).toBe("ARK_EVENT_TOO_LARGE");
    expect(err.details.limit).toBe(4096);
    expect(buildEventEnvelope({ ...base, sequence: 1, payload: { blob: "x".repeat(3000) } }, { maxEnvelopeBytes: 4096 }).payload).toBeDefined();
  });

  it.each([[0], [-1], [1.5], [Number.NaN]])("rejects sequence %j", (sequence) => {
    expect(thrownArkError(() => build({}, sequence)).code).toBe("ARK_EVENT_INVALID");
  });

  it("rejects an input that is not an object", () => {
    expect(thrownArkError(() => buildEventEnvelope(null as never)).code).toBe("ARK_EVENT_INVALID");
  });
});
