// After tsc: make the CLI entry executable, then build the web UI when its build script exists.
import { chmodSync, existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (existsSync(entry)) chmodSync(entry, 0o755);
const web = new URL("./build-web.mjs", import.meta.url);
if (existsSync(web)) await import(web.href);
