/**
 * Where a browser keeps the incident events it recorded and no bridge has taken yet
 * (`store.ts`): present only while there are some, so the header can tell without loading the
 * store whether this browser holds an incident.
 */
export const INCIDENT_STORAGE_KEY = 'opsbook-incident';
