import { contractIds } from "./contract-ids.js";
import { anyObject, contractVersionV1, isoDateTime, nonBlankString } from "./fragments.js";

/** Every terminal status a v1 result may carry (execution-plane §8.5). */
export const executorResultStatuses = [
  "success",
  "failed",
  "cancelled",
  "timeout",
  "dispatch_failed",
  "dispatch_uncertain",
  "infra_error",
] as const;

const executorError = {
  type: "object",
  required: ["code", "message"],
  properties: {
    code: nonBlankString,
    message: { type: "string" },
    retryable: { type: "boolean" },
    details: anyObject,
  },
} as const;

/**
 * The result envelope an executor prints as `ARK_EXECUTOR_RESULT_JSON=<json>` (execution-plane §8.5).
 * A success carries both states; any other status carries an error saying why.
 */
export const executorResultSchema = {
  $id: contractIds.executorResult,
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "ARK executor result v1",
  type: "object",
  required: ["contract_version", "status"],
  properties: {
    contract_version: contractVersionV1,
    status: { enum: executorResultStatuses },
    exit_code: { type: "integer" },
    started_at: { anyOf: [isoDateTime, { const: "" }, { type: "null" }] },
    finished_at: { anyOf: [isoDateTime, { const: "" }, { type: "null" }] },
    stdout: { type: "string" },
    stderr: { type: "string" },
    error: { anyOf: [{ type: "null" }, executorError] },
    provider_metadata: anyObject,
    run_metadata: anyObject,
    output_state: anyObject,
    routing_state: anyObject,
    usage: { type: ["object", "null"] },
    artifacts: { type: ["object", "null"] },
    warnings: { type: ["array", "null"] },
    metrics: { type: ["object", "null"] },
  },
  allOf: [
    {
      if: { properties: { status: { const: "success" } } },
      then: { required: ["output_state", "routing_state"] },
      else: { required: ["error"], properties: { error: executorError } },
    },
  ],
  additionalProperties: true,
} as const;
