/** A git domain bound to a temp base root, a bare repository as the remote, and plain-git helpers for test setup. */
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { callOperation, tempDir } from "../../core/workspace/testing.js";
import { resolveGitSettings, type GitPluginConfig } from "./config.js";
import { GitDomain } from "./git-domain.js";

const ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" };

/** Runs plain git for test setup and checks (never through the domain). */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: ENV, encoding: "utf8" }).trim();
}

/** The fixture: base folder, the bare remote, the domain and a `call(op, input, scope?)` shortcut. */
export async function gitFixture(config: GitPluginConfig = {}) {
  const { dir, cleanup } = await tempDir("ark-git-");
  const remote = path.join(dir, "remote.git");
  const seed = path.join(dir, "seed");
  git(dir, "init", "--quiet", "--bare", "--initial-branch=main", remote);
  await mkdir(seed);
  git(seed, "init", "--quiet", "--initial-branch=main");
  await writeFile(path.join(seed, "README.md"), "seed\n");
  git(seed, "add", "README.md");
  git(seed, "commit", "--quiet", "-m", "seed");
  git(seed, "push", "--quiet", remote, "main");
  const domain = new GitDomain();
  domain.slot.bind(resolveGitSettings({ root: path.join(dir, "ws"), allowedUrlSchemes: ["file"], ghPath: path.join(dir, "no-gh"), ...config }, null));
  const scope = { workspace: "test" };
  const call = (operation: string, input: unknown) => callOperation(domain, operation, input, scope);
  return { dir, remote, root: path.join(dir, "ws", "test", "shared"), domain, call, cleanup };
}
