/**
 * shared/whitelist's public API, for other folders (the function, the CLI, lockdown, the bench). Names here
 * stay stable; a folder's own tests import its files by path.
 *
 * - `whitelistHandler(trigger, context)`: the whitelist function's job for one decoded trigger.
 * - `planChange(deps, change, {waitActive})`: the seed's rules and guardrails against the instance's
 *   current whitelist; no write (a dry run).
 * - `applyChanges(deps, changes, {wait, onConflict})`: record changes (idempotent by id) and have them
 *   applied exactly once by the instance's reconciler, waiting for the outcome when `wait`.
 * - `readWhitelist(deps, instanceId)`, `readChange(deps, instanceId, changeId)`, `groupsOf(instance)`: reads.
 * - `changeOf`, `parseHttpRequest`: a validated request as a change; `tokenChangeId`, `freshChangeId`,
 *   `randomClientToken`, `clientTokenFor`: change ids and client tokens.
 * - `whitelistSettings`, `changeStoreFor`, `heldByEcs`: settings, the Tablestore change store and the ECS
 *   lookup of a deployment (what the CLI builds a reconciler from, as the function does).
 * - `assertEntryAllowed`, `assertSizeAllowed`, `assertTotalAllowed`: the guardrails, for lockdown's plan.
 */

export { changeStoreFor } from './deps';
export { heldByEcs } from './fold';
export { assertEntryAllowed, assertSizeAllowed, assertTotalAllowed } from './guardrails';
export { whitelistHandler } from './handler';
export type { ReconcilerDeps } from './reconciler';
export type { NewChange, Plan } from './records';
export { freshChangeId, tokenChangeId } from './records';
export { changeOf, parseHttpRequest } from './requests';
export type { Plan as DryRunPlan, WhitelistDeps } from './service';
export { clientTokenFor, planChange, randomClientToken, readWhitelist } from './service';
export type { WhitelistSettings } from './settings';
export { whitelistSettings } from './settings';
export type { ChangeState } from './submit';
export { readChange, submitChanges as applyChanges } from './submit';
export type { WhitelistView } from './view';
export { groupsOf } from './view';
