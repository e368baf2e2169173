import { createHash, randomUUID } from 'node:crypto';
import { type ElasticsearchApi, type InstanceDescription, toCallerError } from '../api';
import { NotFoundError, ValidationError } from '../errors';
import { waitForActive } from '../instance';
import type { Logger } from '../logging';
import { RuleViolationError } from './errors';
import { assertEntriesAllowed, assertInstanceAllowed, assertSizeAllowed } from './guardrails';
import { applyChange as applyRules, type Outcome } from './model';
import type { Plan } from './records';
import type { SourcedChange as CoalescedChange } from './requests';
import type { WhitelistSettings } from './settings';
import { groupsOf, viewOf, type WhitelistView } from './view';

export interface WhitelistDeps {
  readonly es: ElasticsearchApi;
  readonly settings: WhitelistSettings;
  /** Epoch ms: no new attempt or poll starts after it. */
  readonly deadline: number;
  readonly log: Logger;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A dry run's answer has the shape of an applied change's Plan (records.ts), planned against the current state. */
export type { Plan };

/** One token per set of causes: a redelivered event (same id and source) replays instead of re-applying. */
export function clientTokenFor(sources: readonly string[]): string {
  return `esg-${createHash('sha256')
    .update([...sources].sort().join('\n'))
    .digest('hex')
    .slice(0, 40)}`;
}

export function randomClientToken(): string {
  return `esg-${randomUUID()}`;
}

export async function readWhitelist(deps: WhitelistDeps, instanceId: string): Promise<WhitelistView> {
  assertInstanceAllowed(instanceId, deps.settings);
  try {
    const { instance } = await deps.es.describeInstance(instanceId, { deadline: deps.deadline });
    return viewOf(instance);
  } catch (error) {
    throw toCallerError(error);
  }
}

function toPlan(change: CoalescedChange, outcome: Outcome, before: readonly string[] | undefined): Plan {
  const after = outcome.groups.get(outcome.groupName);
  return {
    instanceId: change.instanceId,
    modifyMode: change.mode,
    form: change.target.kind === 'list' ? 'privateNetworkIpWhiteList' : 'whiteIpGroup',
    groupName: outcome.groupName,
    added: outcome.added,
    removed: outcome.removed,
    groupCreated: outcome.groupCreated,
    groupDeleted: outcome.groupDeleted,
    before: before ?? null,
    after: after ?? null,
    noop: outcome.added.length === 0 && outcome.removed.length === 0 && !outcome.groupCreated && !outcome.groupDeleted,
  };
}

function ruleError(change: CoalescedChange, v: RuleViolationError): Error {
  if (v.code === 'NotFound') return new NotFoundError('NotFound', v.message);
  const field = change.target.kind === 'list' ? 'privateNetworkIpWhiteList' : 'whiteIpGroup.ips';
  return new ValidationError([{ field, rule: v.rule, message: v.message }]);
}

/** Guardrails and the seed's rules against the instance's current whitelist; no write. */
export async function planChange(
  deps: WhitelistDeps,
  change: CoalescedChange,
  opts: { waitActive: boolean },
): Promise<{ plan: Plan; view: WhitelistView }> {
  assertInstanceAllowed(change.instanceId, deps.settings);
  assertEntriesAllowed(change, deps.settings);
  let instance: InstanceDescription;
  try {
    instance = opts.waitActive
      ? await waitForActive(deps.es, change.instanceId, {
          deadline: deps.deadline,
          pollMs: deps.settings.pollMs,
          ...(deps.sleep && { sleep: deps.sleep }),
        })
      : (await deps.es.describeInstance(change.instanceId, { deadline: deps.deadline })).instance;
  } catch (error) {
    throw toCallerError(error);
  }
  const groups = groupsOf(instance);
  let outcome: Outcome;
  try {
    outcome = applyRules(groups, change);
  } catch (error) {
    throw error instanceof RuleViolationError ? ruleError(change, error) : error;
  }
  const after = outcome.groups.get(outcome.groupName);
  if (after) assertSizeAllowed(outcome.groupName, after.length, deps.settings);
  return { plan: toPlan(change, outcome, groups.get(outcome.groupName)), view: viewOf(instance) };
}
