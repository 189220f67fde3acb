import type { Command } from "commander";

/** Registers the `cache` command(s). Heavy modules are imported inside actions, not here. */
export function registerCache(_program: Command): void {}
