/**
 * The built-in `tooling-api` module: `GET /api/tools`, `POST /api/tools/{domain}/{operation}` and the sandbox
 * callbacks under `/api/internal/tool-host/tools`. It also plugs the node-run token issuer into the execution module's
 * out-of-process dispatchers (ARK_TOOLHOST_URL / ARK_TOOLHOST_TOKEN): callbacks need this API, and contributes the
 * `tool host` preflight check (core/tooling/tool-host-check.ts). Lazy: `ark start`, `ark doctor` and `ark cutover
 * enable` demand it, after `tooling`, `api` and `execution`.
 */
import { apiServerRef } from "../api/api-server-port.js";
import { toolHostIssuerSlotRef } from "../execution/tool-host-issuer-ref.js";
import { definePlugin, type PluginDefinition } from "../plugin-api/plugin.js";
import { checkToolHost, TOOL_HOST_CHECK_ID, type ToolHostProbe } from "./tool-host-check.js";
import { toolingInternalsRef } from "./tool-host-ref.js";
import { executorToolRoutes, toolRoutes } from "./tool-routes.js";

/** Creates an independent `tooling-api` module instance (one per kernel). */
export function createToolingApiModule(): PluginDefinition {
  let probe: ToolHostProbe | null = null;
  return definePlugin({
    id: "tooling-api",
    version: "1.0.0",
    kernel: "^1.0.0",
    description: "HTTP routes of the tool domains and the executor tool callbacks.",
    lazy: true,
    requires: ["tooling", "api", "execution"],
    consumes: [toolingInternalsRef, toolHostIssuerSlotRef],
    register(r) {
      r.preflightCheck({
        id: TOOL_HOST_CHECK_ID,
        description: "The tool host answers over HTTP: a node-run token from the kernel's signer lists the tools on <callback URL>/api/internal/tool-host/tools.",
        run: async (signal) => probe
          ? checkToolHost(probe, signal)
          : { status: "fail", detail: "the tooling-api module is not initialised in this kernel", hint: "The check runs after a boot; see the startup report for the tooling-api module's error." },
      });
    },
    init(ctx) {
      const api = ctx.get(apiServerRef);
      const tooling = ctx.get(toolingInternalsRef);
      const routes = [...toolRoutes(tooling.invoker), ...executorToolRoutes(tooling.invoker, tooling.signer)];
      for (const route of routes) api.addRoute(route);
      tooling.setCallbackUrlSource(() => api.address()?.url ?? null);
      probe = {
        callbackUrl: () => tooling.host.callbackUrl(),
        issueToken: (scope, ttlSeconds) => tooling.host.issueNodeRunToolToken(scope, ttlSeconds),
        catalogue: () => tooling.invoker.describe(),
      };
      // Sandboxes get a URL and a token for their own node run only; no URL yet (API not listening) = no tool host.
      ctx.get(toolHostIssuerSlotRef).set((scope) => {
        const url = tooling.host.callbackUrl();
        return url ? { url, token: tooling.host.issueNodeRunToolToken({ ...scope }) } : null;
      });
    },
    stop(ctx) {
      probe = null;
      ctx.get(toolHostIssuerSlotRef).set(null);
    },
  });
}
