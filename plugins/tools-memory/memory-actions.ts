/**
 * The deterministic memory actions (reference §3.5): add writes the given text (new memory, or append/replace into
 * `memory_id`); retrieve returns one memory by id, the best matches of a query, or the most recent ones. An empty
 * retrieval is `memory.empty_result` unless the caller allows it: it is what drives retries and the mode fallback.
 */
import { toolError, type Queryable } from "../../core/plugin-api/index.js";
import { insertMemory, requireMemory, searchMemories, updateMemory, type Memory, type RankedMemory } from "./memory-rows.js";

/** The two memory actions. */
export type MemoryAction = "add" | "retrieve";
/** The two modes. */
export type MemoryMode = "deterministic" | "llm_guided";

/** What one mode run produces (before the mode runner adds its markers). */
export interface ActionOutcome {
  readonly stored_memory: Memory | null;
  readonly retrieved_memories: RankedMemory[];
  readonly memory_id: number | null;
  readonly action_results: string[];
  readonly extra?: Record<string, unknown>;
}

/** Inputs of a deterministic add. */
export interface AddRequest {
  readonly text: string;
  readonly memoryId?: number;
  readonly storeMode: "append" | "replace";
}

/** Inputs of a deterministic retrieve. */
export interface RetrieveRequest {
  readonly memoryId?: number;
  readonly query: string;
  readonly limit: number;
  readonly allowEmpty: boolean;
}

/** Writes the text; `memory.empty_text` when there is none. */
export async function addMemory(db: Queryable, request: AddRequest): Promise<ActionOutcome> {
  const text = request.text.trim();
  if (text === "") {
    throw toolError("memory.empty_text", "Memory add action requires text, an additive prompt or upstream context.", {}, { retryable: false });
  }
  const stored = request.memoryId !== undefined ? await updateMemory(db, request.memoryId, text, request.storeMode) : await insertMemory(db, text);
  const how = request.memoryId === undefined ? "Created memory" : request.storeMode === "replace" ? "Replaced memory" : "Appended to memory";
  return { stored_memory: stored, retrieved_memories: [], memory_id: stored.id, action_results: [`${how} ${stored.id}.`] };
}

/** Retrieves by id, by query, or the most recent; `memory.empty_result` when nothing matches and empty is not allowed. */
export async function retrieveMemories(db: Queryable, request: RetrieveRequest): Promise<ActionOutcome> {
  let found: RankedMemory[];
  let how: string;
  if (request.memoryId !== undefined) {
    found = [await requireMemory(db, request.memoryId)];
    how = `Retrieved memory ${request.memoryId}.`;
  } else {
    found = await searchMemories(db, request.query, request.limit);
    how = request.query.trim() === "" ? `Retrieved the ${found.length} most recent memories.` : `Retrieved ${found.length} memories matching the query.`;
  }
  if (found.length === 0 && !request.allowEmpty) {
    throw toolError("memory.empty_result", "Memory retrieve action returned an empty result set.", { query: request.query.slice(0, 200) });
  }
  return { stored_memory: null, retrieved_memories: found, memory_id: request.memoryId ?? found[0]?.id ?? null, action_results: [how] };
}
