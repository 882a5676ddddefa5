/** Public surface of src/watch: following a run live (`metatrain watch`) from NATS events or status polling. */
export { DEFAULT_QUIET_MS, quietNotice, watchNats } from './watch-nats';
export { watchStatus, statusChanges } from './watch-status';
export { statusClient } from './status-client';
export { formatWatchEvent } from './watch-format';
export { endOf, TERMINAL_PHASES } from './watch-event';
export type { PhaseEntered, StatusClient, StatusSnapshot } from './status-client';
export type { StatusWatchOptions } from './watch-status';
export type { NatsWatchOptions } from './watch-nats';
export type { WatchEnd, WatchEvent } from './watch-event';
