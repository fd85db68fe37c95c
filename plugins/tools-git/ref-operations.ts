/** branch and tag: list, create, delete (and switch / push). */
import { ArkError } from "../../core/plugin-api/index.js";
import { checkRefName, checkRemoteName, checkRevision } from "./git-arguments.js";
import { openGitCall, timeoutOf, type GitCall, type GitOperationFactory } from "./git-context.js";

const pathProp = { type: "string" };

function lines(text: string): string[] {
  return text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
}

function requiredName(call: GitCall, action: string, kind: string): string {
  const name = call.input.optionalString("name");
  if (name === null) throw new ArkError("ARK_TOOL_INPUT_INVALID", `${kind} action ${action} requires name.`, { details: { field: "name" } });
  return checkRefName(name, "name");
}

function optionalRevision(call: GitCall, field: string): string[] {
  const value = call.input.optionalString(field);
  return value === null ? [] : [checkRevision(value, field)];
}

function unsupported(kind: string, action: string, allowed: readonly string[]): never {
  throw new ArkError("ARK_TOOL_INPUT_INVALID", `Unsupported ${kind} action "${action}" (one of ${allowed.join(", ")}).`, { details: { field: "action", allowed: [...allowed] } });
}

const BRANCH_ACTIONS = ["list", "create", "delete", "switch"] as const;

/** `branch`: `{action: list|create|delete|switch, name?, from?, force?, create?}`. */
export const branchOperation: GitOperationFactory = (slot) => ({
  description: "List, create, delete or switch branches.",
  input: {
    type: "object", additionalProperties: false,
    properties: { path: pathProp, action: { type: "string", enum: [...BRANCH_ACTIONS] }, name: { type: "string", minLength: 1 }, from: { type: "string", minLength: 1 }, force: { type: "boolean" }, create: { type: "boolean" } },
  },
  async handler(raw, ctx) {
    const call = await openGitCall(slot, raw, ctx);
    const action = call.input.string("action", "list");
    const git = (args: string[]) => call.runner.git({ args, cwd: call.repo });
    switch (action) {
      case "list":
        return { action, branches: lines((await git(["branch", "--list", "--format=%(refname:short)"])).stdout) };
      case "create": {
        const name = requiredName(call, action, "branch");
        await git(["branch", "--end-of-options", name, ...optionalRevision(call, "from")]);
        return { action, branch: name };
      }
      case "delete": {
        const name = requiredName(call, action, "branch");
        const force = call.input.boolean("force", false);
        await git(["branch", force ? "-D" : "-d", "--end-of-options", name]);
        return { action, branch: name, force };
      }
      case "switch": {
        const name = requiredName(call, action, "branch");
        const create = call.input.boolean("create", false);
        await git(create ? ["switch", "-c", name, "--end-of-options", ...optionalRevision(call, "from")] : ["switch", "--end-of-options", name]);
        return { action, branch: name, create };
      }
      default:
        return unsupported("branch", action, BRANCH_ACTIONS);
    }
  },
});

const TAG_ACTIONS = ["create", "list", "delete", "push"] as const;

/** `tag`: `{action: create|list|delete|push, name?, target?, message?, remote?}`. */
export const tagOperation: GitOperationFactory = (slot) => ({
  description: "Create (annotated when message is given), list, delete or push tags.",
  input: {
    type: "object", additionalProperties: false,
    properties: {
      path: pathProp, action: { type: "string", enum: [...TAG_ACTIONS] }, name: { type: "string", minLength: 1 }, target: { type: "string", minLength: 1 },
      message: { type: "string", minLength: 1 }, remote: { type: "string", minLength: 1 }, timeout_seconds: { type: "integer", minimum: 1, maximum: 7200 },
    },
  },
  async handler(raw, ctx) {
    const call = await openGitCall(slot, raw, ctx);
    const action = call.input.string("action", "create");
    switch (action) {
      case "list":
        return { action, tags: lines((await call.runner.git({ args: ["tag", "--list"], cwd: call.repo })).stdout) };
      case "create": {
        const name = requiredName(call, action, "tag");
        const message = call.input.optionalString("message");
        const target = optionalRevision(call, "target");
        const args = ["tag", ...(message !== null ? ["-a", "--file=-"] : []), "--end-of-options", name, ...target];
        await call.runner.git({ args, cwd: call.repo, ...(message !== null ? { stdin: message } : {}) });
        return { action, tag: name, target: target[0] ?? "HEAD", annotated: message !== null };
      }
      case "delete": {
        const name = requiredName(call, action, "tag");
        await call.runner.git({ args: ["tag", "-d", "--end-of-options", name], cwd: call.repo });
        return { action, tag: name };
      }
      case "push": {
        const name = requiredName(call, action, "tag");
        const remote = checkRemoteName(call.input.string("remote", "origin"));
        await call.runner.git({ args: ["push", "--end-of-options", remote, `refs/tags/${name}`], cwd: call.repo, timeoutMs: timeoutOf(call, call.settings.networkTimeoutMs), signal: call.signal });
        return { action, tag: name, remote };
      }
      default:
        return unsupported("tag", action, TAG_ACTIONS);
    }
  },
});
