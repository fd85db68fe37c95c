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

/** Per-pool type parsers for `pg` (never the global ones: other code in the process may rely on them). */
export const pgTypeParsers = {
  getTypeParser(oid: number, format?: "text" | "binary"): (value: string) => unknown {
    if (Object.values(UNPARSED).includes(oid as never)) return identity;
    if (Object.values(UNPARSED_ARRAYS).includes(oid as never)) return pg.types.getTypeParser(TEXT_ARRAY, "text");
    return format === "binary" ? pg.types.getTypeParser(oid as TypeId, "binary") : pg.types.getTypeParser(oid as TypeId, "text");
  },
};

/** PGlite `parsers` option giving the same shapes as pgTypeParsers (arrays follow their element parser). */
export const pgliteTypeParsers: Record<number, (value: string) => unknown> = Object.fromEntries(
  Object.values(UNPARSED).map((oid) => [oid, identity]),
);
