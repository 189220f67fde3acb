import { describe, expect, it } from "vitest";
import { SkillsyncError } from "../core/errors.js";
import { gitAuthFor, runGit, scrubSecrets } from "./git.js";

process.env.GIT_CONFIG_GLOBAL = "/dev/null";
process.env.GIT_CONFIG_NOSYSTEM = "1";

describe("runGit", () => {
  it("turns a failure into a GIT error (exit 3) without the credentials of the URL", async () => {
    // Port 9 on localhost refuses at once: no network involved.
    const err = await runGit(["ls-remote", "http://bob:hunter2-secret@127.0.0.1:9/x.git"], {
      timeoutMs: 20_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SkillsyncError);
    const e = err as SkillsyncError;
    expect(e.code).toBe("GIT");
    expect(e.exitCode).toBe(3);
    expect(e.message).toMatch(/^git ls-remote http:\/\/\*\*\*@127\.0\.0\.1:9\/x\.git failed: /);
    expect(JSON.stringify({ m: e.message, d: e.details })).not.toMatch(/hunter2/);
  });

  it("returns stdout on success", async () => {
    expect((await runGit(["--version"])).stdout).toMatch(/^git version \d+/);
  });
});

describe("scrubSecrets", () => {
  it("hides URL credentials and secrets but keeps ssh's git@", () => {
    expect(scrubSecrets("https://u:pw@h/x https://ghp_tok@h/y ssh://git@h/z")).toBe(
      "https://***@h/x https://***@h/y ssh://git@h/z",
    );
    expect(scrubSecrets("token tok-12345 and abc", ["tok-12345", "abc"])).toBe("token *** and abc");
  });
});

describe("tokens", () => {
  it("hands an HTTPS token to git through the environment only, and scrubs it", () => {
    const auth = gitAuthFor("https://example.com/acme/codex.git", "CODEX_TOKEN", {
      CODEX_TOKEN: "tok-123456",
    });
    expect(auth.env.GIT_CONFIG_KEY_0).toBe("http.extraHeader");
    expect(auth.env.GIT_CONFIG_VALUE_0).toBe(
      `Authorization: Basic ${Buffer.from("x-access-token:tok-123456").toString("base64")}`,
    );
    expect(auth.secrets).toContain("tok-123456");
    expect(
      gitAuthFor("git@example.com:acme/codex.git", "CODEX_TOKEN", { CODEX_TOKEN: "tok-123456" }).env,
    ).toEqual({});
    expect(gitAuthFor("https://example.com/x.git", "MISSING", {})).toEqual({ env: {}, secrets: [] });
  });
});
