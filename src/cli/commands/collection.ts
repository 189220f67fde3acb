import type { Command } from "commander";
import { EXIT, SkillsyncError } from "../../core/errors.js";
import { isKind, KINDS, type Kind } from "../../core/names.js";
import { shortHash } from "../../core/tree-hash.js";
import {
  addArtifacts,
  initCollection,
  listArtifacts,
  type RejectedArtifact,
  removeArtifacts,
  showArtifact,
  validatePath,
} from "../../sync/collection-ops.js";
import { color } from "../output.js";
import { wrapCommand } from "../run.js";
import { workspaceFor } from "../workspace.js";

/** True for `github:OWNER/REPO…` and `git+URL…` sources. */
function isGitSpec(p: string): boolean {
  return p.startsWith("github:") || p.startsWith("git+");
}

function kindOption(v: string | undefined): Kind | undefined {
  if (v === undefined) return undefined;
  if (!isKind(v)) throw new SkillsyncError("USAGE", `--kind must be one of ${KINDS.join(", ")}, not '${v}'`);
  return v;
}

/** Registers init, add, list, show, remove and validate. */
export function registerCollection(program: Command): void {
  program
    .command("init")
    .description("create the collection ($SKILLSYNC_HOME/collections/NAME)")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  skillsync init --collection work")
    .action(
      wrapCommand(async (_o: unknown, cmd: Command) => {
        const { ctx, ws } = await workspaceFor(cmd);
        const created = await initCollection(ws);
        if (ctx.out.jsonMode) ctx.out.json({ collection: ws.collection, path: ws.collectionDir, created });
        else
          ctx.out.line(
            `${created ? "Created" : "Already exists:"} collection '${ws.collection}' at ${ws.collectionDir}`,
          );
      }),
    );

  program
    .command("add")
    .description("add skill folders, .md files, or folders holding many to the collection")
    .argument("<paths...>", "skill folder, .md file, or folder of artifacts")
    .option("--kind <kind>", `artifact kind when it cannot be inferred (${KINDS.join(", ")})`)
    .option("--force", "replace artifacts already in the collection (a snapshot is kept)")
    .option("--pick <names>", "marketplace repos: only these plugins or skills (comma-separated)")
    .option("--all-or-nothing", "add nothing when any artifact found is invalid (exit 2)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      [
        "",
        "Folders are searched for skill folders (a SKILL.md inside) up to 5 levels down, so a repository",
        "laid out as plugins/<plugin>/skills/<skill>/ is taken whole. Invalid artifacts are listed, one",
        "line each (file:line: reason), the valid ones are added, and the exit status is 1;",
        "--all-or-nothing adds nothing instead (exit 2). A folder holding skills-lock.json (installed by",
        "the skills CLI) is adopted: its skills join the collection with the lock's source, their files",
        "stay as they are, and the folder is tracked as a deployment (see docs/skills-cli.md).",
        "",
        "Examples:",
        "  skillsync add ./my-skill",
        "  skillsync add ~/skills            # every skill folder inside",
        "  skillsync add review.md --kind command",
        "  skillsync add ./my-project        # adopt what 'skills add' installed (skills-lock.json)",
        "  skillsync add github:anthropics/skills/skills/pdf",
        "  skillsync add git+https://host/team/skills.git#skills@v2",
      ].join("\n"),
    )
    .action(
      wrapCommand(
        async (
          paths: string[],
          o: { kind?: string; force?: boolean; pick?: string; allOrNothing?: boolean },
          cmd: Command,
        ) => {
          const { ctx, ws } = await workspaceFor(cmd);
          const kind = kindOption(o.kind);
          const partial = !o.allOrNothing;
          const printInvalid = (invalid: RejectedArtifact[]): number => {
            for (const i of invalid)
              process.stderr.write(
                `${color.red("invalid:")} ${i.file}${i.line ? `:${i.line}` : ""}: ${i.reason} (${i.artifact} not added)\n`,
              );
            return invalid.length > 0 ? EXIT.drift : EXIT.ok;
          };
          const { holdsSkillsLock, adoptSkillsInstall } = await import("../../sync/skills-lock-adopt.js");
          const lockDirs = paths.filter((p) => !isGitSpec(p) && holdsSkillsLock(p));
          if (lockDirs.length > 0) {
            if (paths.length !== 1)
              throw new SkillsyncError(
                "USAGE",
                `${lockDirs[0]} holds a skills-lock.json: add it on its own (its skills are adopted with their sources)`,
              );
            const r = await adoptSkillsInstall(ws, { root: lockDirs[0]!, force: Boolean(o.force), partial });
            if (ctx.out.jsonMode) ctx.out.json(r);
            else {
              for (const a of r.results)
                ctx.out.line(
                  `${a.status.padEnd(9)} ${a.kind}/${a.name} ${color.dim(`${a.version} ${shortHash(a.sha)}`)}`,
                );
              for (const n of r.notes) ctx.out.warn(n);
              if (r.tracked.length > 0)
                ctx.out.line(`tracking ${r.tracked.length} skill(s) as deployed in ${r.project}`);
            }
            return printInvalid(r.invalid);
          }
          const gitSpecs = paths.filter(isGitSpec);
          if (gitSpecs.length > 0) {
            if (gitSpecs.length !== paths.length)
              throw new SkillsyncError("USAGE", "add git sources and local paths in separate commands");
            const { addFromGit } = await import("../../sync/git-source.js");
            await initCollection(ws);
            const results = [];
            for (const spec of gitSpecs)
              results.push(
                await addFromGit(ws, {
                  spec,
                  force: Boolean(o.force),
                  partial,
                  ...(kind ? { kind } : {}),
                  ...(o.pick
                    ? {
                        pick: o.pick
                          .split(",")
                          .map((x) => x.trim())
                          .filter(Boolean),
                      }
                    : {}),
                }),
              );
            if (ctx.out.jsonMode) ctx.out.json(results);
            else
              for (const r of results)
                for (const a of r.results)
                  ctx.out.line(
                    `${a.status.padEnd(9)} ${a.kind}/${a.name} ${color.dim(`${a.version} ${shortHash(a.sha)}`)}`,
                  );
            return printInvalid(results.flatMap((r) => r.invalid));
          }
          // Adding into a collection that does not exist yet creates it, with the artifacts, in one step.
          const r = await addArtifacts(ws, {
            paths,
            ...(kind ? { kind } : {}),
            force: Boolean(o.force),
            createCollection: true,
            partial,
          });
          if (ctx.out.jsonMode) {
            ctx.out.json(r);
            return printInvalid(r.invalid);
          }
          for (const a of r.results) {
            ctx.out.line(
              `${a.status.padEnd(9)} ${a.kind}/${a.name} ${color.dim(`${a.version} ${shortHash(a.sha)}`)}`,
            );
            for (const w of a.warnings) ctx.out.warn(`${w.file}${w.line ? `:${w.line}` : ""}: ${w.message}`);
          }
          if (r.snapshotId)
            ctx.out.line(
              `snapshot ${r.snapshotId} keeps the replaced versions ('skillsync rollback ${r.snapshotId}')`,
            );
          return printInvalid(r.invalid);
        },
      ),
    );

  program
    .command("list")
    .description("list the artifacts in the collection")
    .option("--json", "print JSON")
    .action(
      wrapCommand(async (_o: unknown, cmd: Command) => {
        const { ctx, ws } = await workspaceFor(cmd);
        const items = listArtifacts(ws);
        if (ctx.out.jsonMode) {
          ctx.out.json(items);
          return;
        }
        if (items.length === 0) {
          ctx.out.line(`collection '${ws.collection}' is empty; add artifacts with 'skillsync add PATH'`);
          return;
        }
        ctx.out.table(
          ["artifact", "type", "version", "tree", "valid", "source"],
          items.map((a) => [
            a.name,
            a.type,
            a.version,
            shortHash(a.sha),
            a.valid ? "yes" : color.red("no"),
            a.source ?? "-",
          ]),
        );
      }),
    );

  program
    .command("show")
    .description("show one artifact: metadata, files, lock entry, problems")
    .argument("<name>", "NAME or KIND/NAME")
    .option("--json", "print JSON")
    .action(
      wrapCommand(async (name: string, _o: unknown, cmd: Command) => {
        const { ctx, ws } = await workspaceFor(cmd);
        const a = showArtifact(ws, name);
        if (ctx.out.jsonMode) {
          ctx.out.json(a);
          return;
        }
        ctx.out.line(`${color.bold(`${a.type}/${a.name}`)}  version ${a.version}  tree ${a.sha}`);
        if (a.description) ctx.out.line(a.description.split("\n")[0]);
        ctx.out.line(`path:    ${a.path}`);
        ctx.out.line(`source:  ${a.source ?? "-"}`);
        if (a.lock) ctx.out.line(`added:   ${a.lock["added-at"]}  updated: ${a.lock["updated-at"]}`);
        if (a.modified_since_lock) ctx.out.line(color.yellow("edited since the lock file was written"));
        ctx.out.line(`files (${a.files.length}):`);
        for (const f of a.files) ctx.out.line(`  ${f.mode} ${String(f.size).padStart(9)}  ${f.path}`);
        for (const p of a.problems)
          ctx.out.line(`${p.severity}: ${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}`);
      }),
    );

  program
    .command("remove")
    .description("remove artifacts from the collection (a snapshot is kept)")
    .argument("<names...>", "NAME or KIND/NAME")
    .option("--json", "print JSON")
    .action(
      wrapCommand(async (names: string[], _o: unknown, cmd: Command) => {
        const { ctx, ws } = await workspaceFor(cmd);
        const r = await removeArtifacts(ws, names);
        if (ctx.out.jsonMode) ctx.out.json(r);
        else
          ctx.out.line(
            `removed ${r.removed.join(", ")} (snapshot ${r.snapshotId}; 'skillsync rollback ${r.snapshotId}' restores)`,
          );
      }),
    );

  program
    .command("validate")
    .description("validate artifacts against the Agent Skills specification (default: the collection)")
    .argument("[path]", "skill folder, .md file, collection or project folder")
    .option("--strict", "refuse non-spec fields (Claude Code extensions) and spec limits exceeded")
    .option("--kind <kind>", "kind of .md files when it cannot be inferred")
    .option("--json", "print JSON")
    .action(
      wrapCommand(async (path: string | undefined, o: { strict?: boolean; kind?: string }, cmd: Command) => {
        const { ctx, ws } = await workspaceFor(cmd);
        const kind = kindOption(o.kind);
        const r = validatePath(ws, path, { strict: Boolean(o.strict), ...(kind ? { kind } : {}) });
        const invalid = r.filter((a) => !a.valid).length;
        if (ctx.out.jsonMode) ctx.out.json({ valid: invalid === 0, artifacts: r });
        else {
          for (const a of r)
            for (const p of a.problems)
              process.stderr.write(
                `${p.severity === "error" ? color.red("error") : color.yellow("warning")}: ${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}\n`,
              );
          ctx.out.line(`${r.length - invalid} valid, ${invalid} invalid`);
        }
        return invalid > 0 ? EXIT.usage : EXIT.ok;
      }),
    );
}
