import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { SkillsyncError } from "../../core/errors.js";
import { updateConfig } from "../../store/config.js";
import { parseAgentFlag } from "../agent-option.js";
import { contextFor } from "../context.js";
import { wrapCommand } from "../run.js";

/**
 * Registers `skillsync project add DIR | list | remove DIR`: the projects the daemon keeps in sync
 * with the collection (config key `projects`, absolute paths).
 */
export function registerProject(program: Command): void {
  const project = program
    .command("project")
    .description("manage the projects the daemon keeps in sync with the collection");

  project
    .command("add <dir>")
    .description(
      "register a project folder (stored as an absolute path in config 'projects'; --agent in 'project_agents')",
    )
    .option(
      "--agent <ids>",
      "the agents this project uses, comma-separated (see 'skillsync agents'); default claude-code",
    )
    .option("--json", "print the result as JSON")
    .action(
      wrapCommand(async (dir: string, opts: { agent?: string }, cmd: Command) => {
        const ctx = await contextFor(cmd);
        const abs = resolve(dir);
        let agents: string[] | undefined;
        if (opts.agent !== undefined) {
          agents = parseAgentFlag(opts.agent);
        }
        let isDir = false;
        try {
          isDir = statSync(abs).isDirectory();
        } catch {}
        if (!isDir)
          throw new SkillsyncError(
            "PROJECT_MISSING",
            `project folder ${abs} does not exist; create it or check the path`,
          );
        const already = ctx.config.projects.includes(abs);
        if (!already || agents !== undefined)
          await updateConfig(ctx.paths.config, (raw) => {
            const list = Array.isArray(raw.projects) ? (raw.projects as string[]) : [];
            if (!already) raw.projects = [...list, abs];
            if (agents !== undefined) {
              const map =
                raw.project_agents && typeof raw.project_agents === "object"
                  ? (raw.project_agents as Record<string, string[]>)
                  : {};
              raw.project_agents = { ...map, [abs]: agents };
            }
          });
        const shownAgents = agents ?? ctx.config.project_agents[abs] ?? ["claude-code"];
        if (ctx.out.jsonMode) ctx.out.json({ project: abs, added: !already, agents: shownAgents });
        else
          ctx.out.line(
            `${already ? `${abs} is already registered` : `registered project ${abs}`} (agents: ${shownAgents.join(", ")})`,
          );
        return 0;
      }),
    );

  project
    .command("list")
    .description("list registered projects")
    .option("--json", "print as JSON")
    .action(
      wrapCommand(async (_opts: unknown, cmd: Command) => {
        const ctx = await contextFor(cmd);
        const rows = ctx.config.projects.map((p) => {
          let exists = false;
          try {
            exists = statSync(p).isDirectory();
          } catch {}
          return { path: p, exists, agents: ctx.config.project_agents[p] ?? ["claude-code"] };
        });
        if (ctx.out.jsonMode) ctx.out.json({ projects: rows });
        else if (rows.length === 0)
          ctx.out.line("no projects registered; add one with 'skillsync project add DIR'");
        else
          ctx.out.table(
            ["project", "folder", "agents"],
            rows.map((r) => [r.path, r.exists ? "ok" : "missing", r.agents.join(",")]),
          );
        return 0;
      }),
    );

  project
    .command("remove <dir>")
    .alias("rm")
    .description("unregister a project (its files are not touched)")
    .option("--json", "print the result as JSON")
    .action(
      wrapCommand(async (dir: string, _opts: unknown, cmd: Command) => {
        const ctx = await contextFor(cmd);
        const abs = resolve(dir);
        if (!ctx.config.projects.includes(abs))
          throw new SkillsyncError(
            "NOT_FOUND",
            `${abs} is not a registered project; see 'skillsync project list'`,
          );
        await updateConfig(ctx.paths.config, (raw) => {
          const list = Array.isArray(raw.projects) ? (raw.projects as string[]) : [];
          raw.projects = list.filter((p) => resolve(p) !== abs);
          if (raw.project_agents && typeof raw.project_agents === "object")
            delete (raw.project_agents as Record<string, unknown>)[abs];
        });
        if (ctx.out.jsonMode) ctx.out.json({ project: abs, removed: true });
        else ctx.out.line(`unregistered project ${abs} (its files are untouched)`);
        return 0;
      }),
    );
}
