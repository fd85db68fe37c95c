// The security corpus of the git domain: option injection, transport helpers, escaping paths, prompts, parent repos.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callOperation, codeOf } from "../../core/workspace/testing.js";
import { checkRefName, checkUrl } from "./git-arguments.js";
import { resolveGitSettings } from "./config.js";
import { GitDomain } from "./git-domain.js";
import { git, gitFixture } from "./test-support.js";

let fx: Awaited<ReturnType<typeof gitFixture>>;
let marker: string;
beforeAll(async () => {
  fx = await gitFixture();
  await fx.call("clone", { url: fx.remote, path: "repo" });
  marker = path.join(fx.dir, "pwned");
});
afterAll(() => fx.cleanup());

const R = { path: "repo" };

describe("git security corpus", () => {
  it.each([
    ["clone", () => ({ url: `--upload-pack=touch ${marker}`, path: "c1" }), "ARK_GIT_URL_REJECTED"],
    ["clone", () => ({ url: `ext::sh -c touch% ${marker}`, path: "c2" }), "ARK_GIT_URL_REJECTED"],
    ["clone", () => ({ url: "fd::17", path: "c3" }), "ARK_GIT_URL_REJECTED"],
    ["clone", () => ({ url: `-oProxyCommand=touch ${marker}`, path: "c4" }), "ARK_GIT_URL_REJECTED"],
    ["clone", () => ({ url: "ssh://-oProxyCommand=touch/x", path: "c5" }), "ARK_GIT_URL_REJECTED"],
    ["clone", () => ({ url: "https://example.com/x.git", path: "c6" }), "ARK_GIT_URL_REJECTED"],
    ["clone", () => ({ url: "relative/repo", path: "c7" }), "ARK_GIT_URL_REJECTED"],
    ["clone", () => ({ url: `${fx.remote}\n--upload-pack=x`, path: "c8" }), "ARK_GIT_URL_REJECTED"],
    ["clone", () => ({ url: fx.remote, path: "../escaped" }), "ARK_WORKSPACE_PATH_ESCAPE"],
    ["clone", () => ({ url: fx.remote, path: "repo" }), "ARK_WORKSPACE_CONFLICT"],
    ["clone", () => ({ url: fx.remote, path: "c9", branch: "--upload-pack=x" }), "ARK_GIT_ARGUMENT_REJECTED"],
    ["branch", () => ({ ...R, action: "create", name: "--force" }), "ARK_GIT_ARGUMENT_REJECTED"],
    ["branch", () => ({ ...R, action: "create", name: "-D" }), "ARK_GIT_ARGUMENT_REJECTED"],
    ["branch", () => ({ ...R, action: "create", name: "ok", from: "--all" }), "ARK_GIT_ARGUMENT_REJECTED"],
    ["branch", () => ({ ...R, action: "switch", name: "a..b" }), "ARK_GIT_ARGUMENT_REJECTED"],
    ["branch", () => ({ ...R, action: "delete", name: "x y" }), "ARK_GIT_ARGUMENT_REJECTED"],
    ["push", () => ({ ...R, remote: `--receive-pack=touch ${marker}` }), "ARK_GIT_ARGUMENT_REJECTED"],
    ["push", () => ({ ...R, remote: "origin", branch: "--mirror" }), "ARK_GIT_ARGUMENT_REJECTED"],
    ["push", () => ({ ...R, remote: fx.remote }), "ARK_GIT_ARGUMENT_REJECTED"],
    ["tag", () => ({ ...R, name: "--delete" }), "ARK_GIT_ARGUMENT_REJECTED"],
    ["tag", () => ({ ...R, name: "v1", target: "-f" }), "ARK_GIT_ARGUMENT_REJECTED"],
    ["tag", () => ({ ...R, action: "push", name: "v1", remote: "--exec=x" }), "ARK_GIT_ARGUMENT_REJECTED"],
    ["cherry_pick", () => ({ ...R, commit: "--quit" }), "ARK_GIT_ARGUMENT_REJECTED"],
    ["rebase_noninteractive", () => ({ ...R, upstream: `--exec=touch ${marker}` }), "ARK_GIT_ARGUMENT_REJECTED"],
    ["rebase_noninteractive", () => ({ ...R, upstream: "main", branch: "-i" }), "ARK_GIT_ARGUMENT_REJECTED"],
    ["diff", () => ({ ...R, base: "--output=/tmp/ark-diff-out" }), "ARK_GIT_ARGUMENT_REJECTED"],
    ["diff", () => ({ ...R, paths: ["../../outside"] }), "ARK_WORKSPACE_PATH_ESCAPE"],
    ["diff", () => ({ ...R, paths: ["/etc/passwd"] }), "ARK_WORKSPACE_PATH_ESCAPE"],
    ["commit", () => ({ ...R, message: "m", add_all: false, paths: ["../outside"] }), "ARK_WORKSPACE_PATH_ESCAPE"],
    ["status", () => ({ path: "../.." }), "ARK_WORKSPACE_PATH_ESCAPE"],
    ["pull_request", () => ({ ...R, base: "--web" }), "ARK_GIT_ARGUMENT_REJECTED"],
  ])("%s refuses case %#", async (operation, input, code) => {
    expect(await codeOf(fx.call(operation, input()))).toBe(code);
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses ssh URLs whose user or host would reach ssh as an option, even with ssh allowed", () => {
    for (const url of ["ssh://-oProxyCommand=touch/x", "ssh://user@-oProxyCommand=x/repo", "-oProxyCommand=x:repo"]) {
      expect(() => checkUrl(url, ["ssh"])).toThrow(expect.objectContaining({ code: "ARK_GIT_URL_REJECTED" }));
    }
    expect(checkUrl("ssh://git@example.com/acme/repo.git", ["ssh"])).toBe("ssh://git@example.com/acme/repo.git");
    expect(checkUrl("git@example.com:acme/repo.git", ["ssh"])).toBe("git@example.com:acme/repo.git");
  });

  it("agrees with git check-ref-format on branch names (and also refuses a leading '-')", () => {
    const names = ["main", "feature/x", "a.b", "v1.0", "x.lock", "a..b", ".hidden", "a/.b", "a b", "a~1", "a^", "a:b", "a?", "a*", "a[", "a\\b", "a@{1}", "a/", "/a", "a//b", "a.", "ü", "a@b", "x/y/z"];
    expect(() => checkRefName("@", "name")).toThrow(/is .@./);
    for (const name of names) {
      let gitSays = true;
      try {
        execFileSync("git", ["check-ref-format", `refs/heads/${name}`], { stdio: "ignore" });
      } catch {
        gitSays = false;
      }
      let weSay = true;
      try {
        checkRefName(name, "name");
      } catch {
        weSay = false;
      }
      expect({ name, ok: weSay }).toEqual({ name, ok: gitSays });
    }
    expect(() => checkRefName("-x", "name")).toThrow(/starts with '-'/);
  });

  it("never discovers a repository above the workspace root", async () => {
    const outer = path.join(fx.dir, "outer");
    await mkdir(outer);
    git(outer, "init", "--quiet");
    const domain = new GitDomain();
    domain.slot.bind(resolveGitSettings({ root: path.join(outer, "ws"), allowedUrlSchemes: ["file"] }, null));
    const err = await callOperation(domain, "status", {}, { workspace: "w" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "ARK_GIT_FAILED" });
    expect(String((err as Error).message)).toMatch(/not a git repository/);
  });

  describe("never prompts", () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      server = createServer((_, res) => res.writeHead(401, { "WWW-Authenticate": 'Basic realm="x"' }).end());
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo.git`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("fails a clone that asks for credentials instead of waiting for a password", async () => {
      const domain = new GitDomain();
      domain.slot.bind(resolveGitSettings({ root: path.join(fx.dir, "ws-http"), allowedUrlSchemes: ["http"] }, null));
      const err = await callOperation(domain, "clone", { url, path: "r", timeout_seconds: 60 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "ARK_GIT_FAILED" });
      expect(String((err as { details: { stderr: string } }).details.stderr)).toMatch(/terminal prompts disabled|could not read Username|Authentication failed/);
    });
  });
});
