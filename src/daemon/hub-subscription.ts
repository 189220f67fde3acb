/**
 * The daemon's hub subscription: one {@link watchHub} per configured remote, with the token from
 * credentials.toml (read through `store/credentials.ts`; an invalid or group/world-readable file is
 * logged and the remotes are watched without a token). A hub change asks for a `hub:NAME` sync.
 */
import { readCredentials } from "../store/credentials.js";
import { type HubWatch, watchHub } from "./hub-watch.js";
import { type DaemonRuntime, emit, iso, type RequestAuto } from "./runtime.js";

/** The hub watches of one daemon. */
export interface HubSubscription {
  /** (Re)starts one watch per remote of the live config, re-reading the credentials. */
  start(): void;
  stop(): void;
}

/** The hub tokens by remote; an invalid or open credentials file is logged and ignored (no tokens). */
function hubTokens(rt: DaemonRuntime): Record<string, { token?: string }> {
  try {
    return readCredentials(rt.paths.credentials).remotes;
  } catch (e) {
    rt.log.error("credentials not used", { error: (e as Error).message });
    return {};
  }
}

/** Builds the subscription; nothing is watched before `start()`. */
export function createHubSubscription(
  rt: DaemonRuntime,
  parts: { requestAuto: RequestAuto },
): HubSubscription {
  let hubs: HubWatch[] = [];
  const stop = () => {
    for (const h of hubs) h.stop();
    hubs = [];
  };
  return {
    start() {
      stop();
      const creds = hubTokens(rt);
      for (const [remote, r] of Object.entries(rt.config.remotes)) {
        hubs.push(
          watchHub({
            remote,
            url: r.url,
            token: creds[remote]?.token,
            pollIntervalMs: () => rt.config.daemon.poll_interval * 1000,
            log: rt.log,
            timers: rt.timers,
            onChange: (info) => {
              rt.log.info("hub change", { remote, cursor: info.cursor });
              emit(rt, { type: "hub-change", at: iso(rt.timers.now()), remote });
              parts.requestAuto(`hub:${remote}`);
            },
          }),
        );
      }
    },
    stop,
  };
}
