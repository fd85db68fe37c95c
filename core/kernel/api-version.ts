/** The kernel's plugin API version; plugins declare a semver range (`kernel: "^1.0.0"`) that must include it. */
export const KERNEL_API_VERSION = "1.0.0";
