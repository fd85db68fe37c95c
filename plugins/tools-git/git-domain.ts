/** The `git` tool domain: its operations over one settings slot, bound by the plugin's init. */
import { SettingsSlot, type ToolDomainContribution, type ToolOperation } from "../../core/plugin-api/index.js";
import { cherryPickOperation, commitOperation, rebaseOperation } from "./change-operations.js";
import type { GitSettings } from "./config.js";
import { branchOperation, tagOperation } from "./ref-operations.js";
import { pullRequestOperation, pushOperation } from "./remote-operations.js";
import { cloneOperation, diffOperation, statusOperation } from "./repo-operations.js";

/** Id of the domain (`POST /api/tools/git/<operation>`). */
export const GIT_DOMAIN_ID = "git";

/** The operations, in the order they are advertised. */
export const GIT_OPERATIONS = ["status", "diff", "branch", "commit", "push", "pull_request", "cherry_pick", "rebase_noninteractive", "tag", "clone"] as const;

/** The domain object registered with the kernel. */
export class GitDomain implements ToolDomainContribution {
  readonly id = GIT_DOMAIN_ID;
  readonly description = "git in the caller's workspace: status, diff, branch, commit, push, pull_request, cherry_pick, rebase_noninteractive, tag, clone. Never prompts; refuses option injection.";
  readonly slot = new SettingsSlot<GitSettings>(`tool domain "${GIT_DOMAIN_ID}"`);
  readonly operations: Readonly<Record<string, ToolOperation>>;

  constructor() {
    const s = this.slot;
    this.operations = Object.freeze({
      status: statusOperation(s), diff: diffOperation(s), branch: branchOperation(s), commit: commitOperation(s), push: pushOperation(s),
      pull_request: pullRequestOperation(s), cherry_pick: cherryPickOperation(s), rebase_noninteractive: rebaseOperation(s), tag: tagOperation(s), clone: cloneOperation(s),
    });
  }
}
