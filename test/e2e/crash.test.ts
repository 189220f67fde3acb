/**
 * The crash test (issue 3, "Tests"): a pull over the fixture skills is interrupted at every write step
 * (every fault point of `src/store/fs.ts`), once with an injected error and — through the built CLI —
 * with the process killed (`SIGKILL`) at 22+ fault points spread over the run, including the commit point.
 *
 * After each interruption, once a read command (`status`) has run its recovery:
 * - every artifact in the collection is byte-exactly the old or the new version, as a whole;
 * - the lock file and the deployment record parse, and name the collection's content of that moment
 *   (lock, record and collection are old together or new together);
 * - the project's files are untouched (a pull writes only the collection and the record);
 * - no temp file (`.skillsync-tmp-`) is left in the collection or the project, and no journal is left;
 * and rerunning the pull finishes the job: the final state equals the state after a clean run.
 *
 * The error cases run the built library in this process (`setFaultPlan`, the same code the CLI runs,
 * without a process start per case); the kill cases run `dist/cli/main.cjs` with `SKILLSYNC_FAULT`
 * and recover through `skillsync status`, then rerun the pull in this process. The fixture set is 6
 * of the 12 skills (three edited, three not) to keep the ~130 cases fast; the test runs in a memory
 * folder (`/dev/shm`) when there is one, since every case makes ~100 fsynced writes.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runCli, runCliAsync } from "../helpers/cli.js";
import { copyFixtures, fixtureSkillNames } from "../helpers/fixtures.js";
import { importDist, requireBuild } from "../helpers/paths.js";
import { cleanupTempDirs, tempDir } from "../helpers/temp.js";
import {
  diffSnapshots,
  findNamed,
  snapshotTree,
  subSnapshot,
  type TreeSnapshot,
  treeHashOf,
} from "../helpers/tree.js";

// Shapes of the build's modules as used here (the build carries no types).
interface FsModule {
  setFaultPlan(plan: { at: number; action: "error" | "kill" } | undefined): void;
  faultPointsPassed(): number;
  TEMP_MARKER: string;
}
interface Entry {
  name: string;
  type: string;
  source: string;
  version: string;
  sha: string;
}
interface LockModule {
  parseLockFile(text: string, file: string): { version: number; artifact: Entry[] };
}
interface RecordModule {
  parseDeployRecord(text: string, file: string): { version: number; artifacts: Entry[] };
}
interface WorkspaceModule {
  openWorkspace(opts: { home: string }): Promise<unknown>;
  resolveProject(ws: unknown, dir: string): Promise<string>;
}
interface TransferModule {
  transfer(ws: unknown, opts: { op: "pull"; all: boolean; project: string }): Promise<unknown>;
}
interface StatusModule {
  projectStatus(ws: unknown, project: string): { drift_count: number };
}
interface StateDbModule {
  closeStateDbs(): void;
  openStateDb(path: string): { close(): void };
}

let fsm: FsModule;
let lockm: LockModule;
let recordm: RecordModule;
let wsm: WorkspaceModule;
let transferm: TransferModule;
let statusm: StatusModule;
let dbm: StateDbModule;

/** Skills edited in the project before the pull (three of the twelve). */
const EDITED = ["brand-guidelines", "internal-comms", "web-artifacts-builder"] as const;
/** The fixture skills in this test: the edited ones and three that stay as they are. */
const SKILLS = [...EDITED, "algorithmic-art", "frontend-design", "webapp-testing"];
/** How many fault points the kill test spreads over (each is two CLI runs and one in-process pull). */
const KILL_POINTS = 22;
const COLLECTION = join("home", "collections", "default");
const PROJECT = "proj";
const RECORD = join(PROJECT, ".claude", ".skillsync-deployed.toml");
const LOCK = join(COLLECTION, "skillsync.lock");

let root: string;
/** A case folder holding `home/` and `proj/` right before the pull. */
let template: string;
let allSkills: string[];
let oldCollection: TreeSnapshot;
let newCollection: TreeSnapshot;
let projectBefore: TreeSnapshot;
let newLockEntries: Entry[];
let newRecordEntries: Omit<Entry, "source">[];
/** Fault points of a clean pull, and what each one is (from the injected error's message). */
let faultCount = 0;
const stepOf = new Map<number, string>();
let caseNo = 0;
/** Temp files a kill left in the home (objects, snapshots, journal), by fault point. */
const homeLeftovers = new Map<number, string[]>();

const notRecord = (rel: string) => rel === ".claude/.skillsync-deployed.toml";

function newCase(): string {
  const dir = join(root, `case-${++caseNo}`);
  cpSync(template, dir, { recursive: true, preserveTimestamps: true });
  return dir;
}

/**
 * Runs the pull in this process with an optional injected error; returns the error, if any. Closes
 * only this case's state database, so pulls of different cases may overlap (no fault plan then).
 */
async function pullInProcess(dir: string, faultAt?: number): Promise<Error | undefined> {
  if (faultAt !== undefined) fsm.setFaultPlan({ at: faultAt, action: "error" });
  try {
    const ws = await wsm.openWorkspace({ home: join(dir, "home") });
    const project = await wsm.resolveProject(ws, join(dir, PROJECT));
    await transferm.transfer(ws, { op: "pull", all: true, project });
    return undefined;
  } catch (e) {
    return e as Error;
  } finally {
    if (faultAt !== undefined) fsm.setFaultPlan(undefined);
    dbm.openStateDb(join(dir, "home", "state.db")).close();
  }
}

/** A read command in this process (what `skillsync status` does): opens the workspace, which recovers. */
async function statusInProcess(dir: string): Promise<number> {
  try {
    const ws = await wsm.openWorkspace({ home: join(dir, "home") });
    const project = await wsm.resolveProject(ws, join(dir, PROJECT));
    return statusm.projectStatus(ws, project).drift_count;
  } finally {
    dbm.closeStateDbs();
  }
}

const stable = (e: Entry) => ({
  name: e.name,
  type: e.type,
  source: e.source,
  version: e.version,
  sha: e.sha,
});
const recordStable = (e: Entry) => ({ name: e.name, type: e.type, version: e.version, sha: e.sha });

function readLock(dir: string): Entry[] {
  const file = join(dir, LOCK);
  return lockm.parseLockFile(readFileSync(file, "utf8"), file).artifact;
}

function readRecord(dir: string): Entry[] {
  const file = join(dir, RECORD);
  return recordm.parseDeployRecord(readFileSync(file, "utf8"), file).artifacts;
}

/**
 * Checks the state of a case folder after recovery (see the file comment). Returns how many edited
 * artifacts are at their new version (0..3), for the report.
 */
function expectOldOrNew(dir: string, label: string): number {
  const collection = join(dir, COLLECTION);
  const project = join(dir, PROJECT);
  expect(findNamed(collection, fsm.TEMP_MARKER), `${label}: temp files in the collection`).toEqual([]);
  expect(findNamed(project, fsm.TEMP_MARKER), `${label}: temp files in the project`).toEqual([]);
  const journal = join(dir, "home", "journal");
  const journals = existsSync(journal)
    ? readdirSync(journal).filter((n) => !n.includes(fsm.TEMP_MARKER))
    : [];
  expect(journals, `${label}: a journal was not recovered`).toEqual([]);
  // The project's artifact files are exactly what they were (pull writes only the collection).
  const proj = snapshotTree(project, { ignore: notRecord });
  expect(diffSnapshots(projectBefore, proj, { execBitsOnly: false }), `${label}: project`).toEqual([]);
  // Every artifact is old or new as a whole; nothing else is in the collection.
  const now = snapshotTree(collection, { ignore: (rel) => rel === "skillsync.lock" });
  expect(readdirSync(join(collection, "skills")).sort(), `${label}: skill folders`).toEqual(allSkills);
  const lock = new Map(readLock(dir).map((e) => [e.name, e]));
  const record = new Map(readRecord(dir).map((e) => [e.name, e]));
  let atNew = 0;
  for (const name of allSkills) {
    const have = subSnapshot(now, `skills/${name}`);
    const oldOne = subSnapshot(oldCollection, `skills/${name}`);
    const newOne = subSnapshot(newCollection, `skills/${name}`);
    const isOld = diffSnapshots(oldOne, have).length === 0;
    const isNew = diffSnapshots(newOne, have).length === 0;
    expect(
      isOld || isNew,
      `${label}: skills/${name} is neither old nor new:\n${diffSnapshots(oldOne, have).join("\n")}`,
    ).toBe(true);
    if (isNew && !isOld) atNew++;
    // Lock file and deployment record name the content that is there now.
    const sha = treeHashOf(have);
    expect(lock.get(name)?.sha, `${label}: lock entry of ${name}`).toBe(sha);
    expect(record.get(name)?.sha, `${label}: record entry of ${name}`).toBe(sha);
  }
  return atNew;
}

/** Checks that a case folder holds exactly what a clean pull produces. */
function expectFinished(dir: string, label: string): void {
  const collection = snapshotTree(join(dir, COLLECTION), { ignore: (rel) => rel === "skillsync.lock" });
  expect(diffSnapshots(newCollection, collection, { execBitsOnly: false }), `${label}: collection`).toEqual(
    [],
  );
  expect(readLock(dir).map(stable), `${label}: lock file`).toEqual(newLockEntries);
  expect(readRecord(dir).map(recordStable), `${label}: deployment record`).toEqual(newRecordEntries);
  const proj = snapshotTree(join(dir, PROJECT), { ignore: notRecord });
  expect(diffSnapshots(projectBefore, proj, { execBitsOnly: false }), `${label}: project`).toEqual([]);
}

/** Makes the lock folders of a killed process look old, as they are after proper-lockfile's stale time. */
function ageLocks(dir: string): void {
  const locks = join(dir, "home", "locks");
  if (!existsSync(locks)) return;
  const past = new Date(Date.now() - 120_000);
  for (const name of readdirSync(locks)) utimesSync(join(locks, name), past, past);
}

function explain(r: CliResult): string {
  return `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
}

beforeAll(async () => {
  requireBuild();
  [fsm, lockm, recordm, wsm, transferm, statusm, dbm] = await Promise.all([
    importDist<FsModule>("store/fs.js"),
    importDist<LockModule>("store/lock-file.js"),
    importDist<RecordModule>("store/deploy-record.js"),
    importDist<WorkspaceModule>("sync/workspace.js"),
    importDist<TransferModule>("sync/transfer.js"),
    importDist<StatusModule>("sync/status.js"),
    importDist<StateDbModule>("store/state-db.js"),
  ]);
  root = tempDir("skillsync-crash-", { memory: true }).path;
  const fixtures = copyFixtures(join(root, "fixtures"), { only: SKILLS });
  allSkills = fixtureSkillNames(fixtures);
  template = join(root, "template");
  const home = join(template, "home");
  const project = join(template, PROJECT);
  mkdirSync(project, { recursive: true });
  const cli = (args: string[]) => {
    const r = runCli(args, { home, cwd: template });
    if (r.code !== 0) throw new Error(`skillsync ${args.join(" ")}: ${explain(r)}`);
  };
  cli(["init"]);
  cli(["add", fixtures]);
  cli(["deploy", "--all", "--project", project]);
  // Edits in three project skills: a SKILL.md, a binary archive and a script (exec bit), a file added
  // and one removed.
  const skills = join(project, ".claude", "skills");
  const skillMd = join(skills, "brand-guidelines", "SKILL.md");
  writeFileSync(skillMd, `${readFileSync(skillMd, "utf8")}\n## Notes\n\nEdited in the project.\n`);
  const tgz = join(skills, "web-artifacts-builder", "scripts", "shadcn-components.tar.gz");
  const bin = readFileSync(tgz);
  bin[100] = (bin[100] ?? 0) ^ 0xff;
  writeFileSync(tgz, Buffer.concat([bin, Buffer.from([0, 1, 2, 255])]));
  const sh = join(skills, "web-artifacts-builder", "scripts", "init-artifact.sh");
  writeFileSync(sh, `${readFileSync(sh, "utf8")}# edited in the project\n`);
  writeFileSync(
    join(skills, "internal-comms", "examples", "incident-report.md"),
    "# Incident\r\n\r\nCRLF text\r\n",
  );
  rmSync(join(skills, "internal-comms", "examples", "faq-answers.md"));
  projectBefore = snapshotTree(project, { ignore: notRecord });
  oldCollection = snapshotTree(join(template, COLLECTION), { ignore: (rel) => rel === "skillsync.lock" });

  // A clean run: the new state, and the number of fault points it passes.
  const clean = newCase();
  fsm.setFaultPlan(undefined);
  const err = await pullInProcess(clean);
  if (err) throw err;
  newCollection = snapshotTree(join(clean, COLLECTION), { ignore: (rel) => rel === "skillsync.lock" });
  newLockEntries = readLock(clean).map(stable);
  newRecordEntries = readRecord(clean).map(recordStable);
  // Count the fault points: a plan that never fires lets the clean run count every one it passes.
  const counted = newCase();
  fsm.setFaultPlan({ at: Number.MAX_SAFE_INTEGER, action: "error" });
  const ws = await wsm.openWorkspace({ home: join(counted, "home") });
  await transferm.transfer(ws, {
    op: "pull",
    all: true,
    project: await wsm.resolveProject(ws, join(counted, PROJECT)),
  });
  faultCount = fsm.faultPointsPassed();
  fsm.setFaultPlan(undefined);
  dbm.closeStateDbs();
  rmSync(counted, { recursive: true, force: true });
}, 60_000);

afterAll(() => {
  cleanupTempDirs();
});

describe("crash test: a pull over the fixtures interrupted at every write step", () => {
  it("the clean pull changes exactly the three edited artifacts, and the CLI counts the same fault points", () => {
    expect(faultCount).toBeGreaterThan(20);
    for (const name of allSkills) {
      const changed =
        diffSnapshots(
          subSnapshot(oldCollection, `skills/${name}`),
          subSnapshot(newCollection, `skills/${name}`),
        ).length > 0;
      expect(changed, name).toBe((EDITED as readonly string[]).includes(name));
    }
    // The built CLI passes the same fault points: the last one fails, one more is never reached.
    const last = newCase();
    const r1 = runCli(["pull", "--all", "--project", join(last, PROJECT)], {
      home: join(last, "home"),
      env: { SKILLSYNC_FAULT: `at=${faultCount}` },
    });
    expect(r1.code, explain(r1)).toBe(70);
    expect(r1.stderr).toContain(`(fault point ${faultCount})`);
    const past = newCase();
    const r2 = runCli(["pull", "--all", "--project", join(past, PROJECT)], {
      home: join(past, "home"),
      env: { SKILLSYNC_FAULT: `at=${faultCount + 1}` },
    });
    expect(r2.code, explain(r2)).toBe(0);
    expectFinished(past, "CLI run past the last fault point");
    rmSync(last, { recursive: true, force: true });
    rmSync(past, { recursive: true, force: true });
  });

  it("an injected error at each fault point leaves old-or-new, and a rerun finishes", async () => {
    const outcomes: string[] = [];
    for (let n = 1; n <= faultCount; n++) {
      let label = `error at fault point ${n}`;
      const dir = newCase();
      const e = await pullInProcess(dir, n);
      const m = /injected failure at (\S+) of (.*) \(fault point (\d+)\)/.exec(e?.message ?? "");
      expect(m?.[3], `${label}: ${e?.stack ?? "no error"}`).toBe(String(n));
      stepOf.set(n, `${m?.[1]} ${m?.[2]?.replace(dir, "")}`);
      label += ` (${stepOf.get(n)})`;
      const drift = await statusInProcess(dir);
      const atNew = expectOldOrNew(dir, label);
      expect(drift, `${label}: drift after recovery`).toBe(
        atNew === EDITED.length ? 0 : EDITED.length - atNew,
      );
      outcomes.push(`${n}:${atNew === 0 ? "old" : atNew === EDITED.length ? "new" : "mixed"}`);
      const again = await pullInProcess(dir);
      expect(again, `${label}: rerun`).toBeUndefined();
      expectFinished(dir, `${label}, after the rerun`);
      expect(await statusInProcess(dir), `${label}: drift after the rerun`).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
    // The transaction is all-or-nothing: no fault point leaves some artifacts new and others old.
    expect(outcomes.filter((o) => o.endsWith("mixed"))).toEqual([]);
  }, 240_000);

  it("a kill (SIGKILL) at a spread of fault points, incl. the commit point, leaves old-or-new, and a rerun finishes", async () => {
    // An even spread over all fault points, plus the commit point (writing the journal) and the step
    // right after it, when the error test has named them.
    const points = new Set<number>();
    for (let i = 0; i < KILL_POINTS; i++)
      points.add(1 + Math.round((i * (faultCount - 1)) / (KILL_POINTS - 1)));
    const journalAt = [...stepOf].find(([, s]) => s.startsWith("journal"))?.[0];
    if (journalAt)
      for (const n of [journalAt, journalAt + 3, journalAt + 5, journalAt + 6])
        if (n <= faultCount) points.add(n);
    expect(points.size).toBeGreaterThanOrEqual(Math.min(20, faultCount));
    const todo = [...points].sort((a, b) => a - b);
    const runOne = async (n: number) => {
      const label = `kill at fault point ${n} (${stepOf.get(n)})`;
      const dir = newCase();
      const home = join(dir, "home");
      const project = join(dir, PROJECT);
      const killed = await runCliAsync(["pull", "--all", "--project", project], {
        home,
        env: { SKILLSYNC_FAULT: `at=${n},action=kill` },
      });
      expect(killed.signal, `${label}: ${explain(killed)}`).toBe("SIGKILL");
      // A read command recovers (finishes a committed transaction, removes temp files).
      const status = await runCliAsync(["status", "--project", project, "--json"], { home });
      expect([0, 1], `${label}: status ${explain(status)}`).toContain(status.code);
      const atNew = expectOldOrNew(dir, label);
      const left = findNamed(home, fsm.TEMP_MARKER);
      if (left.length > 0) homeLeftovers.set(n, left);
      expect(status.code, `${label}: status exit`).toBe(atNew === EDITED.length ? 0 : 1);
      // The killed process's lock goes stale after proper-lockfile's stale time; pretend it passed.
      ageLocks(dir);
      // The rerun in this process (the same code the CLI runs) saves a process start per case.
      const again = await pullInProcess(dir);
      expect(again, `${label}: rerun`).toBeUndefined();
      expectFinished(dir, `${label}, after the rerun`);
      rmSync(dir, { recursive: true, force: true });
    };
    // Two at a time: each case has its own home and project.
    const queue = [...todo];
    let failed = false;
    const worker = async () => {
      for (let n = queue.shift(); n !== undefined && !failed; n = queue.shift()) {
        try {
          await runOne(n);
        } catch (e) {
          failed = true; // stop the other worker too, so nothing writes after the cleanup
          throw e;
        }
      }
    };
    const settled = await Promise.allSettled([worker(), worker()]);
    for (const r of settled) if (r.status === "rejected") throw r.reason;
    if (homeLeftovers.size > 0)
      console.info(
        `crash test: temp files left in $SKILLSYNC_HOME after a kill:\n${[...homeLeftovers]
          .map(([n, l]) => `  fault point ${n} (${stepOf.get(n)}): ${l.join(", ")}`)
          .join("\n")}`,
      );
  }, 240_000);

  it("a kill leaves no temp files in $SKILLSYNC_HOME either (objects/, snapshots/, journal/)", () => {
    expect([...homeLeftovers]).toEqual([]);
  });
});
