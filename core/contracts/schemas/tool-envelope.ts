import { contractIds } from "./contract-ids.js";
import { anyObject, contractVersionV1, entityId, isoDateTime, nonBlankString } from "./fragments.js";

const draft07 = "http://json-schema.org/draft-07/schema#";
const domainId = { type: "string", pattern: "^[a-z][a-z0-9_-]*$" } as const;

/** A warning a tool call returns instead of failing (tools-and-migration §1.7). */
const toolWarning = {
  type: "object",
  required: ["code", "message"],
  properties: { code: nonBlankString, message: { type: "string" }, details: anyObject },
} as const;

const toolError = {
  type: "object",
  required: ["code", "message"],
  properties: { code: nonBlankString, message: { type: "string" }, retryable: { type: "boolean" }, details: anyObject },
} as const;

/** One tool invocation, as an executor sends it through the ToolHost (tools-and-migration §1.3). */
export const toolCallSchema = {
  $id: contractIds.toolCall,
  $schema: draft07,
  title: "ARK tool call v1",
  type: "object",
  required: ["contract_version", "domain", "operation", "args"],
  properties: {
    contract_version: contractVersionV1,
    domain: domainId,
    operation: nonBlankString,
    args: anyObject,
    idempotency_key: nonBlankString,
    idempotency_scope: nonBlankString,
    request_id: nonBlankString,
    correlation_id: nonBlankString,
    execution_id: entityId,
    node_type: nonBlankString,
    max_attempts: { type: "integer", minimum: 1, maximum: 20 },
    retry_backoff_ms: { type: "integer", minimum: 0 },
  },
  additionalProperties: true,
} as const;

/** The trace envelope of one invocation: every attempt, the final status, the idempotency scope/key (§1.5). */
export const toolTraceSchema = {
  $id: contractIds.toolTrace,
  $schema: draft07,
  title: "ARK tool trace envelope v1",
  type: "object",
  required: ["contract_version", "node_type", "tool_name", "operation", "execution_status", "fallback_used", "warnings", "attempt_count", "calls"],
  properties: {
    contract_version: contractVersionV1,
    node_type: nonBlankString,
    tool_name: nonBlankString,
    operation: nonBlankString,
    execution_status: { enum: ["success", "success_with_warning"] },
    fallback_used: { type: "boolean" },
    warnings: { type: "array", items: toolWarning },
    attempt_count: { type: "integer", minimum: 0 },
    calls: {
      type: "array",
      items: {
        type: "object",
        required: ["attempt", "status", "started_at", "finished_at", "duration_ms"],
        properties: {
          attempt: { type: "integer", minimum: 1 },
          status: { enum: ["succeeded", "failed"] },
          started_at: isoDateTime,
          finished_at: isoDateTime,
          duration_ms: { type: "number", minimum: 0 },
          error_type: { type: "string" },
          error: { type: "string" },
        },
      },
    },
    execution_id: entityId,
    request_id: nonBlankString,
    correlation_id: nonBlankString,
    idempotency_scope: nonBlankString,
    idempotency_key: nonBlankString,
    artifact_hook_key: nonBlankString,
    replayed: { type: "boolean" },
  },
  additionalProperties: true,
} as const;

/** What a tool call answers: the output (or error), the warnings, and the trace envelope. */
export const toolResultSchema = {
  $id: contractIds.toolResult,
  $schema: draft07,
  title: "ARK tool result envelope v1",
  type: "object",
  required: ["contract_version", "domain", "operation", "execution_status"],
  properties: {
    contract_version: contractVersionV1,
    domain: domainId,
    operation: nonBlankString,
    execution_status: { enum: ["success", "success_with_warning", "failed"] },
    output: true,
    output_state: anyObject,
    routing_state: anyObject,
    fallback_used: { type: "boolean" },
    warnings: { type: "array", items: toolWarning },
    error: { anyOf: [{ type: "null" }, toolError] },
    trace: { $ref: contractIds.toolTrace },
    replayed: { type: "boolean" },
    request_id: nonBlankString,
    correlation_id: nonBlankString,
  },
  allOf: [
    {
      if: { properties: { execution_status: { const: "failed" } } },
      then: { required: ["error"], properties: { error: toolError } },
    },
  ],
  additionalProperties: true,
} as const;
