/**
 * The embeddings client: an OpenAI-compatible `POST /v1/embeddings` (`{model, input: [...]}` →
 * `{data: [{index, embedding}]}`), called in batches. Any failure is `rag.embeddings_failed`, so an index that needed
 * it fails before its write transaction starts and the previous index stays as it was.
 */
import { errorMessage, toolError } from "../../core/plugin-api/index.js";
import type { EmbeddingsSettings } from "./rag-config.js";

/** One embedding per text, in order. */
export async function embedTexts(settings: EmbeddingsSettings, texts: readonly string[], signal?: AbortSignal): Promise<number[][]> {
  const vectors: number[][] = [];
  for (let from = 0; from < texts.length; from += settings.batchSize) {
    vectors.push(...(await embedBatch(settings, texts.slice(from, from + settings.batchSize), signal)));
  }
  return vectors;
}

async function embedBatch(settings: EmbeddingsSettings, input: readonly string[], signal?: AbortSignal): Promise<number[][]> {
  const timeout = AbortSignal.timeout(settings.timeoutMs);
  let response: Response;
  try {
    response = await fetch(settings.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {}) },
      body: JSON.stringify({ model: settings.model, input }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (err) {
    throw failed(`the embeddings endpoint could not be reached: ${errorMessage(err)}`);
  }
  const body = await response.text();
  if (!response.ok) throw failed(`the embeddings endpoint answered HTTP ${response.status}: ${body.slice(0, 300)}`, response.status);
  return vectorsOf(body, input.length);
}

function vectorsOf(body: string, expected: number): number[][] {
  let parsed: { data?: { index?: number; embedding?: unknown }[] };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    throw failed("the embeddings endpoint answered something that is not JSON");
  }
  const data = Array.isArray(parsed.data) ? parsed.data : [];
  if (data.length !== expected) throw failed(`the embeddings endpoint returned ${data.length} vectors for ${expected} inputs`);
  const ordered = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  return ordered.map((item) => {
    const vector = item.embedding;
    if (!Array.isArray(vector) || vector.length === 0 || !vector.every((v) => typeof v === "number" && Number.isFinite(v))) {
      throw failed("the embeddings endpoint returned an embedding that is not a non-empty list of numbers");
    }
    return vector as number[];
  });
}

function failed(reason: string, status?: number): Error {
  return toolError("rag.embeddings_failed", `Embedding failed: ${reason}.`, status === undefined ? {} : { http_status: status }, { retryable: false });
}

/** Euclidean norm (stored beside each vector so the portable cosine needs one dot product per row). */
export function normOf(vector: readonly number[]): number {
  return Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
}
