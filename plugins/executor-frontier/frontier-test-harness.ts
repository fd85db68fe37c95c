/**
 * The harness the frontier executor's test files share: one local fake provider per file, reset before each test,
 * and a fresh FrontierExecutor configured against it (no environment, one attempt unless the config says otherwise).
 */
import { afterAll, beforeAll, beforeEach } from "vitest";
import { startFakeLlmServer, type FakeLlmServer } from "../../test/fixtures/llm-fakes/index.js";
import type { FrontierPluginConfig } from "./config.js";
import { FrontierExecutor } from "./frontier-executor.js";

/** The fake and the executor of the current test. */
export interface FrontierHarness {
  readonly fake: FakeLlmServer;
  readonly executor: FrontierExecutor;
}

/** Registers the hooks; `configFor` gets the fake's base URL. */
export function frontierHarness(configFor: (baseUrl: string) => FrontierPluginConfig): FrontierHarness {
  const state = {} as { fake: FakeLlmServer; executor: FrontierExecutor };
  beforeAll(async () => {
    state.fake = await startFakeLlmServer();
  });
  afterAll(async () => state.fake?.close());
  beforeEach(() => {
    state.fake.reset();
    state.executor = new FrontierExecutor();
    state.executor.configure({ retry: { maxAttempts: 1 }, ...configFor(state.fake.url) }, { env: {} });
  });
  return {
    get fake() {
      return state.fake;
    },
    get executor() {
      return state.executor;
    },
  };
}
