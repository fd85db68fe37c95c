/**
 * Optional answer synthesis (reference §4.4): the configured executor model answers the question from the retrieved
 * chunks only, citing them by rank. A missing model or a failing call is not a query failure: the answer is null
 * and `synthesis_error` says why.
 */
import { errorMessage, type ToolCallContext } from "../../core/plugin-api/index.js";
import type { Citation } from "./rag-retrieval.js";

/** Why synthesis produced no answer. */
export interface SynthesisError {
  readonly message: string;
  readonly type: string;
}

/** Most characters of retrieved context given to the model (the reference's chat_max_context_chars). */
const MAX_CONTEXT_CHARS = 12_000;

function contextOf(citations: readonly Citation[], texts: ReadonlyMap<string, string>): string {
  const blocks = citations.map((c) => `[${c.rank}] collection=${c.collection}; path=${c.path}; lines=${c.start_line}-${c.end_line}; score=${c.score}\n${texts.get(c.chunk_id) ?? c.excerpt}`);
  const joined = blocks.join("\n\n");
  return joined.length > MAX_CONTEXT_CHARS ? joined.slice(0, MAX_CONTEXT_CHARS) : joined;
}

/** Asks ctx.llm for a grounded answer. */
export async function synthesizeAnswer(ctx: ToolCallContext, question: string, citations: readonly Citation[], texts: ReadonlyMap<string, string>): Promise<{ answer: string | null; error: SynthesisError | null }> {
  if (!ctx.llm) return { answer: null, error: { message: "No executor model can answer (no executor with complete() is enabled).", type: "llm_unavailable" } };
  if (citations.length === 0) return { answer: null, error: { message: "Nothing was retrieved, so there is nothing to answer from.", type: "no_context" } };
  try {
    const completion = await ctx.llm({
      messages: [
        { role: "system", content: "Answer the question using only the numbered context blocks. Cite the blocks you use as [n]. If the context does not contain the answer, say so." },
        { role: "user", content: `Question: ${question}\n\nContext:\n${contextOf(citations, texts)}` },
      ],
      signal: ctx.signal,
    });
    const answer = completion.text.trim();
    return answer === "" ? { answer: null, error: { message: "The model returned an empty answer.", type: "empty_answer" } } : { answer, error: null };
  } catch (err) {
    return { answer: null, error: { message: errorMessage(err), type: err instanceof Error ? err.name : "Error" } };
  }
}
