/**
 * Imported first by every benchmark file: takes NODE_EXTRA_CA_CERTS out of this process's
 * environment, so that no Node process a benchmark starts (skillsync, `node -e 0`, the load
 * generators) inherits it.
 *
 * Why: Node 20 reads that file of extra certificates, and builds its whole root store with it, at every
 * start, before any JavaScript runs (`node::crypto::UseExtraCaCerts` from
 * `InitializeOncePerProcess`): ~50 ms of CPU per process for the ~140 certificates of
 * /etc/ssl/certs/ca-certificates.crt, which this machine's environment names. Node 22 reads it when
 * TLS first needs it. Left in, it inflated every skillsync time by ~50 ms next to git, and every
 * `node -e 0` reference alike (which made skillsync's start-up ratios look better than they are). The
 * start-up benchmark prints what it costs where it is set ({@link EXTRA_CA_CERTS}).
 */
/** NODE_EXTRA_CA_CERTS as this process got it (undefined when unset). */
export const EXTRA_CA_CERTS = process.env.NODE_EXTRA_CA_CERTS || undefined;
delete process.env.NODE_EXTRA_CA_CERTS;
