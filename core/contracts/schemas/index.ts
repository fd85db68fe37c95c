import type { ContractRegistry } from "../contract-registry-port.js";
import type { JSONSchema } from "../json-schema.js";
import {
  decisionArtifactPayloadSchema,
  genericArtifactPayloadSchema,
  memoryArtifactPayloadSchema,
  milestoneArtifactPayloadSchema,
  planArtifactPayloadSchema,
} from "./artifact-payload.js";
import { eventEnvelopeSchema } from "./event-envelope.js";
import { executionRequestSchema, executorPayloadSchema } from "./executor-payload.js";
import { executorResultSchema } from "./executor-result.js";
import { migrationReportSchema, migrationRunReportSchema } from "./migration-report.js";
import { nodeExecutorSettingsPatchSchema, nodeExecutorSettingsSchema } from "./node-executor-settings.js";
import {
  decisionOutputSchema,
  decisionRoutingStateSchema,
  memoryOutputSchema,
  milestoneOutputSchema,
  nodeOutputSchema,
  planOutputSchema,
  routingStateSchema,
} from "./node-output.js";
import { toolCallSchema, toolResultSchema, toolTraceSchema } from "./tool-envelope.js";

export { contractIds, type ContractId } from "./contract-ids.js";
export { artifactPayloadContractByType } from "./artifact-payload.js";
export { executorResultStatuses } from "./executor-result.js";
export {
  decisionArtifactPayloadSchema,
  decisionOutputSchema,
  decisionRoutingStateSchema,
  eventEnvelopeSchema,
  executionRequestSchema,
  executorPayloadSchema,
  executorResultSchema,
  genericArtifactPayloadSchema,
  memoryArtifactPayloadSchema,
  memoryOutputSchema,
  migrationReportSchema,
  migrationRunReportSchema,
  milestoneArtifactPayloadSchema,
  milestoneOutputSchema,
  nodeExecutorSettingsPatchSchema,
  nodeExecutorSettingsSchema,
  nodeOutputSchema,
  planArtifactPayloadSchema,
  planOutputSchema,
  routingStateSchema,
  toolCallSchema,
  toolResultSchema,
  toolTraceSchema,
};

/** Every core v1 contract document, in registration order. */
export const coreContractSchemas: ReadonlyArray<JSONSchema & { $id: string }> = [
  executionRequestSchema,
  executorPayloadSchema,
  executorResultSchema,
  eventEnvelopeSchema,
  nodeOutputSchema,
  routingStateSchema,
  decisionRoutingStateSchema,
  decisionOutputSchema,
  memoryOutputSchema,
  milestoneOutputSchema,
  planOutputSchema,
  genericArtifactPayloadSchema,
  decisionArtifactPayloadSchema,
  memoryArtifactPayloadSchema,
  milestoneArtifactPayloadSchema,
  planArtifactPayloadSchema,
  toolCallSchema,
  toolTraceSchema,
  toolResultSchema,
  migrationReportSchema,
  migrationRunReportSchema,
  nodeExecutorSettingsSchema,
  nodeExecutorSettingsPatchSchema,
];

/** Registers every core contract; safe to call twice on the same registry (re-registering equal schemas is a no-op). */
export function registerCoreContracts(registry: ContractRegistry): void {
  for (const schema of coreContractSchemas) registry.register(schema);
}
