import { ArkError } from "../errors/index.js";

const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Checks a LISTEN/NOTIFY channel name. Only lower-case identifiers are allowed so the unquoted name is the same on
 * both drivers (PostgreSQL folds unquoted names to lower case; PGlite sends them unquoted).
 */
export function assertChannelName(channel: unknown): asserts channel is string {
  if (typeof channel !== "string" || !CHANNEL_NAME.test(channel)) {
    throw new ArkError(
      "ARK_INVALID_ARGUMENT",
      `Invalid LISTEN/NOTIFY channel ${JSON.stringify(channel)}: use lower-case letters, digits and "_" (at most 63, not starting with a digit).`,
      { details: { channel } },
    );
  }
}
