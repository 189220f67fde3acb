import type { Command } from "commander";

/** Registers the `daemon` command(s). Heavy modules are imported inside actions, not here. */
export function registerDaemon(_program: Command): void {}
