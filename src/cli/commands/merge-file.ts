import type { Command } from "commander";

/** Registers the `merge-file` command(s). Heavy modules are imported inside actions, not here. */
export function registerMergeFile(_program: Command): void {}
