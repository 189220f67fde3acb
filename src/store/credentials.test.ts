import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { skillsyncErrorOf } from "../../test/helpers/errors.js";
import { credentialsModeProblem, readCredentials, writeCredentials } from "./credentials.js";

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "creds-"));
  file = join(dir, "credentials.toml");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const errorOf = skillsyncErrorOf;

describe("credentials.toml", () => {
  it("is empty when absent, and round-trips through a 0600 write", async () => {
    expect(readCredentials(file)).toEqual({ remotes: {} });
    await writeCredentials(file, { remotes: { work: { token: "t0k", user: "alice" } } });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toContain("version = 1");
    expect(readCredentials(file)).toEqual({ remotes: { work: { token: "t0k", user: "alice" } } });
  });

  it.skipIf(process.platform === "win32")(
    "refuses a file group or others can read, like ssh, naming the fix",
    () => {
      writeFileSync(file, 'version = 1\n[remotes.work]\ntoken = "t0k"\n', { mode: 0o600 });
      chmodSync(file, 0o644);
      const e = errorOf(() => readCredentials(file));
      expect(e.code).toBe("INVALID_CONFIG");
      expect(e.message).toContain("mode 0644");
      expect(e.message).toContain(`chmod 600 ${file}`);
      chmodSync(file, 0o640);
      expect(credentialsModeProblem(file)).toContain("0640");
      // a caller that rewrites the file at 0600 may still read it
      expect(readCredentials(file, { allowOpenMode: true }).remotes.work?.token).toBe("t0k");
      chmodSync(file, 0o600);
      expect(credentialsModeProblem(file)).toBeUndefined();
    },
  );

  it("rejects bad fields and newer versions with one line naming the file", () => {
    writeFileSync(file, "[remotes.work]\ntoken = 5\n", { mode: 0o600 });
    const bad = errorOf(() => readCredentials(file));
    expect(bad.code).toBe("INVALID_CONFIG");
    expect(bad.file).toBe(file);
    expect(bad.message).toContain("remotes.work.token");
    writeFileSync(file, "version = 9\n", { mode: 0o600 });
    expect(errorOf(() => readCredentials(file)).code).toBe("UNSUPPORTED_VERSION");
    writeFileSync(file, "remotes = [", { mode: 0o600 });
    expect(errorOf(() => readCredentials(file)).message).toContain("not valid TOML");
  });
});
