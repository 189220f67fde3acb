// Before tsc: empty dist/, so files of moved or deleted modules do not survive a rebuild (a stale
// dist/ module once failed the architecture test locally while a clean clone passed).
import { rmSync } from "node:fs";

rmSync(new URL("../dist/", import.meta.url), { recursive: true, force: true });
