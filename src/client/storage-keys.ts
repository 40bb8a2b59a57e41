/**
 * The names under which the site keeps what a reader did in this browser's localStorage, for the
 * few lines every page loads (`incident/incident-boot.ts`, `walkthrough-boot.ts`) to tell, without
 * loading the code that reads them, whether there is anything to show.
 */

/**
 * The incident events this browser recorded and no bridge has taken yet (`incident/store.ts`):
 * present only while there are some.
 */
export const INCIDENT_STORAGE_KEY = 'opsbook-incident';

/** Each walkthrough's progress, under this prefix and the page's path (`walkthrough-state.ts`). */
export const WALK_PREFIX = 'opsbook-walk:';
