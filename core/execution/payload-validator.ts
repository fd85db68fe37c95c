/**
 * The executor's payload check (the v1 executor payload contract, which embeds the execution request). Built with ajv
 * at run time here; `ark bundle` swaps this module for the same schemas compiled ahead of time (ajv standalone code),
 * so a bundled executor neither loads ajv nor compiles schemas on every cold start. Both answer the same issues.
 */
import { createContractRegistry } from "../contracts/index.js";
import type { ContractIssue } from "../contracts/contract-registry-port.js";
import { contractIds, executionRequestSchema, executorPayloadSchema } from "../contracts/schemas/index.js";

/** Checks one payload value. */
export type PayloadCheck = (value: unknown) => { valid: true } | { valid: false; issues: ContractIssue[] };

/** The payload check, compiled on first use. */
export function payloadValidator(): PayloadCheck {
  // Only the two schemas the payload needs: registering every core contract costs a quarter second per spawn.
  const contracts = createContractRegistry();
  contracts.register(executionRequestSchema);
  contracts.register(executorPayloadSchema);
  return (value) => contracts.check(contractIds.executorPayload, value);
}
