#!/usr/bin/env node
// Runs the ark CLI from TypeScript source through tsx's ESM loader (no build step needed).
import { register } from "tsx/esm/api";

register();
await import("../core/cli/main.ts");
