import type { Command } from "commander";

/** Registers the `codex` command(s). Heavy modules are imported inside actions, not here. */
export function registerCodex(_program: Command): void {}
