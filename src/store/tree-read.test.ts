import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers/temp.js";
import { readTree } from "./tree-read.js";

let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe("readTree during an editor's atomic saves", () => {
  it("reads a file listed but gone when opened as removed, instead of failing", async () => {
    const dir = join(tempDir().path, "skill");
    mkdirSync(dir);
    for (let i = 0; i < 40; i++) writeFileSync(join(dir, `f${i}.md`), `${i}\n`);
    // Another process saves every file the way editors do: write `x.swp`, rename it over `x`.
    const saver = spawn(process.execPath, [
      "-e",
      `const fs=require("fs"),p=require("path");const d=${JSON.stringify(dir)};let n=0;
       process.stdout.write("ready\\n");
       for(;;){for(let i=0;i<40;i++){const f=p.join(d,"f"+i+".md");fs.writeFileSync(f+".swp",String(n++));fs.renameSync(f+".swp",f);}}`,
    ]);
    stop = () => saver.kill("SIGKILL");
    await new Promise<void>((ok) => saver.stdout.once("data", () => ok()));
    const failures: string[] = [];
    for (let round = 0; round < 400; round++) {
      try {
        const tree = readTree({ path: dir, form: "folder" });
        expect(tree?.entries.filter((e) => !e.path.endsWith(".swp"))).toHaveLength(40);
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
    expect(failures).toEqual([]);
  });
});
