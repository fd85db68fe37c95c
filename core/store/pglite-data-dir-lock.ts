import { mkdir, open, readFile, unlink } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ArkError } from "../errors/index.js";

/** A held lock on a PGlite data dir; release() is idempotent. */
export interface DataDirLock {
  readonly path: string;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readOwner(path: string): Promise<number | null> {
  try {
    const pid = Number.parseInt((await readFile(path, "utf8")).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    const handle = await open(path, "wx");
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/**
 * Takes `<dataDir>.lock` (a pid file beside the data dir). PGlite has no lock of its own, and two processes (say
 * `ark start` and `ark db migrate`) opening one data dir corrupt it; the second one must fail clearly instead.
 * A lock left by a process that no longer exists is taken over.
 */
export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  const path = `${resolve(dataDir)}.lock`;
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(path)) return heldLock(path);
    const owner = await readOwner(path);
    if (owner !== null && isAlive(owner)) {
      const who = owner === process.pid ? "this process (another store is open on it)" : `process ${owner}`;
      throw new ArkError("ARK_STORE_DATA_DIR_IN_USE", `The PGlite data dir ${resolve(dataDir)} is in use by ${who} (lock file ${path}).`, {
        details: { dataDir: resolve(dataDir), lockFile: path, pid: owner },
      });
    }
    await unlink(path).catch(() => undefined);
  }
  throw new ArkError("ARK_STORE_DATA_DIR_IN_USE", `Could not take the lock file ${path}; another process keeps recreating it.`, {
    details: { lockFile: path },
  });
}

function heldLock(path: string): DataDirLock {
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      if ((await readOwner(path)) === process.pid) await unlink(path).catch(() => undefined);
    },
  };
}
