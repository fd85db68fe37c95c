/**
 * The published JSON Schema of `ark migrate` reports (`ark migrate --print-schema`; `--export-json` files validate
 * against it). Field names follow the reference's evidence (tools-and-migration §6.5) plus ARK's schema versions.
 */
import type { JSONSchema } from "../contracts/json-schema.js";

/** `$id` of the report schema. */
export const MIGRATION_REPORT_SCHEMA_ID = "https://ark.dev/schemas/v1/flow-migration-report.json";

const hash = { type: "string", pattern: "^[0-9a-f]{64}$" } as const;
const id = { type: "string", pattern: "^[0-9]+$" } as const;
const codes = { type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true } as const;

const issue: JSONSchema = {
  type: "object",
  additionalProperties: false,
  required: ["code", "message", "severity"],
  properties: {
    code: { type: "string", pattern: "^[a-z_]+\\.[a-z0-9_]+$" },
    message: { type: "string" },
    severity: { enum: ["error", "warning"] },
    node_id: { type: "string" },
    edge_id: { type: "string" },
  },
};

const snapshot: JSONSchema = {
  type: "object",
  required: ["flowchart", "nodes", "edges"],
  properties: {
    flowchart: { type: "object", required: ["id", "name"], properties: { id, name: { type: "string" } } },
    nodes: { type: "array", items: { type: "object", required: ["id", "node_type", "config"], properties: { id: { type: "string" }, node_type: { type: "string" }, config: { type: "object" } } } },
    edges: { type: "array", items: { type: "object", required: ["id", "source_node_id", "target_node_id", "edge_mode"], properties: { id: { type: "string" }, edge_mode: { type: "string" } } } },
  },
};

const flowchartReport: JSONSchema = {
  type: "object",
  additionalProperties: false,
  required: [
    "flowchart", "schema_version", "steps", "pending", "changed", "before_hash", "after_hash", "compatibility_gate", "issues", "rollback",
    "pre_migration_snapshot", "post_migration_snapshot", "apply",
  ],
  properties: {
    flowchart: { type: "object", additionalProperties: false, required: ["id", "name"], properties: { id, name: { type: "string" } } },
    schema_version: {
      type: "object", additionalProperties: false, required: ["current", "target"],
      properties: { current: { type: "integer", minimum: 1 }, target: { type: "integer", minimum: 1 } },
    },
    steps: { type: "array", items: { type: "string" } },
    pending: { type: "boolean" },
    changed: { type: "boolean" },
    before_hash: hash,
    after_hash: hash,
    compatibility_gate: {
      type: "object",
      additionalProperties: false,
      required: ["status", "blocking_issue_codes", "warning_issue_codes", "error_count", "warning_count"],
      properties: {
        status: { enum: ["ready", "blocked"] },
        blocking_issue_codes: codes,
        warning_issue_codes: codes,
        error_count: { type: "integer", minimum: 0 },
        warning_count: { type: "integer", minimum: 0 },
      },
    },
    issues: { type: "array", items: issue },
    rollback: {
      type: "object",
      additionalProperties: false,
      required: ["required", "trigger_codes", "pre_migration_hash", "post_migration_hash"],
      properties: { required: { type: "boolean" }, trigger_codes: codes, pre_migration_hash: hash, post_migration_hash: hash },
    },
    pre_migration_snapshot: snapshot,
    post_migration_snapshot: snapshot,
    apply: {
      type: "object",
      additionalProperties: false,
      required: ["applied", "updates", "applied_at", "evidence_id", "skipped_reason"],
      properties: {
        applied: { type: "boolean" },
        updates: {
          type: "object", additionalProperties: false, required: ["updated_nodes", "updated_edges"],
          properties: { updated_nodes: { type: "integer", minimum: 0 }, updated_edges: { type: "integer", minimum: 0 } },
        },
        applied_at: { type: ["string", "null"], format: "date-time" },
        evidence_id: { anyOf: [id, { type: "null" }] },
        skipped_reason: { enum: [null, "up_to_date", "gate_blocked"] },
      },
    },
  },
};

/** JSON Schema (draft-07) of a whole `ark migrate` report. */
export const migrationReportSchema: JSONSchema = {
  $id: MIGRATION_REPORT_SCHEMA_ID,
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "ARK flow migration report",
  type: "object",
  additionalProperties: false,
  required: [
    "contract_version", "apply_requested", "strict_policy", "target_schema_version", "flowchart_ids", "flowchart_count", "pending_count",
    "changed_count", "blocked_count", "applied_count", "reports",
  ],
  properties: {
    contract_version: { const: "v1" },
    apply_requested: { type: "boolean" },
    strict_policy: { type: "boolean" },
    target_schema_version: { type: "integer", minimum: 1 },
    flowchart_ids: { anyOf: [{ type: "array", items: id }, { type: "null" }] },
    flowchart_count: { type: "integer", minimum: 0 },
    pending_count: { type: "integer", minimum: 0 },
    changed_count: { type: "integer", minimum: 0 },
    blocked_count: { type: "integer", minimum: 0 },
    applied_count: { type: "integer", minimum: 0 },
    reports: { type: "array", items: flowchartReport },
  },
};
