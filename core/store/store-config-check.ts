import type { ConfigCheckProblem } from "../config/config-check.js";

/** The environment variable that overrides `store.url` (and selects the postgres driver). */
export const DATABASE_URL_ENV = "ARK_DATABASE_URL";

const SCHEME = /^postgres(ql)?:\/\//;

/** The ARK_DATABASE_URL override, trimmed; undefined when unset or blank (the file's store section then applies). */
export function databaseUrlFromEnv(env: Readonly<Record<string, string | undefined>>): string | undefined {
  return env[DATABASE_URL_ENV]?.trim() || undefined;
}

/**
 * Why `url` is not a PostgreSQL URL the driver can read, or null. Parsed as `pg` parses it (spaces encoded, an empty
 * host allowed for socket URLs), so what passes here is what the driver accepts. Never quotes the URL: it may hold a
 * password.
 */
export function postgresUrlProblem(url: string): string | null {
  if (!SCHEME.test(url)) return "must start with postgres:// or postgresql://";
  const text = / |%[^a-f0-9]|%[a-f0-9][^a-f0-9]/i.test(url) ? encodeURI(url).replace(/%25(\d\d)/g, "%$1") : url;
  for (const candidate of [text, text.replace("@/", "@___DUMMY___/")]) {
    try {
      new URL(candidate);
      return null;
    } catch {
      // try the socket form, as pg does
    }
  }
  return "is not a valid URL (check the host, the port and that special characters in the user or password are percent-encoded)";
}

/**
 * The `store:` checks that need the environment: ARK_DATABASE_URL, when set, replaces `store.url` and must be a
 * PostgreSQL URL; the file's own `store.url` must parse too. The module's checkConfig (validate and every boot), and
 * resolveStoreConfig's, so a malformed URL is refused before anything tries to connect, naming where it came from.
 */
export function checkStoreConfig(section: { readonly url?: string | undefined }, env: Readonly<Record<string, string | undefined>>): ConfigCheckProblem[] {
  const envUrl = databaseUrlFromEnv(env);
  if (envUrl !== undefined) {
    const problem = postgresUrlProblem(envUrl);
    return problem ? [{ path: ["url"], message: problem, fromEnv: DATABASE_URL_ENV }] : [];
  }
  if (typeof section.url !== "string") return [];
  const problem = postgresUrlProblem(section.url);
  return problem ? [{ path: ["url"], message: problem }] : [];
}
