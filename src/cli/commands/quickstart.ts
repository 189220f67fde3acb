import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { EXIT } from "../../core/errors.js";
import { shortHash } from "../../core/tree-hash.js";
import { ensureDir, writeFileAtomic } from "../../store/fs.js";
import { addArtifacts, initCollection } from "../../sync/collection-ops.js";
import { projectStatus } from "../../sync/status.js";
import { transfer } from "../../sync/transfer.js";
import { openWorkspace } from "../../sync/workspace.js";
import { color, createOutput } from "../output.js";
import { wrapCommand } from "../run.js";

/** Registers `quickstart`: a guided run of add → deploy → edit → status on the bundled examples. */
export function registerQuickstart(program: Command): void {
  program
    .command("quickstart")
    .description(
      "try skillsync: add the example skills to a collection, deploy them to a demo project, edit one, show status",
    )
    .option("--dir <dir>", "where to create the demo home and project (default: a new temp folder)")
    .option("--json", "print the final status as JSON")
    .action(
      wrapCommand(async (o: { dir?: string; json?: boolean }) => {
        const out = createOutput(Boolean(o.json));
        const root = o.dir ? resolve(o.dir) : mkdtempSync(join(tmpdir(), "skillsync-quickstart-"));
        const home = join(root, "home");
        const project = join(root, "demo-project");
        await ensureDir(project);
        const examples = fileURLToPath(new URL("../../../examples", import.meta.url));
        const ws = await openWorkspace({
          home,
          collection: "default",
          reporter: { info() {}, warn: (m) => out.warn(m) },
        });
        await initCollection(ws);
        out.line(color.bold(`1. skillsync init      → collection at ${ws.collectionDir}`));
        const added = await addArtifacts(ws, { paths: [examples] });
        out.line(color.bold(`2. skillsync add ${examples}`));
        for (const a of added.results) out.line(`     ${a.kind}/${a.name} ${a.version} ${shortHash(a.sha)}`);
        const dep = await transfer(ws, { op: "deploy", project, all: true });
        out.line(color.bold(`3. skillsync deploy --all --project ${project}`));
        for (const r of dep.results) out.line(`     ${r.artifact_name} → ${shortHash(r.new_hash)}`);
        const edited = join(project, ".claude", "skills", "commit-message", "SKILL.md");
        // An edit in the body (not in the skill's own "## Memory" section, which belongs to the project).
        await writeFileAtomic(
          edited,
          readFileSync(edited, "utf8").replace("at most 72 characters", "at most 50 characters"),
        );
        out.line(color.bold(`4. (edit) ${edited}`));
        out.line(color.bold(`5. skillsync status --project ${project}`));
        const st = projectStatus(ws, project);
        if (out.jsonMode) out.json(st);
        else {
          out.table(
            ["artifact", "type", "drift", "side", "recommendation"],
            st.artifacts.map((a) => [
              a.name,
              a.type,
              a.drift_type,
              a.drift_side ?? "",
              a.recommendation ?? "",
            ]),
          );
          out.line();
          out.line(`Try next (same home):`);
          out.line(`  export SKILLSYNC_HOME=${home}`);
          out.line(`  npx skillsync push commit-message --project ${project} --preview`);
          out.line(`  npx skillsync pull commit-message --project ${project}`);
          out.line(`  npx skillsync status --project ${project}`);
        }
        return EXIT.ok;
      }),
    );
}
