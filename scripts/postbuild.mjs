// After tsc: bundle the CLI into dist/cli/main.js (+ chunks), make it executable, then build the web
// UI when its build script exists.
import { chmodSync, existsSync, readdirSync, rmSync } from "node:fs";

const cliDir = new URL("../dist/cli/", import.meta.url);
for (const f of existsSync(cliDir) ? readdirSync(cliDir) : [])
  if (f.startsWith("chunk-") || f.startsWith("vendor-")) rmSync(new URL(f, cliDir));
await import(new URL("./bundle-cli.mjs", import.meta.url).href);

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (existsSync(entry)) chmodSync(entry, 0o755);
const web = new URL("./build-web.mjs", import.meta.url);
if (existsSync(web)) await import(web.href);
