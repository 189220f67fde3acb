/**
 * Classifying a changed path by the config's `daemon.triggers` (glob + priority) and
 * `daemon.exclusions` (globs). Globs are picomatch globs over the path relative to the watched root
 * (collection or project), `/`-separated, dot-files included.
 */
import picomatch from "picomatch";
import type { Config } from "../store/config.js";

/** A trigger's priority: `high` syncs after the debounce, `medium` once `min_changes` accumulated, `low` marks pending. */
export type Priority = "high" | "medium" | "low";

const RANK: Record<Priority, number> = { low: 0, medium: 1, high: 2 };

/** The higher of two priorities. */
export function maxPriority(a: Priority | undefined, b: Priority): Priority {
  return a === undefined || RANK[b] > RANK[a] ? b : a;
}

/** Classifies relative paths. */
export interface Classifier {
  /** The priority of `rel`, or undefined when no trigger matches or an exclusion does. */
  classify(rel: string): Priority | undefined;
  /** True when an exclusion matches `rel` (used to skip whole folders while watching). */
  excluded(rel: string): boolean;
}

/** Builds a classifier from `config.daemon`. When several triggers match, the highest priority wins. */
export function createClassifier(daemon: Config["daemon"]): Classifier {
  const opts = { dot: true };
  const triggers = daemon.triggers.map((t) => ({ match: picomatch(t.pattern, opts), priority: t.priority }));
  const exclusions = daemon.exclusions.map((p) => picomatch(p, opts));
  const excluded = (rel: string) => exclusions.some((m) => m(rel) || m(`${rel}/`));
  return {
    excluded,
    classify(rel) {
      if (rel === "" || excluded(rel)) return undefined;
      let best: Priority | undefined;
      for (const t of triggers) if (t.match(rel)) best = maxPriority(best, t.priority);
      return best;
    },
  };
}
