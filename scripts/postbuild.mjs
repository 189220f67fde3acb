// After tsc: bundle the CLI into dist/cli/main.cjs (+ chunks), make it executable, then build the web
// UI when its build script exists.
import { chmodSync, existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";

const cliDir = new URL("../dist/cli/", import.meta.url);
for (const f of existsSync(cliDir) ? readdirSync(cliDir) : [])
  if (f.startsWith("chunk-") || f.startsWith("vendor-")) rmSync(new URL(f, cliDir));
await import(new URL("./bundle-cli.mjs", import.meta.url).href);

const entry = new URL("../dist/cli/main.cjs", import.meta.url);
if (existsSync(entry)) chmodSync(entry, 0o755);
// `dist/cli/main.js` (tsc's unbundled entry, which the bundle used to replace) becomes a shim that
// runs the bundle, so a script or service file that names the old path keeps working (~6 ms slower:
// it boots the ES module loader for itself). The package's bin is main.cjs.
const shim = new URL("../dist/cli/main.js", import.meta.url);
writeFileSync(
  shim,
  '#!/usr/bin/env node\n// The skillsync CLI is dist/cli/main.cjs (scripts/postbuild.mjs); this path runs it.\nimport { createRequire } from "node:module";\ncreateRequire(import.meta.url)("./main.cjs");\n',
);
chmodSync(shim, 0o755);
const web = new URL("./build-web.mjs", import.meta.url);
if (existsSync(web)) await import(web.href);
