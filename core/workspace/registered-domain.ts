/** Finding, in init, the tool domain object a plugin registered in this kernel (to bind its settings). */
import { ArkError } from "../errors/index.js";
import { coreServices } from "../plugin-api/core-services.js";
import type { PluginContext } from "../plugin-api/plugin.js";
import type { ToolDomainContribution } from "../plugin-api/contributions.js";

/** The domain `id` this plugin registered, checked to be an instance of `kind`; ARK_KERNEL_STATE otherwise. */
export function registeredToolDomain<T extends ToolDomainContribution>(
  ctx: PluginContext<unknown>,
  id: string,
  kind: abstract new (...args: never[]) => T,
): T {
  const domains = ctx.get(coreServices.registries).toolDomains;
  const domain = domains.get(id);
  if (!(domain instanceof kind) || domains.ownerOf(id) !== ctx.pluginId) {
    throw new ArkError("ARK_KERNEL_STATE", `The "${id}" tool domain of plugin "${ctx.pluginId}" is not registered in this kernel.`);
  }
  return domain;
}
