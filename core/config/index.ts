/** ARK's configuration: find and read runtime.config.yaml, interpolate ${VAR}, validate with positioned issues, redact. */
export { loadConfigSource, parseConfigText, CONFIG_SEARCH_PLACES, type LoadConfigOptions } from "./load-config.js";
export { configSourceFromObject, type ConfigSource, type ConfigPosition } from "./config-source.js";
export { configBaseDir, resolveConfigPath } from "./config-path.js";
export {
  formatConfigIssue,
  formatConfigPath,
  configInvalidError,
  type ConfigIssue,
  type ConfigPath,
} from "./config-issue.js";
export { buildConfigSchema, type PluginSectionSchema, type CoreSectionSchemas } from "./build-config-schema.js";
export { validateConfig, type ConfigValidation } from "./validate-config.js";
export {
  positionCheckProblems,
  hasIssueAround,
  type ConfigCheck,
  type ConfigCheckContext,
  type ConfigCheckProblem,
  type PositionedCheckProblem,
} from "./config-check.js";
export { redactConfig, isSecretKey, redactUrlPasswords, REDACTED } from "./redact.js";
export { kernelSectionSchema, pluginEntrySchema, LOG_LEVELS } from "./section-schemas.js";
export { deepFreeze } from "./deep-freeze.js";
export { MAX_TIMER_MS, MAX_TIMER_SECONDS } from "./timer-limits.js";
