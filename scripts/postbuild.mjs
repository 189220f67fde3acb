// Makes the built CLI entry executable (npm also does this for bins, but a plain build should run too).
import { chmodSync, existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (existsSync(entry)) chmodSync(entry, 0o755);
