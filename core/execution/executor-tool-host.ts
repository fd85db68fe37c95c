/**
 * The executor's ToolHost: the HTTP client of core/tooling (calls back to the kernel with the node run's token) when
 * the dispatcher set `ARK_TOOLHOST_URL` and `ARK_TOOLHOST_TOKEN`, else a host that lists nothing and refuses calls.
 */
import { ArkError } from "../errors/index.js";
import type { ToolHost } from "../plugin-api/contributions.js";
import { createHttpToolHost } from "../tooling/http-tool-host.js";

/** The kernel's tool-host base URL, set by the dispatchers. */
export const TOOLHOST_URL_ENV = "ARK_TOOLHOST_URL";
/** The node run's bearer token, set by the dispatchers. */
export const TOOLHOST_TOKEN_ENV = "ARK_TOOLHOST_TOKEN";

/** The ToolHost of an executor without tool-host credentials: lists nothing, refuses every call. */
export function unavailableToolHost(): ToolHost {
  return {
    async invoke(invocation) {
      throw new ArkError("ARK_EXECUTOR_TOOLHOST_UNAVAILABLE", `No tool host is available to call ${invocation.domain}.${invocation.operation}.`, {
        details: { domain: invocation.domain, operation: invocation.operation },
      });
    },
    async describe() {
      return [];
    },
  };
}

/** The executor's ToolHost from its environment: HTTP when both variables are set, else the unavailable one. */
export function toolHostFromEnv(env: Readonly<Record<string, string | undefined>>): ToolHost {
  const url = env[TOOLHOST_URL_ENV]?.trim();
  const token = env[TOOLHOST_TOKEN_ENV]?.trim();
  return url && token ? createHttpToolHost({ url, token }) : unavailableToolHost();
}
