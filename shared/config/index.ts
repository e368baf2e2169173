/**
 * Deployment settings read from the environment: typed setting readers that fail with `ConfigError`,
 * the instance allow-list, and each cloud service's endpoint for the function's region.
 */
export { allowedInstanceIds, assertInstanceAllowed, isInstanceAllowed } from './allow-list';
export type { Service } from './endpoints';
export { endpointFor, regionOf } from './endpoints';
export { ConfigError } from './errors';
export type { Env } from './settings';
export { boolSetting, intSetting, listSetting, stringSetting } from './settings';
