/** The test kit for plugin authors: a one-call kernel and the conformance suite. */
export { startTestKernel, testKernelConfig, type TestKernel, type TestKernelOptions } from "./start-test-kernel.js";
export { runPluginConformance, type ConformanceOptions } from "./plugin-conformance.js";
