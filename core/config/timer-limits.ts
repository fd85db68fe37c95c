/**
 * Node.js timers hold at most 2^31 − 1 ms (about 24.8 days): a longer setTimeout fires after 1 ms, with only a
 * warning. Every config duration is bounded by these limits in its schema, so `pluginTimeoutMs: 3000000000` is refused
 * with its path instead of timing every plugin out at once ("did not finish within 3000000000 ms").
 */

/** The longest duration, in ms, a config may set. */
export const MAX_TIMER_MS = 2_147_483_647;

/** MAX_TIMER_MS in whole seconds, for durations given in seconds. */
export const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);
