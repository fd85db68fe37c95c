/** Issue helpers of the runtime-schema step: the reference's dotted codes, and `policy.*` severity by strictness. */
import type { FlowMigrationContext, FlowMigrationIssue } from "../../core/plugin-api/index.js";

/** Where an issue points. */
export interface IssueScope {
  readonly nodeId?: string;
  readonly edgeId?: string;
}

/** Builds an issue with the reference's optional `node_id` / `edge_id`. */
export function issue(code: string, message: string, severity: "error" | "warning", scope: IssueScope = {}): FlowMigrationIssue {
  return { code, message, severity, ...(scope.nodeId === undefined ? {} : { node_id: scope.nodeId }), ...(scope.edgeId === undefined ? {} : { edge_id: scope.edgeId }) };
}

/** A `policy.*` issue: an error under strict policy (the default), a warning otherwise. */
export function policyIssue(context: Pick<FlowMigrationContext, "strictPolicy"> | undefined, code: string, message: string, scope: IssueScope = {}): FlowMigrationIssue {
  return issue(code, message, context?.strictPolicy === false ? "warning" : "error", scope);
}

/** Collects issues in the order they are found. */
export type IssueSink = (found: FlowMigrationIssue) => void;
