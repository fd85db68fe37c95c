import type { SettingsSlot, ToolOperation } from "../../core/plugin-api/index.js";
import type { WorkspaceSettings } from "./config.js";

/** Builds one workspace operation over the domain's settings slot. */
export type WorkspaceOperationFactory = (slot: SettingsSlot<WorkspaceSettings>) => ToolOperation;
