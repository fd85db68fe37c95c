import { describe, expect, it } from "vitest";
import { createContractRegistry } from "../contract-registry.js";
import { artifactPayloadContractByType, contractIds, coreContractSchemas, registerCoreContracts } from "./index.js";

const registry = createContractRegistry();
registerCoreContracts(registry);

function problems(id: string, data: unknown): string[] {
  const result = registry.check(id, data);
  return result.valid ? [] : result.issues.map((i) => `${i.instancePath} ${i.message}`.trim());
}

const request = {
  contract_version: "v1",
  node_id: 12,
  node_type: "task",
  node_ref_id: null,
  node_config: { task_prompt: "hi" },
  input_context: {},
  execution_id: 111,
  execution_task_id: 222,
  execution_index: 1,
  enabled_providers: ["openai"],
  default_model_id: null,
  mcp_server_keys: [],
};

describe("registerCoreContracts", () => {
  it("registers every contract id, each compiles, and registering twice is harmless", () => {
    expect(registry.ids()).toEqual(Object.values(contractIds).sort());
    expect(coreContractSchemas).toHaveLength(Object.keys(contractIds).length);
    registerCoreContracts(registry);
    for (const id of registry.ids()) expect(() => registry.check(id, {})).not.toThrow();
  });

  it("every id is a v1 https://ark.dev/schemas URL", () => {
    for (const id of Object.values(contractIds)) expect(id).toMatch(/^https:\/\/ark\.dev\/schemas\/v1\/[a-z-]+\.json$/);
  });
});

describe("executor payload and request", () => {
  const payload = {
    contract_version: "v1",
    result_contract_version: "v1",
    provider: "kubernetes",
    request_id: "flowchart-node-12-run-111",
    timeout_seconds: 1800,
    emit_start_markers: true,
    cwd: "/tmp/ark/runtime/exec-111-idx-1-task-222",
    env: { ARK_WORKSPACES_DIR: "/tmp/ark/w" },
    node_execution: { request, request_context: { execution_contract_version: "v1" }, executor_class: "frontier" },
    metadata: { flowchart_node_id: 12 },
  };

  it("accepts a node-execution payload and a command payload", () => {
    expect(problems(contractIds.executorPayload, payload)).toEqual([]);
    expect(problems(contractIds.executorPayload, { contract_version: "v1", command: ["echo", "hi"] })).toEqual([]);
    expect(problems(contractIds.executionRequest, request)).toEqual([]);
  });

  it("rejects a wrong version, a missing body, a bad env and a broken request", () => {
    expect(problems(contractIds.executorPayload, { ...payload, contract_version: "v2" })).toContain('/contract_version must be equal to constant');
    const { node_execution: _omit, ...noBody } = payload;
    expect(problems(contractIds.executorPayload, noBody)).toContain("must match a schema in anyOf");
    expect(problems(contractIds.executorPayload, { ...payload, env: { A: 1 } })).toContain("/env/A must be string");
    expect(problems(contractIds.executorPayload, { contract_version: "v1", command: [] })).toContain("/command must NOT have fewer than 1 items");
    const broken = { ...payload, node_execution: { request: { ...request, execution_index: 0, node_type: "  " } } };
    expect(problems(contractIds.executorPayload, broken)).toEqual(
      expect.arrayContaining(["/node_execution/request/execution_index must be >= 1", '/node_execution/request/node_type must match pattern "\\S"']),
    );
  });
});

describe("executor result", () => {
  const success = {
    contract_version: "v1",
    status: "success",
    exit_code: 0,
    started_at: "2026-02-27T10:00:00+00:00",
    finished_at: "2026-02-27T10:00:01+00:00",
    stdout: "",
    stderr: "",
    error: null,
    provider_metadata: {},
    output_state: { node_type: "task" },
    routing_state: {},
  };

  it("accepts a success and a failure with an error", () => {
    expect(problems(contractIds.executorResult, success)).toEqual([]);
    const failed = { contract_version: "v1", status: "timeout", exit_code: 124, error: { code: "timeout", message: "Execution timed out after 5 seconds.", retryable: true } };
    expect(problems(contractIds.executorResult, failed)).toEqual([]);
  });

  it("requires both states on success and an error otherwise; rejects unknown statuses", () => {
    const { routing_state: _r, ...noRouting } = success;
    expect(problems(contractIds.executorResult, noRouting)).toContain("must have required property 'routing_state'");
    expect(problems(contractIds.executorResult, { contract_version: "v1", status: "failed", error: null })).toContain("/error must be object");
    expect(problems(contractIds.executorResult, { ...success, status: "done" })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\/status must be one of: "success"/)]),
    );
    expect(problems(contractIds.executorResult, { ...success, started_at: "yesterday" })).not.toEqual([]);
  });
});

describe("event envelope", () => {
  const envelope = {
    contract_version: "v1",
    event_id: "1f0c2e7a-0000-4000-8000-000000000001",
    idempotency_key: "1f0c2e7a-0000-4000-8000-000000000001",
    sequence: 1,
    sequence_stream: "flowchart_run:7",
    emitted_at: "2026-02-27T10:00:00.000Z",
    event_type: "flowchart:run:updated",
    legacy_event_type: "flowchart.run.updated",
    entity_kind: "flowchart_run",
    entity_id: "7",
    room_keys: ["flowchart:3", "flowchart_run:7"],
    request_id: "abc",
    runtime: null,
    payload: { status: "running" },
  };

  it("accepts a canonical envelope", () => {
    expect(problems(contractIds.eventEnvelope, envelope)).toEqual([]);
  });

  it("requires the reference's fields and a canonical event type", () => {
    const { request_id: _r, payload: _p, ...partial } = envelope;
    expect(problems(contractIds.eventEnvelope, partial)).toEqual(
      expect.arrayContaining(["must have required property 'request_id'", "must have required property 'payload'"]),
    );
    expect(problems(contractIds.eventEnvelope, { ...envelope, event_type: "flowchart.run.updated" })[0]).toMatch(/^\/event_type must match pattern/);
    expect(problems(contractIds.eventEnvelope, { ...envelope, room_keys: ["flowchart:3", "flowchart:3"] })[0]).toMatch(/duplicate items/);
    expect(problems(contractIds.eventEnvelope, { ...envelope, runtime: { dispatch_uncertain: "yes" } })).toContain("/runtime/dispatch_uncertain must be boolean");
  });
});

describe("node output and routing state", () => {
  it("accepts outputs with extra keys and checks the routing keys that are present", () => {
    expect(problems(contractIds.nodeOutput, { node_type: "start", message: "Start node executed." })).toEqual([]);
    expect(problems(contractIds.nodeOutput, { message: "x" })).toContain("must have required property 'node_type'");
    expect(problems(contractIds.routingState, { terminate_run: true, extra: 1 })).toEqual([]);
    expect(problems(contractIds.routingState, { route_key: "  ", terminate_run: "yes", matched_connector_ids: "a", no_match: 0 })).toEqual([
      '/route_key must match pattern "\\S"',
      "/terminate_run must be boolean",
      "/matched_connector_ids must be array",
      "/no_match must be boolean",
    ]);
  });

  it("holds the decision special output to trimmed, non-empty connector ids", () => {
    const decision = { node_type: "Decision", matched_connector_ids: ["connector_1"], evaluations: [], no_match: false };
    expect(problems(contractIds.decisionOutput, decision)).toEqual([]);
    for (const bad of [[""], [" connector_1"], [null], [5]]) {
      expect(problems(contractIds.decisionOutput, { ...decision, matched_connector_ids: bad })).not.toEqual([]);
      expect(problems(contractIds.decisionRoutingState, { matched_connector_ids: bad })).not.toEqual([]);
    }
    expect(problems(contractIds.decisionOutput, { ...decision, node_type: "task" })[0]).toMatch(/^\/node_type must match pattern/);
    expect(problems(contractIds.decisionRoutingState, { terminate_run: "no" })).toContain("/terminate_run must be boolean");
  });

  it("checks the memory, milestone and plan outputs' required keys", () => {
    expect(problems(contractIds.memoryOutput, { node_type: "memory", action: "add", action_results: [] })).toEqual([]);
    expect(problems(contractIds.milestoneOutput, { node_type: "milestone", action: "", action_results: {} })).toHaveLength(2);
    expect(problems(contractIds.planOutput, { node_type: "plan", mode: "deterministic" })).toEqual([
      "must have required property 'store_mode'",
      "must have required property 'action_results'",
    ]);
  });
});

describe("artifact payloads", () => {
  const examples: Record<string, Record<string, unknown>> = {
    start: { node_type: "start", input_context: {}, output_state: {}, routing_state: {} },
    decision: { matched_connector_ids: [], evaluations: [], no_match: true, routing_state: { no_match: true } },
    memory: { action: "add", action_results: [], routing_state: {} },
    milestone: { action: "create_or_update", action_results: [], milestone: {}, routing_state: {} },
    plan: { mode: "deterministic", store_mode: "append", action_results: [], plan: {}, routing_state: {} },
  };

  it("maps all nine artifact types to a payload contract", () => {
    expect(Object.keys(artifactPayloadContractByType).sort()).toEqual(
      ["decision", "end", "flowchart", "memory", "milestone", "plan", "rag", "start", "task"],
    );
  });

  it.each(Object.entries(examples))("%s: accepts a full payload, rejects a missing key and a bad routing_state", (type, payload) => {
    const id = artifactPayloadContractByType[type]!;
    expect(problems(id, payload)).toEqual([]);
    const [firstKey] = Object.keys(payload);
    const { [firstKey!]: _dropped, ...missing } = payload;
    expect(problems(id, missing)).toContain(`must have required property '${firstKey}'`);
    expect(problems(id, { ...payload, routing_state: [] })).toContain("/routing_state must be object");
    expect(problems(id, { ...payload, routing_state: { terminate_run: 1 } })).toContain("/routing_state/terminate_run must be boolean");
  });
});

describe("tool call, trace and result", () => {
  const trace = {
    contract_version: "v1",
    node_type: "task",
    tool_name: "deterministic.workspace",
    operation: "read",
    execution_status: "success",
    fallback_used: false,
    warnings: [],
    attempt_count: 1,
    calls: [{ attempt: 1, status: "succeeded", started_at: "2026-02-27T10:00:00Z", finished_at: "2026-02-27T10:00:00.010Z", duration_ms: 10 }],
    idempotency_scope: "deterministic_tool:task:deterministic.workspace:read",
  };

  it("accepts a call, a trace and a result", () => {
    expect(problems(contractIds.toolCall, { contract_version: "v1", domain: "workspace", operation: "read", args: { path: "a.txt" }, idempotency_key: "k1" })).toEqual([]);
    expect(problems(contractIds.toolTrace, trace)).toEqual([]);
    expect(problems(contractIds.toolResult, { contract_version: "v1", domain: "workspace", operation: "read", execution_status: "success", output: "text", trace })).toEqual([]);
  });

  it("rejects a call without args, a bad domain id, a failed result without an error and a malformed trace", () => {
    expect(problems(contractIds.toolCall, { contract_version: "v1", domain: "Work Space", operation: "read" })).toEqual([
      "must have required property 'args'",
      '/domain must match pattern "^[a-z][a-z0-9_-]*$"',
    ]);
    expect(problems(contractIds.toolResult, { contract_version: "v1", domain: "git", operation: "clone", execution_status: "failed" })).toContain(
      "must have required property 'error'",
    );
    expect(problems(contractIds.toolTrace, { ...trace, calls: [{ attempt: 0, status: "ok" }] }).length).toBeGreaterThanOrEqual(4);
    expect(problems(contractIds.toolResult, { contract_version: "v1", domain: "git", operation: "x", execution_status: "success", trace: {} })).toContain(
      "/trace must have required property 'tool_name'",
    );
  });
});

describe("migration reports", () => {
  const hash = "a".repeat(64);
  const report = {
    contract_version: "v1",
    generated_at: "2026-02-27T10:00:00+00:00",
    flowchart: { id: 3, name: "Flowchart 3" },
    changed: true,
    before_hash: hash,
    after_hash: "b".repeat(64),
    compatibility_gate: { status: "blocked", blocking_issue_codes: ["validation.start_node_count"], warning_issue_codes: [], error_count: 1, warning_count: 0 },
    issues: [{ code: "validation.start_node_count", message: "Exactly one start node is required.", severity: "error" }],
    rollback: { required: true, trigger_codes: ["compatibility_gate_blocked", "validation.start_node_count"], pre_migration_hash: hash, post_migration_hash: "b".repeat(64) },
    pre_migration_snapshot: {},
    post_migration_snapshot: {},
    apply: { applied: false, updates: { updated_nodes: 0, updated_edges: 0 }, applied_at: null },
  };

  it("accepts a per-flowchart report and a run report", () => {
    expect(problems(contractIds.migrationReport, report)).toEqual([]);
    const run = { contract_version: "v1", generated_at: "2026-02-27T10:00:00Z", apply_requested: false, strict_policy: true, flowchart_count: 1, changed_count: 1, blocked_count: 1, applied_count: 0, reports: [report] };
    expect(problems(contractIds.migrationRunReport, run)).toEqual([]);
    expect(problems(contractIds.migrationRunReport, { ...run, reports: [{ ...report, before_hash: "xyz" }] })[0]).toMatch(/^\/reports\/0\/before_hash must match pattern/);
  });

  it("rejects an unknown gate status and severity", () => {
    const bad = { ...report, compatibility_gate: { ...report.compatibility_gate, status: "maybe" }, issues: [{ code: "x", message: "m", severity: "info" }] };
    expect(problems(contractIds.migrationReport, bad)).toEqual([
      '/compatibility_gate/status must be one of: "ready", "blocked"',
      '/issues/0/severity must be one of: "error", "warning"',
    ]);
  });
});
