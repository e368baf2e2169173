import type { EcsApi } from '../api';
import { EsGuardError } from '../errors';
import { RuleViolationError } from './errors';
import { assertEntryAllowed, assertSizeAllowed, assertTotalAllowed } from './guardrails';
import { applyChange, type Groups, type Outcome as RuleOutcome } from './model';
import type { ChangeSpec, Outcome, Plan, StoredChange } from './records';
import type { WhitelistSettings } from './settings';
import { tolerantCanonical } from './view';

/** Looks up which of the given private addresses an ECS instance (not Deleted) still holds. */
export type HeldAddresses = (addresses: readonly string[]) => Promise<ReadonlySet<string>>;

export interface FoldResult {
  readonly groups: Groups;
  /** Per change id, in the order applied. */
  readonly outcomes: ReadonlyMap<string, Outcome>;
  /** Groups whose final state differs from the start: the writes (null deletes the group). */
  readonly writes: readonly { readonly groupName: string; readonly ips: readonly string[] | null }[];
}

/**
 * The order of application: when a change was first recorded, then its id. Level-triggered: whatever is
 * pending when the instance is writable is applied in this order on top of what the instance holds.
 */
export function applicationOrder(a: StoredChange, b: StoredChange): number {
  return a.recordedAt - b.recordedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

const total = (groups: Groups): number => [...groups.values()].reduce((n, ips) => n + ips.length, 0);

function refusal(error: unknown): Outcome {
  if (error instanceof RuleViolationError)
    return {
      state: 'refused',
      status: error.code === 'NotFound' ? 404 : 400,
      code: error.code === 'NotFound' ? 'NotFound' : 'InvalidParameter',
      message: `${error.message} (${error.rule})`,
    };
  if (error instanceof EsGuardError) return { state: 'refused', status: error.status, code: error.code, message: error.message };
  throw error;
}

function planOf(instanceId: string, spec: ChangeSpec, r: RuleOutcome, before: readonly string[] | undefined): Plan {
  const after = r.groups.get(r.groupName);
  const modifyMode =
    spec.kind === 'request'
      ? spec.mode
      : spec.kind === 'ecs-running'
        ? before === undefined
          ? 'Cover'
          : 'Append'
        : after === undefined
          ? 'Cover'
          : 'Delete';
  return {
    instanceId,
    modifyMode,
    form: spec.kind === 'request' && spec.target.kind === 'list' ? 'privateNetworkIpWhiteList' : 'whiteIpGroup',
    groupName: r.groupName,
    added: r.added,
    removed: r.removed,
    groupCreated: r.groupCreated,
    groupDeleted: r.groupDeleted,
    before: before ?? null,
    after: after ?? null,
    noop: r.added.length === 0 && r.removed.length === 0 && !r.groupCreated && !r.groupDeleted,
  };
}

/** One change on `groups` with the seed's rules and the guardrails, as the service would see it alone. */
async function applyOne(
  groups: Groups,
  spec: ChangeSpec,
  settings: WhitelistSettings,
  held: HeldAddresses | undefined,
): Promise<RuleOutcome> {
  switch (spec.kind) {
    case 'request':
      if (spec.mode !== 'Delete') for (const ip of spec.ips) assertEntryAllowed(ip, settings);
      return applyChange(groups, spec);
    case 'ecs-running': {
      for (const ip of spec.ips) assertEntryAllowed(ip, settings);
      const target = { kind: 'group' as const, groupName: spec.groupName };
      // The synced group is created by the first Running instance (Cover), then appended to.
      return applyChange(groups, { mode: groups.has(spec.groupName) ? 'Append' : 'Cover', target, ips: spec.ips });
    }
    case 'ecs-deleted': {
      const current = groups.get(spec.groupName);
      const target = { kind: 'group' as const, groupName: spec.groupName };
      if (!current || current.length === 0 || !held) return noChange(groups, spec.groupName);
      // Asked now, against the group as the changes before this one left it: an instance that started
      // after the release keeps its address.
      const still = await held(current);
      const stale = current.filter((ip) => !still.has(ip));
      if (stale.length === 0) return noChange(groups, spec.groupName);
      // Delete may not empty a group; the seed's way to remove a group is Cover with no entries.
      return applyChange(
        groups,
        stale.length === current.length ? { mode: 'Cover', target, ips: [] } : { mode: 'Delete', target, ips: stale },
      );
    }
  }
}

function noChange(groups: Groups, groupName: string): RuleOutcome {
  return { groups, groupName, added: [], removed: [], groupCreated: false, groupDeleted: false };
}

/**
 * Applies the changes one by one, in the order given, to what the instance holds now: each is checked
 * (seed rules, guardrails, the per-group and total caps) against the state the changes before it left,
 * so the result is exactly what one call per change, in that order, would give. A refused change changes
 * nothing and the next goes on.
 */
export async function fold(
  instanceId: string,
  start: Groups,
  changes: readonly StoredChange[],
  settings: WhitelistSettings,
  held?: HeldAddresses,
): Promise<FoldResult> {
  let groups: Groups = start;
  const outcomes = new Map<string, Outcome>();
  for (const change of changes) {
    try {
      const r = await applyOne(groups, change.spec, settings, held);
      const after = r.groups.get(r.groupName);
      if (after && r.added.length > 0) assertSizeAllowed(r.groupName, after.length, settings);
      if (r.added.length > 0) assertTotalAllowed(total(r.groups), settings);
      outcomes.set(change.id, { state: 'applied', plan: planOf(instanceId, change.spec, r, groups.get(r.groupName)) });
      groups = r.groups;
    } catch (error) {
      outcomes.set(change.id, refusal(error));
    }
  }
  const names = [...new Set([...start.keys(), ...groups.keys()])].sort();
  const writes = names
    .filter((n) => !sameList(start.get(n), groups.get(n)))
    .map((groupName) => ({ groupName, ips: groups.get(groupName) ?? null }));
  return { groups, outcomes, writes };
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((ip, i) => ip === b[i]);
}

/** The ECS lookup the Deleted reconciliation uses: DescribeInstances by private address, 100 at a time. */
export function heldByEcs(ecs: EcsApi, regionId: string): HeldAddresses {
  return async (addresses) => {
    const held = new Set<string>();
    for (let i = 0; i < addresses.length; i += 100) {
      const { instances } = await ecs.describeInstances({ regionId, privateIpAddresses: addresses.slice(i, i + 100) });
      for (const inst of instances) if (inst.status !== 'Deleted') for (const ip of inst.privateIps) held.add(tolerantCanonical(ip));
    }
    return held;
  };
}
