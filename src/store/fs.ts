/**
 * The one module that writes user data (DESIGN.md "Shape of the code"). Every write is
 * temp file + fsync + rename + fsync of the folder, so a reader or a crash sees the old or the new
 * bytes, never a mix. Several writes that must land together (an artifact, the lock file, the
 * deployment record) go through a {@link Transaction}: a redo journal makes them all-or-nothing
 * across a crash, and {@link recoverTransactions} finishes or discards an interrupted one.
 *
 * Tests make any write step fail or kill the process via `setFaultPlan` (fs-durable.ts, re-exported) or the environment
 * variable `SKILLSYNC_FAULT` (`at=N[,action=error|kill]`: the N-th fault point, counting from 1).
 */

import {
  chmodSync,
  closeSync,
  copyFileSync,
  fchmodSync,
  constants as fsConstants,
  promises as fsp,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { SkillsyncError } from "../core/errors.js";
import { randomBytes } from "../core/lazy-crypto.js";
import {
  faultPoint,
  fsyncPath,
  fsyncPathSync,
  inParallel,
  startWriteback,
  syncBatch,
  WRITE_CONCURRENCY,
  WRITEBACK_EVERY_FILES,
} from "./fs-durable.js";

export {
  type FaultPlan,
  faultPointsPassed,
  inParallel,
  memoryOnlyBatchCount,
  setBatchSyncThreshold,
  setFaultPlan,
  syncfsBatchCount,
  WRITE_CONCURRENCY,
  WRITEBACK_EVERY_FILES,
  type WriteStep,
} from "./fs-durable.js";

/** Marker in the names of temporary files and folders; anything carrying it is ours to clean up. */
export const TEMP_MARKER = ".skillsync-tmp-";

function tempNameFor(path: string, tag: string, dir = dirname(path)): string {
  return join(dir, `.${basename(path)}${TEMP_MARKER}${tag}`);
}

function newTag(): string {
  return `${process.pid}-${randomBytes(6).toString("hex")}`;
}

/** Tags of transactions in flight in this process (their temps and journals are not leftovers). */
const liveTags = new Set<string>();

/** A journal or marker older than this (ms) is recovered even if its pid now names a live process (pid reuse). */
const STALE_OWNER_MS = 60 * 60 * 1000;

/**
 * True when the process that made `tag` (`<pid>-<hex>`) may still be working on it: a transaction of
 * this process in flight, or another process that is still alive.
 */
function ownerAlive(tag: string): boolean {
  if (liveTags.has(tag)) return true;
  const pid = Number(tag.split("-")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Creates `dir` and its parents (no error when it exists). */
export async function ensureDir(dir: string): Promise<void> {
  faultPoint("mkdir", dir);
  await fsp.mkdir(dir, { recursive: true });
}

/**
 * Writes a temp file with exactly `mode`; fsyncs it unless `sync` is false (the caller then makes it
 * durable later with {@link syncBatch}, after writing a whole batch: see {@link Transaction.replaceDir}).
 */
async function writeTemp(tmp: string, data: Uint8Array | string, mode: number, sync = true): Promise<void> {
  faultPoint("write", tmp);
  const fh = await fsp.open(tmp, "w", mode);
  try {
    await fh.writeFile(data);
    // open's mode is filtered by the umask (and by a folder's default ACL), so the recorded mode is
    // set explicitly: skipping this when the umask allows was tried (issue 13) and dropped, since a
    // default ACL would then narrow the mode unnoticed.
    await fh.chmod(mode);
    if (sync) {
      faultPoint("fsync", tmp);
      await fh.sync();
    }
  } finally {
    await fh.close();
  }
}

/**
 * Writes the staged file `f` as the new temp `tmp` with exactly `f.mode`, on the calling thread: the
 * bytes from `f.data`, or (for a {@link FileToCopy}) copied by the kernel from `f.copyFrom`
 * (`copy_file_range`, no pass through this process's memory). The temp is created with `O_EXCL`, so
 * nothing already at that name is written through. Not fsynced: the caller's transaction makes the
 * batch durable before its commit point.
 *
 * Synchronous on purpose (issue 13): a deploy stages thousands of small files, and one thread making
 * the calls back to back was measured faster than libuv's thread pool (which adds a hand-off per call
 * and contends on the same folders' locks on a 2-core machine).
 * @throws SkillsyncError WRITE_FAILED on an injected fault, CONFLICT when the file to copy is gone,
 *   UNREADABLE when it cannot be read; Node's errors otherwise
 */
function writeStagedSync(tmp: string, f: FileToWrite): void {
  faultPoint("write", tmp);
  if ("copyFrom" in f) {
    try {
      copyFileSync(f.copyFrom, tmp, fsConstants.COPYFILE_EXCL);
    } catch (e) {
      throw copyError(f.copyFrom, e);
    }
    // The copy takes the source's permission bits (set with fchmod, so neither the umask nor a
    // default ACL narrows them): when they are the wanted ones, no chmod is needed.
    if (f.copyFromMode === undefined || (f.copyFromMode & 0o7777) !== f.mode) chmodSync(tmp, f.mode);
    return;
  }
  const fd = openSync(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, f.mode);
  try {
    let off = 0;
    while (off < f.data.byteLength) off += writeSync(fd, f.data, off, f.data.byteLength - off);
    // open's mode is filtered by the umask (and by a folder's default ACL), so the recorded mode is
    // set explicitly (see writeTemp).
    fchmodSync(fd, f.mode);
  } finally {
    closeSync(fd);
  }
}

/**
 * The error of a failed copy from `from`: CONFLICT when the source is gone (removed since planning),
 * UNREADABLE when it cannot be opened for reading, else the error as it is (the temp's side).
 */
function copyError(from: string, e: unknown): unknown {
  let fd: number | undefined;
  try {
    fd = openSync(from, fsConstants.O_RDONLY);
    return e;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR")
      return new SkillsyncError(
        "CONFLICT",
        `${from} changed while skillsync was working; nothing was written, run the command again`,
        { file: from },
      );
    return new SkillsyncError("UNREADABLE", `cannot read: ${code ?? String(err)}; check its permissions`, {
      file: from,
    });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Options for a single-file write. */
export interface WriteOptions {
  /** Permission bits, default `0o644`. */
  mode?: number;
  /**
   * Folder for the temp file (same file system as `path`), default beside `path`. The object store
   * writes all its temps into one folder so that leftovers of a kill are found with one `readdir`.
   */
  tempDir?: string;
}

/**
 * Writes `data` to `path` atomically: temp file beside it, fsync, rename over, fsync of the folder.
 * Creates missing parent folders. On failure the temp file is removed and `path` is untouched.
 * @throws SkillsyncError WRITE_FAILED on an injected fault; Node's errors otherwise
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  opts: WriteOptions = {},
): Promise<void> {
  await ensureDir(dirname(path));
  if (opts.tempDir) await ensureDir(opts.tempDir);
  const tag = newTag();
  const tmp = tempNameFor(path, tag, opts.tempDir);
  liveTags.add(tag); // a sweep in this process must not take the temp while it is being written
  try {
    await writeTemp(tmp, data, opts.mode ?? 0o644);
    faultPoint("rename", path);
    await fsp.rename(tmp, path);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  } finally {
    liveTags.delete(tag);
  }
  await fsyncPath(dirname(path), "fsync-dir");
}

/**
 * Writes `data` to `path` only when no file is there yet (content-addressed objects: the same name
 * always holds the same bytes, so an existing file is already right). Atomic like {@link writeFileAtomic}.
 * @returns true when the file was written
 */
export async function writeFileIfAbsent(
  path: string,
  data: Uint8Array | string,
  opts: WriteOptions = {},
): Promise<boolean> {
  if (await exists(path)) return false;
  await writeFileAtomic(path, data, opts);
  return true;
}

/** One file for {@link writeFilesIfAbsent}: final path, bytes, permission bits. */
export interface AbsentFile {
  path: string;
  data: Uint8Array | string;
  mode: number;
}

/**
 * {@link writeFileIfAbsent} for many files at once (object-store blobs), with durability batched:
 * every missing file is written to a temp in `tempDir`, all temps are made durable in one
 * {@link syncBatch}, then each is renamed to its path and the folders that received them are made
 * durable. Each file is atomic (temp + rename) and on the disk when this returns, as with one
 * {@link writeFileIfAbsent} each; a failure leaves no temp, and the files already renamed are complete.
 * @returns how many files were written
 * @throws SkillsyncError WRITE_FAILED on an injected fault; Node's errors otherwise
 */
export async function writeFilesIfAbsent(files: readonly AbsentFile[], tempDir: string): Promise<number> {
  const missing: AbsentFile[] = [];
  await inParallel(files, WRITE_CONCURRENCY, async (f) => {
    if (!(await exists(f.path))) missing.push(f);
  });
  if (missing.length === 0) return 0;
  if (missing.length === 1) {
    await writeFileAtomic(missing[0]!.path, missing[0]!.data, { mode: missing[0]!.mode, tempDir });
    return 1;
  }
  await ensureDir(tempDir);
  const tag = newTag();
  const temps = missing.map((f, i) => tempNameFor(f.path, `${tag}-${i}`, tempDir));
  const dirs = new Set<string>();
  liveTags.add(tag);
  try {
    for (const f of missing) {
      const d = dirname(f.path);
      if (!dirs.has(d)) {
        await ensureDir(d);
        dirs.add(d);
      }
    }
    await inParallel(missing, WRITE_CONCURRENCY, (f, i) => writeTemp(temps[i]!, f.data, f.mode, false));
    await syncBatch(temps, []);
    for (const [i, f] of missing.entries()) {
      faultPoint("rename", f.path);
      await fsp.rename(temps[i]!, f.path);
    }
  } catch (e) {
    await inParallel(temps, WRITE_CONCURRENCY, (t) => fsp.rm(t, { force: true }));
    throw e;
  } finally {
    liveTags.delete(tag);
  }
  await syncBatch([], [...dirs]);
  return missing.length;
}

/** Removes a file or folder tree (no error when absent). */
export async function removePath(path: string): Promise<void> {
  faultPoint("remove", path);
  await fsp.rm(path, { recursive: true, force: true });
}

/** {@link removePath} on the calling thread (a transaction's commit). */
function removePathSync(path: string): void {
  faultPoint("remove", path);
  rmSync(path, { recursive: true, force: true });
}

/** {@link exists} on the calling thread. */
function existsNow(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}

/** Sets permission bits on an existing file (e.g. `0o600` for a secret). */
export async function setMode(path: string, mode: number): Promise<void> {
  await fsp.chmod(path, mode);
}

/** True when something exists at `path` (a broken symlink counts). */
export async function exists(path: string): Promise<boolean> {
  try {
    await fsp.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** One file of a tree to write: relative path, bytes and permission bits. */
export interface BytesToWrite {
  path: string;
  data: Uint8Array;
  mode: number;
}

/**
 * One file of a tree to write by copying an existing file (a deploy copies the collection's files):
 * relative path, the file to copy, and the permission bits to give the copy. `copyFromMode`, when
 * given, is the source's permission bits as last seen (e.g. from the stat cache): equal to `mode`, the
 * copy needs no chmod of its own (the copy takes the source's bits). The bytes are those of
 * `copyFrom` when the copy is made, so the caller must not have looked at them before (it would then
 * write what it saw, as {@link BytesToWrite}).
 */
export interface FileToCopy {
  path: string;
  copyFrom: string;
  copyFromMode?: number;
  mode: number;
}

/** A file for {@link Transaction.replaceDir}: bytes in memory, or a file to copy. */
export type FileToWrite = BytesToWrite | FileToCopy;

/** One step of a transaction, as recorded in its journal. */
type JournalOp =
  | { op: "file"; tmp: string; final: string }
  | { op: "dir"; staged: string; final: string; old: string }
  | { op: "remove"; final: string; old: string };

interface Journal {
  version: 1;
  id: string;
  ops: JournalOp[];
}

/**
 * A set of writes that land together or not at all, even across a crash.
 *
 * Staged files are fsynced in one batch at commit, before the journal is written (issue 13: one fsync
 * round per transaction, not per file).
 *
 * Guarantees: before {@link Transaction.commit} returns nothing at a final path has changed, and every
 * staged temp is beside its final path; once the journal is written (the commit point) a crash is
 * rolled forward by {@link recoverTransactions}; an error before the commit point discards all temps.
 * Each final path sees one rename, so readers see the old or the new version of every file and folder.
 */
export class Transaction {
  private readonly ops: JournalOp[] = [];
  private readonly id = newTag();
  private done = false;
  /** Folders holding this transaction's temps, recorded in its marker for crash clean-up. */
  private readonly tempDirs = new Set<string>();
  /** Staged temp files and the folders holding them, not yet fsynced: {@link Transaction.commit} does it in one batch. */
  private readonly unsyncedFiles: string[] = [];
  private readonly unsyncedDirs = new Set<string>();
  /** Folders this transaction has made sure exist (each is created once, not once per artifact). */
  private readonly ensuredDirs = new Set<string>();
  /** Files staged since the last early write-back (see replaceDir). */
  private stagedSinceWriteback = 0;

  /** @param journalDir folder holding journals, normally `$SKILLSYNC_HOME/journal` */
  constructor(private readonly journalDir: string) {
    liveTags.add(this.id);
  }

  /**
   * Records `dir` in the marker `<journal>/<id>.pending` before a temp is created there, so that a
   * crash leaves a list of exactly where to look for this transaction's temps.
   */
  private async noteTempDir(dir: string): Promise<void> {
    if (this.tempDirs.has(dir)) return;
    this.tempDirs.add(dir);
    await this.writeMarker();
  }

  /**
   * Writes the marker (fsynced, atomic). It always lists the journal folder too, where
   * {@link Transaction.commit} stages the journal as a temp before its commit point.
   */
  private async writeMarker(): Promise<void> {
    this.tempDirs.add(this.journalDir);
    await writeFileAtomic(join(this.journalDir, `${this.id}.pending`), JSON.stringify([...this.tempDirs]));
  }

  /**
   * Records up front the folders this transaction will stage temps in, in one marker write, where
   * staging in each new folder would rewrite and fsync the marker once more (issue 13: a deploy stages
   * in the agent's skills folder and then beside the deployment record). Optional: a folder not named
   * here is still recorded before its first temp; naming one that gets no temp costs nothing at recovery.
   */
  async expectTempDirs(dirs: Iterable<string>): Promise<void> {
    const before = this.tempDirs.size;
    for (const d of dirs) this.tempDirs.add(d);
    if (this.tempDirs.size > before) await this.writeMarker();
  }

  /** Creates `dir` and its parents unless this transaction has already done so. */
  private ensureDirOnce(dir: string): void {
    if (this.ensuredDirs.has(dir)) return;
    faultPoint("mkdir", dir);
    mkdirSync(dir, { recursive: true });
    this.ensuredDirs.add(dir);
  }

  private finish(): void {
    liveTags.delete(this.id);
    if (this.tempDirs.size > 0) rmSync(join(this.journalDir, `${this.id}.pending`), { force: true });
  }

  /** Stages a whole-file write of `final`. */
  async stageFile(final: string, data: Uint8Array | string, mode = 0o644): Promise<void> {
    this.ensureDirOnce(dirname(final));
    await this.noteTempDir(dirname(final));
    const tmp = tempNameFor(final, this.id);
    this.ops.push({ op: "file", tmp, final });
    await writeTemp(tmp, data, mode, false);
    this.unsyncedFiles.push(tmp);
    this.unsyncedDirs.add(dirname(final));
  }

  /**
   * Stages the replacement of folder `final` by exactly `files` (relative paths, already validated).
   * The new folder is built beside it and swapped in at commit.
   */
  async replaceDir(final: string, files: readonly FileToWrite[]): Promise<void> {
    this.ensureDirOnce(dirname(final));
    await this.noteTempDir(dirname(final));
    const staged = tempNameFor(final, `${this.id}-new`);
    const old = tempNameFor(final, `${this.id}-old`);
    this.ops.push({ op: "dir", staged, final, old });
    // The staged folder is new (its name carries this transaction's tag), so everything below is
    // created on this thread, back to back (see writeStagedSync).
    faultPoint("mkdir", staged);
    mkdirSync(staged, { recursive: true });
    const made = new Set<string>([staged]);
    const paths = files.map((f) => join(staged, ...f.path.split("/")));
    for (const p of paths) {
      const parent = dirname(p);
      if (!made.has(parent)) {
        faultPoint("mkdir", parent);
        mkdirSync(parent, { recursive: true });
        made.add(parent);
      }
    }
    // Batched durability (issue 13): the files are only written here; commit() makes every file and
    // folder of the whole transaction durable at once, before its commit point (see there).
    for (const [i, f] of files.entries()) writeStagedSync(paths[i]!, f);
    for (const p of paths) this.unsyncedFiles.push(p);
    for (const d of made) this.unsyncedDirs.add(d);
    this.unsyncedDirs.add(dirname(final));
    // A large transaction: the disk starts writing what is staged while the rest is staged, so that
    // the syncfs before the commit point has less left to wait for. (Staging does not yield to the
    // event loop, so whether an earlier write-back has finished is not known here: one each time.)
    this.stagedSinceWriteback += files.length;
    if (this.stagedSinceWriteback >= WRITEBACK_EVERY_FILES) {
      this.stagedSinceWriteback = 0;
      startWriteback(dirname(final));
    }
  }

  /** Stages the removal of a file or folder at `final`. */
  async remove(final: string): Promise<void> {
    await this.noteTempDir(dirname(final));
    this.ops.push({ op: "remove", final, old: tempNameFor(final, `${this.id}-old`) });
  }

  /**
   * Stages `final` as a symbolic link to `target` (relative to the link's folder, as `ln -s` takes it),
   * replacing whatever is there (a folder, a file or another link) at commit, like
   * {@link Transaction.replaceDir}: the link is made beside it and renamed over at the commit point.
   */
  async stageSymlink(final: string, target: string): Promise<void> {
    this.ensureDirOnce(dirname(final));
    await this.noteTempDir(dirname(final));
    const staged = tempNameFor(final, `${this.id}-new`);
    const old = tempNameFor(final, `${this.id}-old`);
    this.ops.push({ op: "dir", staged, final, old });
    faultPoint("write", staged);
    await fsp.symlink(target, staged);
    this.unsyncedDirs.add(dirname(final));
  }

  /** True when nothing is staged. */
  get empty(): boolean {
    return this.ops.length === 0;
  }

  /**
   * The commit point: writes the journal, then applies every staged op, then deletes the journal.
   * @throws whatever a step throws; after the journal is written, {@link recoverTransactions} completes it
   */
  async commit(): Promise<void> {
    if (this.done) throw new SkillsyncError("INTERNAL", "transaction committed twice");
    this.done = true;
    if (this.ops.length === 0) {
      this.finish();
      return;
    }
    // Every staged byte and directory entry reaches the disk before the commit point, in one batch
    // per transaction (syncBatch: fsyncs in flight together, or one syncfs for a large batch). The
    // journal is staged as a temp (in a folder the marker lists) and made durable in the same batch;
    // renaming it into place, then fsyncing its folder, is the commit point. A crash before that
    // leaves only temps, which recovery removes; after it, every temp is durable and recovery rolls
    // the journal forward.
    const journal: Journal = { version: 1, id: this.id, ops: this.ops };
    const jpath = join(this.journalDir, `${this.id}.json`);
    const jtmp = tempNameFor(jpath, this.id);
    await this.noteTempDir(this.journalDir);
    faultPoint("journal", jpath);
    this.ensureDirOnce(this.journalDir);
    writeStagedSync(jtmp, { path: basename(jpath), data: Buffer.from(JSON.stringify(journal)), mode: 0o644 });
    // Everything staged sits directly in, or in new folders below, the marker's folders that got a temp.
    const roots = [this.journalDir, ...[...this.unsyncedDirs].filter((d) => this.tempDirs.has(d))];
    await syncBatch([...this.unsyncedFiles, jtmp], [...this.unsyncedDirs], roots);
    faultPoint("rename", jpath);
    renameSync(jtmp, jpath);
    fsyncPathSync(this.journalDir, "fsync-dir");
    // The commit phase runs on this thread, call after call: each step waits for the one before
    // anyway, and a deploy renames a few hundred folders (issue 13: one pool round trip per lstat and
    // rename made it ~0.1 s of waiting).
    applyJournal(journal);
    removePathSync(jpath);
    this.finish();
  }

  /** Discards every staged temp; nothing at a final path changes. Safe to call after a failed step. */
  async abort(): Promise<void> {
    if (this.done) {
      liveTags.delete(this.id);
      return;
    }
    this.done = true;
    for (const op of this.ops) {
      if (op.op === "file") await fsp.rm(op.tmp, { force: true });
      if (op.op === "dir") await fsp.rm(op.staged, { recursive: true, force: true });
    }
    this.finish();
  }
}

/**
 * Applies a committed journal; idempotent, so a crash at any point can be recovered by rerunning it.
 * Synchronous: see {@link Transaction.commit}.
 */
function applyJournal(j: Journal): void {
  const dirsToSync = new Set<string>();
  for (const op of j.ops) {
    if (op.op === "file") {
      if (existsNow(op.tmp)) {
        faultPoint("rename", op.final);
        renameSync(op.tmp, op.final);
      }
    } else if (op.op === "dir") {
      if (existsNow(op.staged)) {
        if (existsNow(op.final) && !existsNow(op.old)) {
          faultPoint("rename", op.final);
          renameSync(op.final, op.old);
        }
        faultPoint("rename", op.staged);
        renameSync(op.staged, op.final);
      }
    } else if (existsNow(op.final)) {
      faultPoint("rename", op.final);
      renameSync(op.final, op.old);
    }
    dirsToSync.add(dirname(op.final));
  }
  for (const op of j.ops) if (op.op !== "file") removePathSync(op.old);
  for (const d of dirsToSync) if (existsNow(d)) fsyncPathSync(d, "fsync-dir");
}

/**
 * Finishes or discards every transaction left behind in `journalDir` by a process that is gone (a
 * crash or a kill): a committed one (its journal exists) is rolled forward; then the temps it staged
 * are removed from the folders its marker lists. Transactions of live processes are left alone, so
 * this is safe to call while another skillsync process works. Call before reading the collection or a
 * project.
 * @returns how many transactions were recovered (rolled forward or cleaned up)
 */
export async function recoverTransactions(journalDir: string): Promise<number> {
  let names: string[];
  try {
    names = await fsp.readdir(journalDir);
  } catch {
    return 0;
  }
  const tags = new Set<string>();
  for (const name of names) {
    const m = /^(\d+-[0-9a-f]+)\.(json|pending)$/.exec(name);
    if (m) tags.add(m[1]!);
  }
  let n = 0;
  for (const tag of tags) {
    const jpath = join(journalDir, `${tag}.json`);
    const mpath = join(journalDir, `${tag}.pending`);
    if (ownerAlive(tag)) {
      const st = await fsp.stat(names.includes(`${tag}.json`) ? jpath : mpath).catch(() => undefined);
      if (!st || Date.now() - st.mtimeMs < STALE_OWNER_MS) continue;
    }
    if (names.includes(`${tag}.json`)) {
      let j: Journal | undefined;
      try {
        j = JSON.parse(await fsp.readFile(jpath, "utf8")) as Journal;
      } catch {
        j = undefined; // unreadable: leave it for a human
      }
      if (j?.version !== 1 || !Array.isArray(j.ops)) continue;
      applyJournal(j);
      removePathSync(jpath);
    }
    let dirs: string[] = [];
    try {
      dirs = JSON.parse(await fsp.readFile(mpath, "utf8")) as string[];
    } catch {
      dirs = [];
    }
    for (const d of dirs) await removeTempsOf(d, tag);
    await fsp.rm(mpath, { force: true });
    n++;
  }
  return n;
}

/** Removes the temps of transaction `tag` directly inside `dir`. */
async function removeTempsOf(dir: string, tag: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fsp.readdir(dir);
  } catch {
    return;
  }
  for (const e of entries)
    if (e.includes(`${TEMP_MARKER}${tag}`)) await fsp.rm(join(dir, e), { recursive: true, force: true });
}

/**
 * Removes leftovers of interrupted writes (names containing {@link TEMP_MARKER}) of processes that are
 * gone, directly inside `dir` and, for folders, down to `depth` levels. A full sweep for repair tools:
 * normal commands rely on {@link recoverTransactions}, which knows where each transaction staged its
 * temps. Only call after {@link recoverTransactions}: a committed transaction's temps are still
 * needed until it is rolled forward.
 * @returns the paths removed
 */
export async function sweepTemps(dir: string, depth = 2): Promise<string[]> {
  const removed: string[] = [];
  let entries: import("node:fs").Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return removed;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.name.includes(TEMP_MARKER)) {
      const tag = /^(\d+-[0-9a-f]+)/.exec(
        e.name.slice(e.name.indexOf(TEMP_MARKER) + TEMP_MARKER.length),
      )?.[1];
      if (tag && ownerAlive(tag)) continue;
      await fsp.rm(p, { recursive: true, force: true });
      removed.push(p);
    } else if (e.isDirectory() && depth > 1 && e.name !== ".git" && e.name !== "node_modules") {
      removed.push(...(await sweepTemps(p, depth - 1)));
    }
  }
  return removed;
}
