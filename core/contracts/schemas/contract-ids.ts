const base = "https://ark.dev/schemas/v1";

/** The `$id` of every core v1 contract. Validate with `registry.validate(contractIds.x, data)`. */
export const contractIds = {
  executionRequest: `${base}/execution-request.json`,
  executorPayload: `${base}/executor-payload.json`,
  executorResult: `${base}/executor-result.json`,
  eventEnvelope: `${base}/event-envelope.json`,
  nodeOutput: `${base}/node-output.json`,
  routingState: `${base}/routing-state.json`,
  decisionOutput: `${base}/decision-output.json`,
  decisionRoutingState: `${base}/decision-routing-state.json`,
  memoryOutput: `${base}/memory-output.json`,
  milestoneOutput: `${base}/milestone-output.json`,
  planOutput: `${base}/plan-output.json`,
  artifactPayloadGeneric: `${base}/artifact-payload-generic.json`,
  artifactPayloadDecision: `${base}/artifact-payload-decision.json`,
  artifactPayloadMemory: `${base}/artifact-payload-memory.json`,
  artifactPayloadMilestone: `${base}/artifact-payload-milestone.json`,
  artifactPayloadPlan: `${base}/artifact-payload-plan.json`,
  toolCall: `${base}/tool-call.json`,
  toolResult: `${base}/tool-result.json`,
  toolTrace: `${base}/tool-trace.json`,
  migrationReport: `${base}/migration-report.json`,
  migrationRunReport: `${base}/migration-run-report.json`,
  nodeExecutorSettings: `${base}/node-executor-settings.json`,
  nodeExecutorSettingsPatch: `${base}/node-executor-settings-patch.json`,
} as const;

/** One of the core contract ids. */
export type ContractId = (typeof contractIds)[keyof typeof contractIds];
