/**
 * HTTP routes of memories: list (paged), create, one memory, delete, and its artifact history. Add and retrieve with
 * modes go through the tool routes (`POST /api/tools/memory/{add|retrieve}`), so the envelope applies.
 */
import { answerIds, apiReply, ArkError, isToolError, RECORD_ID_PARAMS, recordAnswerSchema, recordRoutes, type ApiRequest, type ApiRoute, type Queryable } from "../../core/plugin-api/index.js";
import type { MemoryDomain } from "./memory-domain.js";
import { deleteMemory, insertMemory, listMemories, requireMemory, type Memory } from "./memory-rows.js";

/** The memory, or the API's 404 (the tool's `memory.not_found` is a tool result code, not an HTTP one). */
async function memoryOr404(db: Queryable, id: number): Promise<Memory> {
  try {
    return await requireMemory(db, id);
  } catch (err) {
    if (isToolError(err, "memory.not_found")) throw new ArkError("ARK_NOT_FOUND", err.message, { details: { memory_id: id } });
    throw err;
  }
}

const TAGS = ["memories"];

/** The memory routes over the plugin's domain. */
export function memoryRoutes(domain: MemoryDomain): ApiRoute[] {
  const create: ApiRoute = {
    method: "POST", url: "/api/memories", summary: "Create a memory", tags: TAGS, auth: "bearer",
    schema: {
      body: { type: "object", required: ["description"], additionalProperties: false, properties: { description: { type: "string", minLength: 1, maxLength: 100000, pattern: "\\S" } } },
      response: { "201": recordAnswerSchema("memory_id") },
    },
    async handler(request: ApiRequest<unknown, unknown, { description: string }>) {
      const memory = await insertMemory(domain.db(), request.body.description.trim());
      return apiReply(201, { ok: true, memory_id: memory.id, item: memory, ...answerIds(request) });
    },
  };
  const remove: ApiRoute = {
    method: "DELETE", url: "/api/memories/:id", summary: "Delete a memory (its artifacts stay)", tags: TAGS, auth: "bearer",
    schema: { params: RECORD_ID_PARAMS },
    async handler(request: ApiRequest<{ id: string }>) {
      const id = Number(request.params.id);
      if (!(await deleteMemory(domain.db(), id))) throw new ArkError("ARK_NOT_FOUND", `Memory ${id} was not found.`, { details: { memory_id: id } });
      return { ok: true, deleted: true, ...answerIds(request) };
    },
  };
  return recordRoutes({
    collection: "memories", artifactType: "memory", idField: "memory_id", db: () => domain.db(), requireRecord: (db, id) => memoryOr404(db, id),
    listSummary: "Memories, newest first (paged)", getSummary: "One memory",
    list: async (page) => {
      const { items, total } = await listMemories(domain.db(), page);
      return { items, total_count: total };
    },
  }, [create, remove]);
}
