/**
 * The one place the CLI reaches into shared/whitelist, through its index: the function's own read, plan
 * and exactly-once write, and the ECS lookup the function passes its reconciler when ECS sync is on.
 */

export type {
  ChangeState,
  DryRunPlan,
  NewChange,
  Plan,
  ReconcilerDeps,
  WhitelistDeps,
  WhitelistSettings,
  WhitelistView,
} from '../shared/whitelist';
export {
  applyChanges,
  changeOf,
  changeStoreFor,
  freshChangeId,
  groupsOf,
  heldByEcs,
  parseHttpRequest,
  planChange,
  randomClientToken,
  readChange,
  readWhitelist,
  tokenChangeId,
  whitelistSettings,
} from '../shared/whitelist';
