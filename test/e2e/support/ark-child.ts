/**
 * A kernel as a child process: `node bin/ark.js start --config FILE`, waited for until it prints "ARK running", and
 * stopped either politely (SIGINT, as an operator does) or as a crash (SIGKILL: no stop hook runs, leases are left
 * to expire). Its output is kept so a failing test can show it.
 */
import type { ChildProcess } from "node:child_process";
import { spawnArk } from "../../support/cli.js";

/** A running `ark start` child. */
export class ArkChild {
  private output = "";
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout!.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    // Never leave a kernel behind if the test process ends first (a timeout, a crash of the runner).
    const reap = () => child.kill("SIGKILL");
    process.once("exit", reap);
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        process.off("exit", reap);
        resolve(signal ? null : code);
      }),
    );
  }

  /**
   * Starts `ark start --config <configFile>` in `cwd` and resolves with the API's base URL once the kernel runs.
   * ARK_DATABASE_URL is blanked: it would win over the config file's store and take the kernel out of the test's schema.
   */
  static async start(name: string, cwd: string, configFile: string, timeoutMs = 30_000): Promise<{ child: ArkChild; baseUrl: string }> {
    const child = new ArkChild(name, spawnArk(["start", "--config", configFile], { cwd, env: { NO_COLOR: "1", ARK_DATABASE_URL: "" } }));
    const baseUrl = await child.waitForApi(timeoutMs);
    return { child, baseUrl };
  }

  /** The process id (the test kills it by this id only). */
  get pid(): number {
    return this.child.pid!;
  }

  /** Everything the child printed so far. */
  get log(): string {
    return this.output;
  }

  private waitForApi(timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => fail(`did not print "ARK running" within ${timeoutMs} ms`), timeoutMs);
      const poll = setInterval(() => {
        const match = /ARK running: .*API on (http:\/\/127\.0\.0\.1:\d+)/.exec(this.output);
        if (match) done(() => resolve(match[1]!));
      }, 20);
      const onExit = () => fail("exited before it was running");
      this.child.once("exit", onExit);
      const done = (then: () => void) => {
        clearTimeout(deadline);
        clearInterval(poll);
        this.child.off("exit", onExit);
        then();
      };
      const fail = (why: string) => done(() => reject(new Error(`kernel ${this.name} ${why}; its output:\n${this.output}`)));
    });
  }

  /** A crash: SIGKILL, then wait until the process is gone. */
  async kill9(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }

  /** A polite stop (SIGINT: the kernel drains and stops its plugins); SIGKILL if it takes longer than `graceMs`. */
  async stop(graceMs = 15_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill("SIGINT");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
