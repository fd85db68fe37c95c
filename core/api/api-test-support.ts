// Test support for the api tests: a kernel with the store and api modules on a random loopback port, and a plain
// node:http client (fetch hides some headers, e.g. Origin on preflights, and pools connections on its own).
import { request as httpRequestRaw, type Agent, type IncomingHttpHeaders } from "node:http";
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";
import { definePlugin, type PluginDefinition } from "../plugin-api/plugin.js";
import { createStoreModule } from "../store/store-module.js";
import { startTestKernel, type TestKernel } from "../testing/index.js";
import { createApiModule, type ApiModuleOptions } from "./api-module.js";
import { apiServerRef, type ApiServer } from "./api-server-port.js";

/** An answer as the tests look at it. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** Parsed JSON body (undefined when the body is empty or not JSON). */
  readonly json: any;
}

/** Options of one request; a non-string body is sent as JSON. */
export interface HttpCall {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  readonly agent?: Agent;
}

/** One HTTP request over loopback. */
export function http(url: string, call: HttpCall = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...call.headers };
  let payload: string | undefined;
  if (call.body !== undefined) {
    payload = typeof call.body === "string" ? call.body : JSON.stringify(call.body);
    if (typeof call.body !== "string") headers["content-type"] ??= "application/json";
    headers["content-length"] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = httpRequestRaw(url, { method: call.method ?? "GET", headers, ...(call.agent ? { agent: call.agent } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = text === "" ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** A pino logger that keeps every line in memory (to check what reaches the log). */
export function memoryLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString("utf8"));
      done();
    },
  });
  return { logger: pino({ level: "debug" }, sink), lines };
}

/** A running kernel with the api module, and the URL it listens on. */
export interface ApiKernel {
  readonly kernel: TestKernel;
  readonly baseUrl: string;
  /** The api server as a plugin sees it (resolved with kernel rights). */
  readonly api: ApiServer;
  stop(): Promise<void>;
}

/** Boots store + api (+ the given plugins) with `api:` config merged over `{ port: 0 }`. */
export async function startApiKernel(options: {
  api?: Record<string, unknown>;
  plugins?: readonly PluginDefinition<any>[];
  module?: ApiModuleOptions;
  /** Environment of the store module (the settings service reads ARK_SECRET_KEY from it). */
  env?: Record<string, string | undefined>;
  logger?: Logger;
} = {}): Promise<ApiKernel> {
  const plugins = options.plugins?.length ? options.plugins : [needsApi()];
  const kernel = await startTestKernel({
    plugins,
    builtins: [createStoreModule(options.env ? { env: options.env } : {}) as PluginDefinition, createApiModule(options.module) as PluginDefinition],
    // PGlite's cold start is slow on a busy machine; a generous init timeout keeps these tests about HTTP.
    config: { kernel: { pluginTimeoutMs: 60_000 }, api: { port: 0, ...options.api } },
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const api = kernel.get(apiServerRef);
  const address = api.address();
  if (!address) throw new Error("the api module did not listen");
  return { kernel, baseUrl: address.url, api, stop: () => kernel.stop() };
}

/** The smallest plugin that makes the lazy api module boot. */
export function needsApi(id = "needs-api"): PluginDefinition {
  return definePlugin({ id, version: "1.0.0", kernel: "^1.0.0", requires: ["api"] });
}
