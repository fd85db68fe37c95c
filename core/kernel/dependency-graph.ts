import type { BootIssue } from "./boot-issue.js";

/** A plugin as the graph sees it. */
export interface GraphNode {
  readonly id: string;
  readonly requires: readonly string[];
  readonly provides: readonly string[];
  readonly consumes: readonly string[];
  /** Booted only when something depends on it (or it is demanded). */
  readonly lazy: boolean;
}

/** The ordered boot plan, or every problem that prevents one. */
export interface GraphResult {
  /** Topological order (dependencies first; ties keep the listed order). */
  readonly order: string[];
  /** Direct dependencies of each included node. */
  readonly dependencies: ReadonlyMap<string, readonly string[]>;
  /** Provider plugin id of each service ref id. */
  readonly providers: ReadonlyMap<string, string>;
  readonly issues: BootIssue[];
}

export interface GraphOptions {
  /** Plugins listed but switched off, so "missing" can say "is disabled". */
  readonly disabled?: ReadonlySet<string>;
  /** Ref ids satisfied without a provider (test-kit overrides, intrinsic kernel services). */
  readonly preProvided?: ReadonlySet<string>;
  /** Lazy nodes to include even when nothing depends on them (e.g. `ark db migrate` demands `store`). */
  readonly demand?: ReadonlySet<string>;
}

/** Builds the dependency graph: includes lazy nodes on demand, finds every missing dependency and every cycle. */
export function buildDependencyGraph(nodes: readonly GraphNode[], options: GraphOptions = {}): GraphResult {
  const issues: BootIssue[] = [];
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const providers = collectProviders(nodes, issues);
  const depsOf = (node: GraphNode): string[] => {
    const fromRefs = node.consumes.filter((ref) => !options.preProvided?.has(ref)).map((ref) => providers.get(ref) ?? `ref:${ref}`);
    return [...new Set([...node.requires, ...fromRefs])].filter((dep) => dep !== node.id);
  };

  const included = includedNodes(nodes, byId, depsOf, options.demand ?? new Set());
  const dependencies = new Map<string, string[]>();
  for (const node of included) {
    const deps = depsOf(node);
    for (const dep of deps) if (!byId.has(dep)) issues.push(missingIssue(node.id, dep, options.disabled));
    dependencies.set(node.id, deps.filter((dep) => byId.has(dep)));
  }
  for (const cycle of findCycles(included.map((n) => n.id), dependencies)) {
    issues.push({ code: "ARK_PLUGIN_CYCLE", message: `plugin dependency cycle: ${cycle.join(" → ")}` });
  }
  const order = issues.length > 0 ? [] : topologicalOrder(included.map((n) => n.id), dependencies);
  return { order, dependencies, providers, issues };
}

function collectProviders(nodes: readonly GraphNode[], issues: BootIssue[]): Map<string, string> {
  const providers = new Map<string, string>();
  for (const node of nodes) {
    for (const ref of node.provides) {
      const other = providers.get(ref);
      if (other !== undefined) {
        issues.push({ code: "ARK_SERVICE_DUPLICATE", message: `service ${ref} is provided by both plugin "${other}" and plugin "${node.id}"` });
      } else providers.set(ref, node.id);
    }
  }
  return providers;
}

function includedNodes(
  nodes: readonly GraphNode[],
  byId: ReadonlyMap<string, GraphNode>,
  depsOf: (node: GraphNode) => string[],
  demand: ReadonlySet<string>,
): GraphNode[] {
  const wanted = new Set<string>();
  const visit = (node: GraphNode): void => {
    if (wanted.has(node.id)) return;
    wanted.add(node.id);
    for (const dep of depsOf(node)) {
      const target = byId.get(dep);
      if (target) visit(target);
    }
  };
  for (const node of nodes) if (!node.lazy || demand.has(node.id)) visit(node);
  return nodes.filter((n) => wanted.has(n.id));
}

function missingIssue(pluginId: string, dep: string, disabled?: ReadonlySet<string>): BootIssue {
  if (dep.startsWith("ref:")) {
    return {
      code: "ARK_PLUGIN_MISSING_DEPENDENCY",
      message: `plugin "${pluginId}" consumes service ${dep.slice(4)}, which no listed plugin provides`,
    };
  }
  const why = disabled?.has(dep) ? "which is disabled (enabled: false)" : "which is not listed in plugins:";
  return { code: "ARK_PLUGIN_MISSING_DEPENDENCY", message: `plugin "${pluginId}" requires "${dep}", ${why}` };
}

/** Every elementary cycle found by DFS back edges, each as a closed path `a → b → a`, deduplicated. */
function findCycles(ids: readonly string[], deps: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    state.set(id, "visiting");
    stack.push(id);
    for (const dep of deps.get(id) ?? []) {
      if (state.get(dep) === "visiting") {
        const cycle = [...stack.slice(stack.indexOf(dep)), dep];
        const key = [...new Set(cycle)].sort().join(",");
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(id, "done");
  };
  for (const id of ids) if (!state.has(id)) visit(id);
  return cycles;
}

/** Kahn's algorithm; among ready nodes the one listed first goes first, so order is stable and predictable. */
function topologicalOrder(ids: readonly string[], deps: ReadonlyMap<string, readonly string[]>): string[] {
  const position = new Map(ids.map((id, i) => [id, i]));
  const pending = ids.map((id) => (deps.get(id) ?? []).length);
  const dependents = ids.map(() => [] as number[]);
  ids.forEach((id, i) => {
    for (const dep of deps.get(id) ?? []) dependents[position.get(dep)!]!.push(i);
  });
  const ready = new MinHeap();
  pending.forEach((count, i) => count === 0 && ready.push(i));
  const order: string[] = [];
  for (let i = ready.pop(); i !== undefined; i = ready.pop()) {
    order.push(ids[i]!);
    for (const dependent of dependents[i]!) if (--pending[dependent]! === 0) ready.push(dependent);
  }
  return order;
}

/** A binary min-heap of positions, so ordering stays O(n log n) for large plugin sets. */
class MinHeap {
  private readonly items: number[] = [];

  push(value: number): void {
    const a = this.items;
    a.push(value);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= a[i]!) break;
      [a[parent], a[i]] = [a[i]!, a[parent]!];
      i = parent;
    }
  }

  pop(): number | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]! < a[m]!) m = l;
        if (r < a.length && a[r]! < a[m]!) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}
