import { contractIds } from "./contract-ids.js";
import { anyObject, contractVersionV1, entityId, nonBlankString, nullableEntityId } from "./fragments.js";

const dispatchStatus = { enum: ["dispatch_pending", "dispatch_submitted", "dispatch_confirmed", "dispatch_failed"] } as const;

/**
 * One node run handed to an executor (execution-plane §1 ExecutionRequest, §4.3 `node_execution.request`).
 * The routing metadata fields are optional: the router stamps them, an inline call may not.
 */
export const executionRequestSchema = {
  $id: contractIds.executionRequest,
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "ARK execution request v1",
  type: "object",
  required: ["contract_version", "node_id", "node_type", "node_config", "input_context", "execution_id", "execution_index"],
  properties: {
    contract_version: contractVersionV1,
    node_id: entityId,
    node_type: nonBlankString,
    node_ref_id: nullableEntityId,
    node_config: anyObject,
    input_context: anyObject,
    execution_id: entityId,
    execution_task_id: nullableEntityId,
    execution_index: { type: "integer", minimum: 1 },
    enabled_providers: { type: "array", items: { type: "string" } },
    default_model_id: nullableEntityId,
    mcp_server_keys: { type: "array", items: { type: "string" } },
    selected_provider: { type: "string" },
    final_provider: { type: "string" },
    provider_dispatch_id: { type: ["string", "null"] },
    workspace_identity: { type: "string" },
    dispatch_status: dispatchStatus,
    fallback_attempted: { type: "boolean" },
    fallback_reason: { type: ["string", "null"] },
    dispatch_uncertain: { type: "boolean" },
    api_failure_category: { type: ["string", "null"] },
    cli_fallback_used: { type: "boolean" },
    cli_preflight_passed: { type: ["boolean", "null"] },
    execution_mode: { type: ["string", "null"] },
  },
  additionalProperties: true,
} as const;

/**
 * What a dispatcher gives the executor process (execution-plane §8.3): a node execution, or a plain command.
 * Unknown top-level keys are allowed so a newer kernel can add fields an older executor ignores.
 */
export const executorPayloadSchema = {
  $id: contractIds.executorPayload,
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "ARK executor payload v1",
  type: "object",
  required: ["contract_version"],
  properties: {
    contract_version: contractVersionV1,
    result_contract_version: contractVersionV1,
    provider: { type: "string", pattern: "^[a-z][a-z0-9_-]*$" },
    request_id: nonBlankString,
    timeout_seconds: { type: "integer", minimum: 1, maximum: 86400 },
    capture_limit_bytes: { type: "integer", minimum: 1024, maximum: 10_000_000 },
    emit_start_markers: { type: "boolean" },
    cwd: nonBlankString,
    env: {
      type: "object",
      propertyNames: { pattern: "^\\S+$" },
      additionalProperties: { type: "string" },
    },
    stdin: { type: "string" },
    command: { type: "array", minItems: 1, items: nonBlankString },
    shell_command: nonBlankString,
    node_execution: {
      type: "object",
      required: ["request"],
      properties: {
        request: { $ref: contractIds.executionRequest },
        request_context: anyObject,
        executor_class: nonBlankString,
        entrypoint: nonBlankString,
      },
    },
    plugin_set_hash: { type: "string", pattern: "^[0-9a-f]{16,64}$" },
    metadata: anyObject,
  },
  anyOf: [{ required: ["node_execution"] }, { required: ["command"] }, { required: ["shell_command"] }],
  additionalProperties: true,
} as const;
