/**
 * For executor bundles: the executor's payload check compiled ahead of time. ajv's standalone code for the v1
 * executor payload schema replaces `core/execution/payload-validator.ts` in the bundle (an esbuild plugin), so a cold
 * start neither loads ajv nor compiles schemas — the largest part of an executor's start-up otherwise.
 */
import path from "node:path";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import standaloneCode from "ajv/dist/standalone/index.js";
import type { Plugin } from "esbuild";
import { contractIds, executionRequestSchema, executorPayloadSchema } from "../contracts/schemas/index.js";

const NAMESPACE = "ark-precompiled";

/** The module text that stands in for payload-validator.ts: same export, same issues, no ajv at run time. */
export function precompiledPayloadValidatorSource(): string {
  // Same options as the contract registry, so both answer the same issues.
  const ajv = new Ajv({ allErrors: true, strict: false, code: { source: true, esm: true } });
  addFormats.default(ajv);
  ajv.addSchema(executionRequestSchema);
  ajv.addSchema(executorPayloadSchema);
  const validators = standaloneCode.default(ajv, { validateExecutorPayload: contractIds.executorPayload });
  return [
    validators,
    'import { toIssue as __arkToIssue } from "./core/contracts/contract-issue.ts";',
    "/** The payload check, compiled when the bundle was built. */",
    "export function payloadValidator() {",
    "  return (value) => validateExecutorPayload(value) ? { valid: true } : { valid: false, issues: (validateExecutorPayload.errors ?? []).map(__arkToIssue) };",
    "}",
    "",
  ].join("\n");
}

/** The esbuild plugin: `./payload-validator.js` imported from core/execution resolves to the precompiled module. */
export function precompiledPayloadValidator(root: string): Plugin {
  const target = path.join(root, "core", "execution", "payload-validator.ts");
  return {
    name: "ark-precompiled-payload-validator",
    setup(b) {
      b.onResolve({ filter: /payload-validator(\.js|\.ts)?$/ }, (args) =>
        path.resolve(args.resolveDir, args.path.replace(/\.js$/, ".ts")) === target ? { path: "payload-validator", namespace: NAMESPACE } : undefined);
      b.onLoad({ filter: /.*/, namespace: NAMESPACE }, () => ({ contents: precompiledPayloadValidatorSource(), loader: "js", resolveDir: root }));
    },
  };
}
