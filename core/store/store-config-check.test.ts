import { describe, expect, it } from "vitest";
import { ArkError } from "../errors/index.js";
import { checkStoreConfig, postgresUrlProblem } from "./store-config-check.js";
import { resolveStoreConfig } from "./store-config-schema.js";

describe("store config check", () => {
  it("accepts the URL forms pg reads: plain, postgresql://, IPv6, sockets, spaces in a password, no host", () => {
    for (const url of [
      "postgres://postgres@127.0.0.1:5432/test",
      "postgresql://ark:secret@db.internal/ark?sslmode=require",
      "postgres://ark@[::1]:5432/ark",
      "postgres://ark@%2Fvar%2Frun%2Fpostgresql/ark",
      "postgresql:///ark?host=/var/run/postgresql",
      "postgres://ark:pa ss@db/ark",
      "postgres://ark:p%ss@db/ark",
      "postgres://",
    ]) expect([url, postgresUrlProblem(url)]).toEqual([url, null]);
  });

  it("refuses what pg cannot parse, without quoting the URL (it may hold a password)", () => {
    for (const url of ["postgres://ark:hunter2@db:notaport/ark", "postgres://ark:hunter2@[db/ark", "postgres://ark:hunter2@db:99999/ark"]) {
      const problem = postgresUrlProblem(url);
      expect(problem).toMatch(/is not a valid URL/);
      expect(problem).not.toContain("hunter2");
    }
    expect(postgresUrlProblem("mysql://db/ark")).toMatch(/postgres:\/\//);
  });

  it("names ARK_DATABASE_URL when the value came from it; checks the file's url otherwise", () => {
    expect(checkStoreConfig({ url: "postgres://db/ark" }, { ARK_DATABASE_URL: "postgres://db:x/ark" })).toEqual([
      { path: ["url"], message: expect.stringContaining("not a valid URL"), fromEnv: "ARK_DATABASE_URL" },
    ]);
    expect(checkStoreConfig({ url: "postgres://db:x/ark" }, { ARK_DATABASE_URL: " " })).toEqual([
      { path: ["url"], message: expect.stringContaining("not a valid URL") },
    ]);
    expect(checkStoreConfig({}, {})).toEqual([]);
  });

  it("resolveStoreConfig (openStore) refuses the same URLs, saying where they came from", () => {
    let err: unknown;
    try {
      resolveStoreConfig({}, { ARK_DATABASE_URL: "postgres://ark:hunter2@db:notaport/ark" });
    } catch (caught) {
      err = caught;
    }
    expect(err).toBeInstanceOf(ArkError);
    expect(err).toMatchObject({ code: "ARK_CONFIG_INVALID", details: { source: "ARK_DATABASE_URL" } });
    expect((err as ArkError).message).toContain("store.url (from ARK_DATABASE_URL): is not a valid URL");
    expect((err as ArkError).message).not.toContain("hunter2");
    expect(() => resolveStoreConfig({}, { ARK_DATABASE_URL: "mysql://db/ark" })).toThrow(/store\.url \(from ARK_DATABASE_URL\): must match pattern/);
  });
});
