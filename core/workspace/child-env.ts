/**
 * The environment a tool's child process gets: nothing from the kernel's own environment except the names on an
 * explicit pass-through list, so secrets (database URLs, API keys, tokens) never reach a command a model asked for.
 */

/** Names passed through when a plugin's config does not say otherwise. */
export const DEFAULT_ENV_PASSTHROUGH: readonly string[] = Object.freeze(["PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ"]);

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function passes(name: string, passThrough: readonly string[]): boolean {
  return passThrough.some((entry) => (entry.endsWith("*") ? name.startsWith(entry.slice(0, -1)) : name === entry));
}

/**
 * Builds a child environment: the pass-through names (exact, or `PREFIX*`) copied from `source`, then `overrides`
 * (the caller's and the tool's own variables). Names that are not valid identifiers are dropped.
 */
export function scrubbedEnv(
  source: Readonly<Record<string, string | undefined>>,
  passThrough: readonly string[],
  overrides: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && NAME.test(name) && passes(name, passThrough)) env[name] = value;
  }
  for (const [name, value] of Object.entries(overrides)) {
    if (NAME.test(name)) env[name] = value;
  }
  return env;
}
