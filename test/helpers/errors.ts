/**
 * The SkillsyncError a call throws, for asserting its code and message.
 */
import { SkillsyncError } from "../../src/core/errors.js";

/**
 * Runs `fn` and returns the SkillsyncError it throws.
 * @throws the error itself when it is not a SkillsyncError; an Error when nothing is thrown
 */
export function skillsyncErrorOf(fn: () => unknown): SkillsyncError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SkillsyncError) return e;
    throw e;
  }
  throw new Error("expected a SkillsyncError, nothing was thrown");
}
