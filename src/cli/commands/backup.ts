import type { Command } from "commander";

/** Registers the `backup` command(s). Heavy modules are imported inside actions, not here. */
export function registerBackup(_program: Command): void {}
