/**
 * Workspace-bound tooling shared by the workspace, git and command tool domains: the path guard, the per-call
 * workspace root, workspace globs, the scrubbed child environment, the capped child-process runner, and the helpers
 * that bind a domain's settings and expose it as a node type.
 */
export { WorkspacePathGuard, checkRelativePath } from "./path-guard.js";
export type { GuardedPath, GuardOptions } from "./path-guard.js";
export { WorkspaceRoots, workspaceKeyOf, resolveWorkspaceBase, DEFAULT_WORKSPACE_BASE } from "./workspace-root.js";
export { compileGlob } from "./glob-pattern.js";
export { CappedOutput, truncationMarker } from "./capped-output.js";
export { scrubbedEnv, DEFAULT_ENV_PASSTHROUGH } from "./child-env.js";
export { startProcess, runProcess, killProcessTree } from "./process-runner.js";
export type { ProcessSpec, ProcessOutcome, RunningProcess } from "./process-runner.js";
export { SettingsSlot } from "./settings-slot.js";
export { registeredToolDomain } from "./registered-domain.js";
export { toolNodeType } from "./tool-node-type.js";
export { ToolInput } from "./tool-input.js";
export type { ToolNodeTypeOptions } from "./tool-node-type.js";
