/** The package version, as printed by `--version`. */
export { VERSION_STRING as VERSION } from "../sync/version.js";
