import { contractIds } from "./contract-ids.js";
import { anyObject, contractVersionV1, entityId, isoDateTime, nonBlankString, sha256Hex } from "./fragments.js";

const draft07 = "http://json-schema.org/draft-07/schema#";
const codeList = { type: "array", items: nonBlankString, uniqueItems: true } as const;

/** One migration issue (tools-and-migration §6.2–§6.4). */
const migrationIssue = {
  type: "object",
  required: ["code", "message", "severity"],
  properties: {
    code: nonBlankString,
    message: { type: "string" },
    severity: { enum: ["error", "warning"] },
    node_id: entityId,
    edge_id: entityId,
  },
} as const;

/** The per-flowchart evidence report of a flow migration (tools-and-migration §6.5). */
export const migrationReportSchema = {
  $id: contractIds.migrationReport,
  $schema: draft07,
  title: "ARK flow migration report v1",
  type: "object",
  required: ["contract_version", "generated_at", "flowchart", "changed", "before_hash", "after_hash", "compatibility_gate", "issues", "rollback"],
  properties: {
    contract_version: contractVersionV1,
    generated_at: isoDateTime,
    flowchart: {
      type: "object",
      required: ["id", "name"],
      properties: { id: entityId, name: { type: "string" } },
    },
    from_schema_version: { type: "integer", minimum: 0 },
    to_schema_version: { type: "integer", minimum: 0 },
    changed: { type: "boolean" },
    before_hash: sha256Hex,
    after_hash: sha256Hex,
    compatibility_gate: {
      type: "object",
      required: ["status", "blocking_issue_codes", "warning_issue_codes", "error_count", "warning_count"],
      properties: {
        status: { enum: ["ready", "blocked"] },
        blocking_issue_codes: codeList,
        warning_issue_codes: codeList,
        error_count: { type: "integer", minimum: 0 },
        warning_count: { type: "integer", minimum: 0 },
      },
    },
    issues: { type: "array", items: migrationIssue },
    rollback: {
      type: "object",
      required: ["required", "trigger_codes", "pre_migration_hash", "post_migration_hash"],
      properties: {
        required: { type: "boolean" },
        trigger_codes: codeList,
        pre_migration_hash: sha256Hex,
        post_migration_hash: sha256Hex,
      },
    },
    pre_migration_snapshot: anyObject,
    post_migration_snapshot: anyObject,
    apply: {
      type: "object",
      required: ["applied", "updates", "applied_at"],
      properties: {
        applied: { type: "boolean" },
        updates: { type: "object", additionalProperties: { type: "integer", minimum: 0 } },
        applied_at: { anyOf: [isoDateTime, { type: "null" }] },
      },
    },
  },
  additionalProperties: true,
} as const;

/** The report of one `ark migrate` run over many flowcharts (tools-and-migration §6.5, top level). */
export const migrationRunReportSchema = {
  $id: contractIds.migrationRunReport,
  $schema: draft07,
  title: "ARK flow migration run report v1",
  type: "object",
  required: ["contract_version", "generated_at", "apply_requested", "strict_policy", "flowchart_count", "changed_count", "blocked_count", "applied_count", "reports"],
  properties: {
    contract_version: contractVersionV1,
    generated_at: isoDateTime,
    apply_requested: { type: "boolean" },
    strict_policy: { type: "boolean" },
    flowchart_count: { type: "integer", minimum: 0 },
    changed_count: { type: "integer", minimum: 0 },
    blocked_count: { type: "integer", minimum: 0 },
    applied_count: { type: "integer", minimum: 0 },
    reports: { type: "array", items: { $ref: contractIds.migrationReport } },
  },
  additionalProperties: true,
} as const;
