// Test support for the tools-plan tests: a bound plan domain on an isolated store, tool call contexts, and a local
// fake model (a queue of canned answers, each request recorded) standing in for an executor's complete().
import type { LlmCompletion, LlmCompletionRequest, Store, ToolCallContext } from "../../core/plugin-api/index.js";
import { PlanDomain } from "./plan-domain.js";
import { planOriginKeyMigration, planSchemaMigration } from "./plan-schema-migration.js";

/** The plugin's migrations as the store harness takes them. */
export const planMigrations = [planSchemaMigration, planOriginKeyMigration].map((m) => ({ id: `tools-plan/${m.id}`, sql: m.sql }));

/** A fake model: answers in order (an Error is thrown instead), records every request. */
export interface FakeLlm {
  readonly llm: (request: LlmCompletionRequest) => Promise<LlmCompletion>;
  readonly requests: LlmCompletionRequest[];
}

/** A fake model answering `answers` in order (the last one repeats). */
export function fakeLlm(...answers: (string | Error)[]): FakeLlm {
  const requests: LlmCompletionRequest[] = [];
  return {
    requests,
    async llm(request) {
      requests.push(request);
      const answer = answers[Math.min(requests.length - 1, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return { text: answer, provider: "fake", model: "fake-1" };
    },
  };
}

/** A tool call context for calling a handler directly. */
export function toolCtx(operation: string, llm?: FakeLlm): ToolCallContext {
  return { domain: "plan", operation, idempotencyKey: `test:${operation}`, attempt: 1, scope: {}, signal: new AbortController().signal, ...(llm ? { llm: llm.llm } : {}) };
}

/** A plan domain bound to `store`, and a caller of its operations. */
export function boundPlanDomain(store: Store): { domain: PlanDomain; call: (operation: string, input: Record<string, unknown>, llm?: FakeLlm) => Promise<any> } {
  const domain = new PlanDomain();
  domain.bind(store);
  return { domain, call: (operation, input, llm) => domain.operations[operation]!.handler(input, toolCtx(operation, llm)) };
}

/** Row counts of the plan tables (to prove a failed call wrote nothing). */
export async function planRowCounts(store: Store): Promise<{ plans: number; stages: number; tasks: number }> {
  const { rows } = await store.query<{ plans: number; stages: number; tasks: number }>(
    "SELECT (SELECT count(*) FROM ark_plans)::int AS plans, (SELECT count(*) FROM ark_plan_stages)::int AS stages, (SELECT count(*) FROM ark_plan_tasks)::int AS tasks",
  );
  return rows[0]!;
}
