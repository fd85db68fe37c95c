/**
 * `ark plugin new tool-domain NAME`: the files of a new tool-domain plugin — a domain with one operation (schemas,
 * handler, a domain error code), its node type, behaviour tests through the kernel's tool host, the conformance
 * suite and a README. The generated plugin passes its own tests unchanged; authors then grow it.
 */
import path from "node:path";

/** What to generate. */
export interface ToolDomainTemplateInput {
  /** Domain name: lower-case words joined by `_` or `-` (`weather`, `ticket-queue`). */
  readonly name: string;
  /** Import specifier of core/plugin-api/index.js relative to the plugin folder. */
  readonly pluginApi: string;
  /** Import specifier of core/testing/index.js relative to the plugin folder. */
  readonly testing: string;
}

/** Valid domain names (they become a plugin id `tools-<name>`, a domain id and a node type). */
export const DOMAIN_NAME = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;

const camel = (name: string): string => name.split(/[-_]/).map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");

/** Relative import specifier from a folder to a file, always starting with `./` or `../`. */
export function relativeSpecifier(fromDir: string, file: string): string {
  const rel = path.relative(fromDir, file).split(path.sep).join("/");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/** The generated files, by name relative to the plugin folder. */
export function toolDomainTemplate(input: ToolDomainTemplateInput): Record<string, string> {
  const domain = input.name.replace(/-/g, "_");
  const id = `tools-${input.name.replace(/_/g, "-")}`;
  const Cls = `${camel(input.name)}Domain`;
  const file = `${input.name.replace(/_/g, "-")}-domain`;
  return {
    [`${file}.ts`]: `/**
 * The \`${domain}\` tool domain. Each operation declares JSON Schemas for its input and output and a handler; the kernel's
 * invocation envelope validates, deduplicates (idempotency keys), retries, traces and records every call.
 */
import { toolError, type ToolDomainContribution, type ToolOperation } from "${input.pluginApi}";

/** The domain id (also the node type). */
export const DOMAIN_ID = "${domain}";

type GreetInput = { name: string; excited?: boolean };

const greet: ToolOperation<GreetInput, { text: string }> = {
  description: "Greets someone by name.",
  input: {
    type: "object", additionalProperties: false, required: ["name"],
    properties: { name: { type: "string", minLength: 1, maxLength: 200 }, excited: { type: "boolean", default: false } },
  },
  output: { type: "object", additionalProperties: false, required: ["text"], properties: { text: { type: "string" } } },
  // Pure: safe to retry after an unknown outcome.
  idempotent: true,
  async handler(input) {
    // A domain error: stable code "<domain>.<reason>", not retried (the same input fails the same way).
    if (input.name.trim().toLowerCase() === "nobody") throw toolError("${domain}.unknown_person", "Nobody is not someone to greet.", { name: input.name }, { retryable: false });
    return { text: \`hello \${input.name}\${input.excited ? "!" : "."}\` };
  },
};

/** The domain: add operations next to \`greet\`. */
export class ${Cls} implements ToolDomainContribution {
  readonly id = DOMAIN_ID;
  readonly description = "Describe what the ${domain} domain does.";
  readonly operations: Readonly<Record<string, ToolOperation>> = { greet };
}
`,
    "index.ts": `/**
 * ${id}: the \`${domain}\` tool domain and the \`${domain}\` node type (config.operation + config.input).
 */
import { definePlugin, toolNodeType, type PluginDefinition } from "${input.pluginApi}";
import { ${Cls}, DOMAIN_ID } from "./${file}.js";

export { ${Cls}, DOMAIN_ID } from "./${file}.js";

/** Builds the plugin definition (the default export is one; tests may build their own). */
export function createPlugin(): PluginDefinition {
  return definePlugin({
    id: "${id}",
    version: "0.1.0",
    kernel: "^1.0.0",
    description: "The ${domain} tool domain.",
    // Only register() runs inside an executor sandbox; tool calls go back to the kernel through the ToolHost.
    runsInExecutor: true,
    register(r) {
      const domain = new ${Cls}();
      r.toolDomain(domain);
      r.nodeType(toolNodeType({
        type: DOMAIN_ID, operations: Object.keys(domain.operations), domain: () => domain,
        description: "Runs one ${domain} operation (config.operation) with config.input.",
      }));
    },
  });
}

export default createPlugin();
`,
    [`${file}.test.ts`]: `import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { definePlugin, toolHostRef, type KernelToolHost } from "${input.pluginApi}";
import { startTestKernel, type TestKernel } from "${input.testing}";
import plugin from "./index.js";

// The built-in tooling module (the invocation envelope and its idempotency ledger) joins the kernel through this.
const withTooling = definePlugin({ id: "with-tooling", version: "1.0.0", kernel: "^1.0.0", requires: ["tooling"] });

describe("${domain} tool domain", () => {
  let kernel: TestKernel;
  let tools: KernelToolHost;

  beforeAll(async () => {
    kernel = await startTestKernel({ plugins: [plugin, withTooling], config: { kernel: { pluginTimeoutMs: 60_000 } } });
    tools = kernel.get(toolHostRef);
  }, 90_000);
  afterAll(async () => kernel?.stop());

  it("greets", async () => {
    const result = await tools.invoke({ domain: "${domain}", operation: "greet", input: { name: "Ada", excited: true } });
    expect(result.status).toBe("success");
    expect(result.output).toEqual({ text: "hello Ada!" });
    expect(result.trace).toMatchObject({ domain: "${domain}", operation: "greet", execution_status: "success" });
  });

  it("rejects input that breaks the schema, with every issue", async () => {
    const result = await tools.invoke({ domain: "${domain}", operation: "greet", input: { name: "", extra: 1 } });
    expect(result.status).toBe("failed");
    expect(result.error?.code).toBe("ARK_TOOL_INPUT_INVALID");
  });

  it("answers a domain failure with its stable code", async () => {
    const result = await tools.invoke({ domain: "${domain}", operation: "greet", input: { name: "nobody" } });
    expect(result.error?.code).toBe("${domain}.unknown_person");
  });

  it("replays a repeated call with the same idempotency key instead of running it again", async () => {
    const call = { domain: "${domain}", operation: "greet", input: { name: "Grace" }, idempotencyKey: "greet-grace-1" };
    const first = await tools.invoke(call);
    const again = await tools.invoke(call);
    expect(first.replayed).toBe(false);
    expect(again.replayed).toBe(true);
    expect(again.output).toEqual(first.output);
  });
});
`,
    "conformance.test.ts": `// The kit's plugin conformance suite, run against the module's default export (as the kernel loads it).
import { runPluginConformance } from "${input.testing}";
import plugin from "./index.js";

runPluginConformance(plugin);
`,
    "README.md": `# ${id}

The \`${domain}\` tool domain: one plugin that contributes a tool domain and its node type.

| operation | input | output | errors |
|---|---|---|---|
| \`greet\` | \`{ name, excited? }\` | \`{ text }\` | \`${domain}.unknown_person\` |

Call it over HTTP: \`POST /api/tools/${domain}/greet\` with \`{"input": {"name": "Ada"}}\`; from a flow: a node of type
\`${domain}\` with \`config: { operation: greet, input: { name: Ada } }\`.

Enable it in \`runtime.config.yaml\`:

\`\`\`yaml
plugins:
  - from: ./plugins/${id}
\`\`\`

Tests: \`npx vitest run plugins/${id}\`. See docs/writing-a-tool-domain.md.
`,
  };
}
