/**
 * The `memory` tool domain: add and retrieve in `deterministic` or `llm_guided` mode with retries and one fallback hop
 * to the other mode, plus get, list and delete. Registered in `register` (no I/O), bound to the store in `init`.
 */
import { ArkError, type Queryable, type Store, type ToolCallContext, type ToolDomainContribution, type ToolOperationSpec } from "../../core/plugin-api/index.js";
import { addMemory, retrieveMemories, type ActionOutcome, type MemoryMode } from "./memory-actions.js";
import { llmAdd, llmRetrieve, type LlmActionInput } from "./memory-llm.js";
import { runWithModes, type ModeOutcome } from "./memory-modes.js";
import { deleteMemory, listMemories, requireMemory } from "./memory-rows.js";
import {
  actionOutputSchema, addInputSchema, deleteOutputSchema, getOutputSchema, idInputSchema, listInputSchema, listOutputSchema, retrieveInputSchema,
} from "./memory-schemas.js";

/** The domain id. */
export const MEMORY_DOMAIN_ID = "memory";

/** Input fields shared by add and retrieve. */
interface ModeInput {
  readonly mode?: MemoryMode;
  readonly retry_count?: number;
  readonly fallback_enabled?: boolean;
  readonly additive_prompt?: string;
  readonly context_text?: string;
  readonly provider?: string;
  readonly model?: string;
}

/** `memory.add` input. */
export interface AddInput extends ModeInput {
  readonly text?: string;
  readonly memory_id?: number;
  readonly store_mode?: "append" | "replace";
}

/** `memory.retrieve` input. */
export interface RetrieveInput extends ModeInput {
  readonly query?: string;
  readonly memory_id?: number;
  readonly limit?: number;
  readonly allow_empty?: boolean;
}

/** What add and retrieve answer. */
export type ActionOutput = Omit<ModeOutcome, "warning" | "extra"> & Record<string, unknown>;

function trimmed(value: string | undefined): string {
  return (value ?? "").trim();
}

/** The tool domain; one instance per plugin registration. */
export class MemoryDomain implements ToolDomainContribution {
  readonly id = MEMORY_DOMAIN_ID;
  readonly description = "Memories: add and retrieve (deterministic full-text, or guided by the executor's model), get, list, delete.";
  readonly operations: Readonly<Record<string, ToolOperationSpec>>;
  private store: Store | null = null;

  constructor() {
    this.operations = {
      add: { description: "Stores a memory (new, or appended to / replacing memory_id).", input: addInputSchema, output: actionOutputSchema, idempotent: false, handler: (input: AddInput, ctx) => this.add(input, ctx) },
      retrieve: { description: "Retrieves memories by id, by query (ranked), or the most recent.", input: retrieveInputSchema, output: actionOutputSchema, idempotent: true, handler: (input: RetrieveInput, ctx) => this.retrieve(input, ctx) },
      get: { description: "One memory by id.", input: idInputSchema, output: getOutputSchema, idempotent: true, handler: async (input: { memory_id: number }) => ({ memory: await requireMemory(this.db(), input.memory_id) }) },
      list: {
        description: "Memories, newest first (paged).", input: listInputSchema, output: listOutputSchema, idempotent: true,
        handler: async (input: { limit?: number; offset?: number }) => {
          const page = await listMemories(this.db(), { limit: input.limit ?? 50, offset: input.offset ?? 0 });
          return { items: page.items, total_count: page.total };
        },
      },
      delete: { description: "Deletes one memory.", input: idInputSchema, output: deleteOutputSchema, idempotent: true, handler: async (input: { memory_id: number }) => ({ deleted: await deleteMemory(this.db(), input.memory_id) }) },
    };
  }

  /** Binds the domain to the kernel's store (plugin init). */
  bind(store: Store): void {
    this.store = store;
  }

  /** The store; ARK_KERNEL_STATE before init. */
  db(): Queryable {
    if (!this.store) throw new ArkError("ARK_KERNEL_STATE", "The memory domain was used before the tools-memory plugin's init bound it to the store.");
    return this.store;
  }

  private llmInput(input: AddInput & RetrieveInput): LlmActionInput {
    return {
      instructions: trimmed(input.additive_prompt), contextText: trimmed(input.context_text), limit: input.limit ?? 10, allowEmpty: input.allow_empty === true,
      ...(trimmed(input.text) ? { text: trimmed(input.text) } : {}),
      ...(input.memory_id !== undefined ? { memoryId: input.memory_id } : {}),
      ...(input.store_mode ? { storeMode: input.store_mode } : {}),
      ...(input.provider ? { provider: input.provider } : {}),
      ...(input.model ? { model: input.model } : {}),
    };
  }

  private async add(input: AddInput, ctx: ToolCallContext): Promise<ActionOutput> {
    const effective = trimmed(input.additive_prompt) || trimmed(input.context_text);
    const deterministic = () => addMemory(this.db(), { text: trimmed(input.text) || effective, storeMode: input.store_mode ?? "append", ...(input.memory_id !== undefined ? { memoryId: input.memory_id } : {}) });
    return this.runAction("add", input, ctx, effective, (mode) => (mode === "deterministic" ? deterministic() : llmAdd(this.db(), ctx, this.llmInput(input))));
  }

  private async retrieve(input: RetrieveInput, ctx: ToolCallContext): Promise<ActionOutput> {
    const effective = trimmed(input.additive_prompt) || trimmed(input.context_text);
    const query = input.query !== undefined ? trimmed(input.query) : effective;
    const request = { query, limit: input.limit ?? 10, allowEmpty: input.allow_empty === true, ...(input.memory_id !== undefined ? { memoryId: input.memory_id } : {}) };
    return this.runAction("retrieve", input, ctx, effective, (mode) => (mode === "deterministic" ? retrieveMemories(this.db(), request) : llmRetrieve(this.db(), ctx, this.llmInput(input))));
  }

  private async runAction(action: "add" | "retrieve", input: ModeInput, ctx: ToolCallContext, effective: string, run: (mode: MemoryMode) => Promise<ActionOutcome>): Promise<ActionOutput> {
    const requested = input.mode ?? "deterministic";
    const outcome = await runWithModes(requested, { retryCount: input.retry_count ?? 1, fallbackEnabled: input.fallback_enabled !== false, signal: ctx.signal }, run);
    const { warning, extra, ...rest } = outcome;
    const output: ActionOutput = { action, requested_mode: requested, effective_prompt: effective, ...rest, ...(extra ?? {}) };
    if (warning) Object.assign(output, { execution_status: "success_with_warning", fallback_used: true, warnings: [warning] });
    return output;
  }
}
