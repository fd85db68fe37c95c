export { Kernel, type KernelState, type KernelOptions, type ServiceOverride } from "./kernel.js";
export { createKernel, planKernel, type CreateKernelOptions } from "./create-kernel.js";
export { prepareBoot, type BootPlan, type PlannedPlugin, type BootPlanOptions } from "./boot-plan.js";
export { formatBootIssue, type BootIssue } from "./boot-issue.js";
export { handleShutdownSignals } from "./signals.js";
export { KERNEL_API_VERSION } from "./api-version.js";
export type { StartupReport, PluginReport, PluginStatus } from "./startup-report.js";
