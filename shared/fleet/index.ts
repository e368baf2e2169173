/**
 * shared/fleet's public API, for other folders (the function, the CLI, the bench). A folder's own tests
 * import its files by path.
 *
 * - `handleFleetTrigger(trigger, context)`: the rotate-fleet function's job for one decoded trigger.
 * - `FleetSummary`: what one run found and did, as its HTTP answer and `fleet.summary` record carry it.
 * - `listTagged(es, tag, deadline)`: the instances carrying the fleet's tag (ListInstance, every page).
 */

export { handleFleetTrigger } from './handler';
export { listTagged } from './inventory';
export type { FleetSummary } from './summary';
