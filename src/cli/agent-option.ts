/**
 * `--agent ID[,ID…]` and `--global`, shared by deploy, undeploy, pull, push, sync and status
 * (issue 11; docs/targets.md). The help text lists every agent id of the table.
 */
import type { Command } from "commander";
import { AGENTS, parseAgentList } from "../core/agents.js";
import { SkillsyncError } from "../core/errors.js";

/** The flags {@link addAgentOptions} adds. */
export interface AgentFlags {
  agent?: string;
  global?: boolean;
  link?: boolean;
  copy?: boolean;
}

/** Every agent id, wrapped for help text (width in characters). */
export function agentIdsHelp(width = 96): string {
  const lines: string[] = [];
  let cur = "";
  for (const id of AGENTS.map((a) => a.id)) {
    const next = cur === "" ? `  ${id}` : `${cur}, ${id}`;
    if (next.length > width && cur !== "") {
      lines.push(`${cur},`);
      cur = `  ${id}`;
    } else cur = next;
  }
  if (cur) lines.push(cur);
  return lines.join("\n");
}

/** Adds `--agent` and `--global` to `cmd`, with the agent ids in its help. */
export function addAgentOptions(cmd: Command): Command {
  return cmd
    .option(
      "--agent <ids>",
      "agents to target, comma-separated (default: the project's agents from 'project add --agent', else claude-code, plus those already deployed to)",
    )
    .option(
      "--global",
      "the user's folders under $HOME (~/.claude/skills, ~/.agents/skills, …) instead of a project",
    )
    .addHelpText(
      "after",
      `\nAgent ids for --agent ('skillsync agents' shows their folders):\n${agentIdsHelp()}`,
    );
}

/** Adds `--link` and `--copy` (deploy, push, sync). */
export function addLinkOptions(cmd: Command): Command {
  return cmd
    .option(
      "--link",
      "one real copy per skill in .agents/skills, symbolic links to it in every other agent's folder (as 'skills add' does by default)",
    )
    .option(
      "--copy",
      "real copies in every agent's folder (the default; turns earlier --link deployments into copies)",
    );
}

/**
 * The agent ids of `--agent`, or undefined when not given.
 * @throws SkillsyncError USAGE naming unknown ids (nothing is changed)
 */
export function parseAgentFlag(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const parsed = parseAgentList(value);
  if (!parsed.ok)
    throw new SkillsyncError(
      "USAGE",
      parsed.unknown.length > 0
        ? `unknown agent id ${parsed.unknown.map((u) => `'${u}'`).join(", ")} in --agent; 'skillsync agents' lists the ids`
        : "--agent needs at least one agent id; 'skillsync agents' lists the ids",
    );
  return parsed.ids;
}

/** The deployment options of the flags: `{agents?, global?}` ready for transfer/undeploy/status. */
export function deploymentFlags(o: AgentFlags): { agents?: string[]; global?: boolean; link?: boolean } {
  if (o.link && o.copy) throw new SkillsyncError("USAGE", "--link and --copy exclude each other; pass one");
  const agents = parseAgentFlag(o.agent);
  return {
    ...(agents ? { agents } : {}),
    ...(o.global ? { global: true } : {}),
    ...(o.link ? { link: true } : o.copy ? { link: false } : {}),
  };
}
