/** The `workspace` tool domain: its operations over one settings slot, bound by the plugin's init. */
import { SettingsSlot, type ToolDomainContribution, type ToolOperation } from "../../core/plugin-api/index.js";
import type { WorkspaceSettings } from "./config.js";
import { readOperation, writeOperation } from "./file-operations.js";
import { applyPatchOperation } from "./patch-operation.js";
import { searchOperation } from "./search-operation.js";
import { chmodOperation, copyOperation, deleteOperation, listOperation, mkdirOperation, moveOperation } from "./tree-operations.js";

/** Id of the domain (`POST /api/tools/workspace/<operation>`). */
export const WORKSPACE_DOMAIN_ID = "workspace";

/** The operations, in the order they are advertised. */
export const WORKSPACE_OPERATIONS = ["list", "read", "write", "mkdir", "delete", "move", "copy", "search", "apply_patch", "chmod"] as const;

/** The domain object registered with the kernel. */
export class WorkspaceDomain implements ToolDomainContribution {
  readonly id = WORKSPACE_DOMAIN_ID;
  readonly description = "Files in the caller's workspace folder: list, read, write, mkdir, delete, move, copy, search, apply_patch, chmod. Paths never leave the workspace root.";
  readonly slot = new SettingsSlot<WorkspaceSettings>(`tool domain "${WORKSPACE_DOMAIN_ID}"`);
  readonly operations: Readonly<Record<string, ToolOperation>>;

  constructor() {
    this.operations = Object.freeze({
      list: listOperation(this.slot), read: readOperation(this.slot), write: writeOperation(this.slot), mkdir: mkdirOperation(this.slot),
      delete: deleteOperation(this.slot), move: moveOperation(this.slot), copy: copyOperation(this.slot), search: searchOperation(this.slot),
      apply_patch: applyPatchOperation(this.slot), chmod: chmodOperation(this.slot),
    });
  }
}
