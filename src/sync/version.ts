import { createRequire } from "node:module";

/** The package version (from package.json), recorded in deployment records. */
export const VERSION_STRING: string = (
  createRequire(import.meta.url)("../../package.json") as { version: string }
).version;
