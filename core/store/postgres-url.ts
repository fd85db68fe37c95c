/** Where a PostgreSQL URL points, for messages: never carries the password. */
export interface PostgresTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
}

/** Parses the parts of a postgres:// URL that messages may name. Unparseable URLs give placeholders, never throw. */
export function describePostgresUrl(url: string): PostgresTarget {
  try {
    const parsed = new URL(url);
    const socketHost = parsed.searchParams.get("host");
    return {
      host: parsed.hostname || socketHost || "localhost",
      port: parsed.port ? Number(parsed.port) : 5432,
      database: decodeURIComponent(parsed.pathname.replace(/^\//, "")) || "(default)",
      user: decodeURIComponent(parsed.username) || "(default)",
    };
  } catch {
    return { host: "(unparseable url)", port: 5432, database: "(unknown)", user: "(unknown)" };
  }
}

/** The URL with its password replaced by `***`, safe for logs and reports. */
export function redactPostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable url)";
  }
}
