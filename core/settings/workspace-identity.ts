/** Workspace identity keys: stable names for a workspace, never filesystem paths (orchestration-and-events §15.2). */
import { ArkError } from "../errors/index.js";

/** A letter or digit, then up to 127 letters, digits, `_`, `.`, `-`. */
export const WORKSPACE_IDENTITY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** The reference's message for a key that looks like a path. */
export const WORKSPACE_IDENTITY_PATH_MESSAGE = "Workspace identity key must be a stable key, not a filesystem path.";

/** The message for a key that breaks the pattern. */
export const WORKSPACE_IDENTITY_PATTERN_MESSAGE =
  "Workspace identity key must start with a letter or digit and contain only letters, digits, '_', '.' or '-' (at most 128 characters).";

/** Why `key` (already trimmed, non-empty) is not a valid workspace identity key, or undefined when it is. */
export function checkWorkspaceIdentityKey(key: string): string | undefined {
  if (key.includes("/") || key.includes("\\") || key.includes("://")) return WORKSPACE_IDENTITY_PATH_MESSAGE;
  if (!WORKSPACE_IDENTITY_PATTERN.test(key)) return WORKSPACE_IDENTITY_PATTERN_MESSAGE;
  return undefined;
}

/**
 * Normalises a workspace identity key for routing (execution-plane §2): trimmed, empty → `default`, an invalid key
 * throws ARK_SETTINGS_INVALID with the message above so a run never starts with a path as its identity.
 */
export function normaliseWorkspaceIdentityKey(value: unknown, fallback = "default"): string {
  const key = typeof value === "string" ? value.trim() : "";
  if (key === "") return fallback;
  const problem = checkWorkspaceIdentityKey(key);
  if (problem) throw new ArkError("ARK_SETTINGS_INVALID", problem, { details: { fields: { workspace_identity_key: problem } } });
  return key;
}
