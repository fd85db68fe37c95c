/**
 * The milestone domain on real SQL (PGlite and PostgreSQL): create with checked fields, create_or_update (patch,
 * upstream completion, additive prompt, mark_complete flag), mark_complete, checkpoint hits, and bad inputs with
 * stable codes that leave the row as it was.
 */
import { describe, expect, it } from "vitest";
import { describeStore } from "../../test/support/store-harness.js";
import { milestoneActionOf } from "./milestone-node.js";
import { boundMilestoneDomain, milestoneMigrations } from "./test-support.js";

describe("milestone actions", () => {
  it("normalises the reference's action words and refuses the rest", () => {
    expect(["update", "Checkpoint", "create/update", "complete", "Mark  Milestone complete"].map(milestoneActionOf)).toEqual([
      "create_or_update", "create_or_update", "create_or_update", "mark_complete", "mark_complete",
    ]);
    expect(() => milestoneActionOf("delete")).toThrow(expect.objectContaining({ code: "ARK_MILESTONE_CONFIG_INVALID" }));
    expect(() => milestoneActionOf(undefined)).toThrow(expect.objectContaining({ code: "ARK_MILESTONE_CONFIG_INVALID" }));
  });
});

describeStore("tools-milestone domain", (getStore) => {
  const rowCount = async () => (await getStore().query<{ n: number }>("SELECT count(*)::int AS n FROM ark_milestones")).rows[0]!.n;

  it("creates milestones with checked fields and refuses bad ones without a row", async () => {
    const { call } = boundMilestoneDomain(getStore());
    const { milestone } = await call("create", { name: " Beta ", owner: "ana", due_date: "2027-01-31", progress_percent: 140, links: ["https://x"] });
    expect(milestone).toMatchObject({ name: "Beta", owner: "ana", due_date: "2027-01-31", progress_percent: 100, status: "planned", completed: false, links: ["https://x"] });
    for (const bad of [{ name: "x", status: "finished" }, { name: "x", due_date: "31/01/2027" }, { name: "x", colour: "red" }, { name: "x", progress_percent: "lots" }, { name: "  " }]) {
      await expect(call("create", bad), JSON.stringify(bad)).rejects.toMatchObject({ code: "ARK_MILESTONE_PATCH_INVALID" });
    }
    expect(await rowCount()).toBe(1);
    expect((await call("list", {})).items.map((m: any) => m.name)).toEqual(["Beta"]);
  });

  it("create_or_update applies the patch, the upstream completion and the additive prompt in order", async () => {
    const { call } = boundMilestoneDomain(getStore());
    const { milestone } = await call("create", { name: "M" });
    const out = await call("create_or_update", {
      milestone_id: milestone.id, patch: { priority: "high", progress_percent: -5, health: "green" },
      completion: { progress_percent: 60, latest_update: "from upstream", unrelated: { big: true } }, additive_prompt: "Working on it",
    });
    expect(out.action_results).toEqual(["Applied milestone patch.", "Applied upstream completion patch.", "Applied additive prompt update."]);
    expect(out.before_milestone).toMatchObject({ status: "planned", progress_percent: 0 });
    expect(out.milestone).toMatchObject({ priority: "high", health: "green", progress_percent: 60, latest_update: "Working on it", status: "in_progress", completed: false });
    const done = await call("create_or_update", { milestone_id: milestone.id, completion: { completed: "yes" }, patch: { status: "done" } });
    expect(done.milestone).toMatchObject({ status: "done", completed: true, progress_percent: 100 });
    expect(done.milestone.completed_at).not.toBeNull();
  });

  it("mark_complete completes with the prompt as latest update; a bad patch changes nothing", async () => {
    const { call } = boundMilestoneDomain(getStore());
    const { milestone } = await call("create", { name: "M", progress_percent: 30 });
    await expect(call("create_or_update", { milestone_id: milestone.id, patch: { name: "N", status: "nearly" } })).rejects.toMatchObject({
      code: "ARK_MILESTONE_PATCH_INVALID", details: { field: "patch.status" },
    });
    expect((await call("read", { milestone_id: milestone.id })).milestone.name).toBe("M");
    const out = await call("mark_complete", { milestone_id: milestone.id, additive_prompt: "Shipped." });
    expect(out).toMatchObject({ action: "mark_complete", action_results: ["Marked milestone complete."], milestone: { status: "done", progress_percent: 100, completed: true, latest_update: "Shipped." } });
    await expect(call("mark_complete", { milestone_id: 55_555 })).rejects.toMatchObject({ code: "ARK_MILESTONE_NOT_FOUND" });
  });

  it("hits a checkpoint when loop_checkpoint_every divides the execution index; no index means no checkpoint", async () => {
    const { call } = boundMilestoneDomain(getStore());
    const { milestone } = await call("create", { name: "M" });
    const hit = await call("create_or_update", { milestone_id: milestone.id, execution_index: 6, loop_checkpoint_every: 3 });
    expect(hit).toMatchObject({ checkpoint_hit: true, execution_index: 6 });
    expect(hit.action_results).toEqual(["Checkpoint reached at execution #6 (every 3)."]);
    expect((await call("create_or_update", { milestone_id: milestone.id, execution_index: 7, loop_checkpoint_every: 3 })).checkpoint_hit).toBe(false);
    const none = await call("create_or_update", { milestone_id: milestone.id, loop_checkpoint_every: 1 });
    expect(none).toMatchObject({ checkpoint_hit: false, execution_index: null });
    await expect(call("create_or_update", { milestone_id: milestone.id, loop_checkpoint_every: -1 })).rejects.toMatchObject({ code: "ARK_MILESTONE_CONFIG_INVALID" });
  });

  it("creates once per origin_key: the key again answers the first milestone unchanged, another key creates", async () => {
    const { call } = boundMilestoneDomain(getStore());
    const first = await call("create", { name: "Once", origin_key: "flowchart_run:1:node:m" });
    const again = await call("create", { name: "Other", status: "done", origin_key: "flowchart_run:1:node:m" });
    expect(first).toMatchObject({ created: true, milestone: { name: "Once", status: "planned" } });
    expect(again).toMatchObject({ created: false, milestone: { id: first.milestone.id, name: "Once", status: "planned", completed: false } });
    expect((await call("create", { name: "Once", origin_key: "flowchart_run:2:node:m" })).milestone.id).not.toBe(first.milestone.id);
    await expect(call("create", { name: "  ", origin_key: "k" })).rejects.toMatchObject({ code: "ARK_MILESTONE_PATCH_INVALID" });
    expect(await rowCount()).toBe(2);
    expect((await call("create", { name: "Plain" })).created).toBe(true);
  });
}, { migrate: milestoneMigrations });
