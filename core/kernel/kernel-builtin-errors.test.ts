/**
 * A boot failure names what to fix: a built-in module's own error (store, api, ...) reaches the caller with its code
 * and hint, while a plugin's failure stays wrapped with the plugin's id and the onBootFailure hint.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { caughtArkError } from "../../test/support/ark-error.js";
import { ArkError, errorCatalogue } from "../errors/index.js";
import { definePlugin } from "../plugin-api/index.js";
import { startTestKernel } from "../testing/index.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "ark-builtin-errors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const inUse = () => new ArkError("ARK_STORE_DATA_DIR_IN_USE", "The PGlite data dir /srv/ark is in use by process 42.");

describe("boot failures of built-in modules", () => {
  it("keep the store's own code, message and hint (a data dir that is a file)", async () => {
    const file = path.join(dir, "not-a-dir");
    writeFileSync(file, "");
    const err = await caughtArkError(startTestKernel({ plugins: [], demand: ["store"], config: { store: { driver: "pglite", dataDir: file } } }));
    expect(err.code).toBe("ARK_STORE_DATA_DIR_INVALID");
    expect(err.message).toContain(file);
    expect(err.hint).toBe(errorCatalogue.ARK_STORE_DATA_DIR_INVALID.hint);
  }, 60_000);

  it("keep any built-in's ArkError as thrown (the data dir in use)", async () => {
    const store = definePlugin({ id: "store", version: "1.0.0", kernel: "^1.0.0", init: () => Promise.reject(inUse()) });
    const err = await caughtArkError(startTestKernel({ plugins: [], builtins: [store] }));
    expect(err).toMatchObject({ code: "ARK_STORE_DATA_DIR_IN_USE", message: inUse().message, hint: errorCatalogue.ARK_STORE_DATA_DIR_IN_USE.hint });
  });

  it("still wrap a plugin's failure with its id, even when the plugin threw an ArkError", async () => {
    const plugin = definePlugin({ id: "greeter", version: "1.0.0", kernel: "^1.0.0", init: () => Promise.reject(inUse()) });
    const err = await caughtArkError(startTestKernel({ plugins: [plugin], builtins: [] }));
    expect(err).toMatchObject({ code: "ARK_PLUGIN_INIT_FAILED", details: { pluginId: "greeter", step: "init" }, cause: { code: "ARK_STORE_DATA_DIR_IN_USE" } });
    expect(err.message).toContain('plugin "greeter" failed in init');
  });
});
