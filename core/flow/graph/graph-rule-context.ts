/** What the graph validation rules share: the index, the node-type registry, the caller's hooks and the issue lists. */
import type { GraphIndex } from "./graph-index.js";
import type { FlowNode, GraphIssue } from "./graph-model.js";
import type { NodeTypeCapabilities, NodeTypeCapabilityRegistry } from "./node-type-capabilities.js";

/** Hooks and lookups a caller may give the validator; every one is optional and pure. */
export interface GraphValidationOptions {
  /** Node types to validate against; default: the built-in types only. */
  readonly registry?: NodeTypeCapabilityRegistry;
  /** Rule 14 (run time and `validate`): whether the row a node's ref_id points at exists. Skipped when absent. */
  readonly refExists?: (nodeType: string, refId: number) => boolean;
  /** Type-specific config checks (e.g. the node type's configSchema); each message is prefixed `Node {id} ({type}) `. */
  readonly configProblems?: (node: FlowNode, capabilities: NodeTypeCapabilities) => readonly string[];
}

/** Issue lists, each de-duplicated by message in first-seen order (the reference de-duplicates its error list). */
export class IssueSink {
  readonly structural: GraphIssue[] = [];
  readonly semantic: GraphIssue[] = [];
  readonly warnings: GraphIssue[] = [];
  private readonly seen = new Set<string>();

  /** A violation the API answers with 400 (the graph cannot be stored as sent). */
  structuralIssue(issue: GraphIssue): void {
    this.add(this.structural, "s", issue);
  }

  /** A violation reported in `validation.errors`; the graph saves, but does not run. */
  semanticIssue(issue: GraphIssue): void {
    this.add(this.semantic, "e", issue);
  }

  /** Something that runs but probably not as meant. */
  warning(issue: GraphIssue): void {
    this.add(this.warnings, "w", issue);
  }

  private add(list: GraphIssue[], kind: string, issue: GraphIssue): void {
    const key = `${kind}\u0000${issue.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    list.push(issue);
  }
}

/** Everything a rule reads. */
export interface RuleContext {
  readonly index: GraphIndex;
  readonly registry: NodeTypeCapabilityRegistry;
  readonly options: GraphValidationOptions;
  readonly sink: IssueSink;
}

/** `Node {id} ({type})`, the reference's message prefix. */
export function nodeLabel(node: Pick<FlowNode, "id" | "type">): string {
  return `Node ${node.id} (${node.type})`;
}
