// Test support for tools-rag: a local fake OpenAI-compatible embeddings server (deterministic hashed bag of words,
// with a tiny synonym table so "automobile" lands near "car" — what full-text search cannot find), and a corpus writer.
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

const DIMENSIONS = 64;
const SYNONYMS: Readonly<Record<string, string>> = { automobile: "car", vehicle: "car", cars: "car", maintenance: "service", repair: "service", servicing: "service" };

/** The fake model's vector of a text: counts of (synonym-folded) words hashed into 64 buckets. */
export function fakeEmbedding(text: string): number[] {
  const vector = new Array<number>(DIMENSIONS).fill(0);
  for (const raw of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const word = SYNONYMS[raw] ?? raw;
    vector[createHash("md5").update(word).digest().readUInt32BE(0) % DIMENSIONS]! += 1;
  }
  return vector;
}

/** A running fake embeddings server. */
export interface FakeEmbeddings {
  readonly baseUrl: string;
  /** Requests served (each a batch). */
  requests: number;
  /** When set, every request answers this HTTP status. */
  failWith: number | null;
  close(): Promise<void>;
}

/** Starts the fake server on 127.0.0.1 (a random port). */
export async function startFakeEmbeddings(): Promise<FakeEmbeddings> {
  const state = { requests: 0, failWith: null as number | null };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      state.requests += 1;
      if (req.url !== "/v1/embeddings" || req.method !== "POST") return void res.writeHead(404).end();
      if (state.failWith !== null) return void res.writeHead(state.failWith, { "content-type": "application/json" }).end('{"error":{"message":"boom"}}');
      const { input, model } = JSON.parse(body) as { input: string[]; model: string };
      const data = input.map((text, index) => ({ object: "embedding", index, embedding: fakeEmbedding(text) }));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", model, data }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** Writes files (relative path → content) under `root`. */
export async function writeTree(root: string, files: Readonly<Record<string, string | Buffer>>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), content);
  }
}
