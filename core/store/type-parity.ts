import pg from "pg";

/**
 * Column types whose text form both drivers return as strings, so a row reads the same on PostgreSQL and PGlite:
 * int8 (may exceed 2^53; pg's default), date (no time zone shift) and interval (no driver-specific object).
 */
const UNPARSED = { int8: 20, date: 1082, interval: 1186 } as const;
const UNPARSED_ARRAYS = { int8: 1016, date: 1182, interval: 1187 } as const;
const TEXT_ARRAY = 1009 as TypeId;

type TypeId = Parameters<typeof pg.types.getTypeParser>[0];

const identity = (value: string): string => value;

const UNPARSED_OIDS = new Set<number>(Object.values(UNPARSED));
const UNPARSED_ARRAY_OIDS = new Set<number>(Object.values(UNPARSED_ARRAYS));

function typeParserFor(oid: number, format: "text" | "binary"): (value: string) => unknown {
  if (UNPARSED_OIDS.has(oid)) return identity;
  if (UNPARSED_ARRAY_OIDS.has(oid)) return pg.types.getTypeParser(TEXT_ARRAY, "text");
  return pg.types.getTypeParser(oid as TypeId, format);
}

// pg asks for every field of every result (each execution of a prepared statement describes its row again). Only
// built-in types are cached: an extension type (pgvector's, oid ≥ 16384) may get its parser registered later.
const textParsers = new Map<number, (value: string) => unknown>();
const FIRST_USER_OID = 16384;

/** Per-pool type parsers for `pg` (never the global ones: other code in the process may rely on them). */
export const pgTypeParsers = {
  getTypeParser(oid: number, format?: "text" | "binary"): (value: string) => unknown {
    if (format === "binary" || oid >= FIRST_USER_OID) return typeParserFor(oid, format ?? "text");
    let parser = textParsers.get(oid);
    if (parser === undefined) textParsers.set(oid, (parser = typeParserFor(oid, "text")));
    return parser;
  },
};

/** PGlite `parsers` option giving the same shapes as pgTypeParsers (arrays follow their element parser). */
export const pgliteTypeParsers: Record<number, (value: string) => unknown> = Object.fromEntries(
  Object.values(UNPARSED).map((oid) => [oid, identity]),
);
