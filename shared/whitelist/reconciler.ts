import { createHash } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import {
  backoffDelay,
  classify,
  DEFAULT_RETRY,
  type ElasticsearchApi,
  type InstanceDescription,
  isFinal,
  retryReason,
  toCallerError,
} from '../api';
import { EsGuardError } from '../errors';
import { waitForActive } from '../instance';
import type { Logger } from '../logging';
import { applicationOrder, fold, type HeldAddresses } from './fold';
import type { Outcome } from './records';
import type { WhitelistSettings } from './settings';
import { type ChangeStore, groupsFromBase, type Lease, type Round, type RoundWrite } from './store';
import { groupsOf, viewOf } from './view';

export interface ReconcilerDeps {
  readonly es: ElasticsearchApi;
  readonly store: ChangeStore;
  readonly settings: WhitelistSettings;
  readonly log: Logger;
  /** Epoch ms: no new round starts after it. */
  readonly deadline: number;
  /** Who holds the lease: the FC request id. */
  readonly holder: string;
  readonly held?: HeldAddresses;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The same write of the same round always carries the same token: a resumed round replays, never doubles. */
const roundToken = (instanceId: string, n: number, groupName: string): string =>
  `esg-r-${createHash('sha256').update(`${instanceId}\n${n}\n${groupName}`).digest('hex').slice(0, 40)}`;

/** Keeps a lease alive while its holder works; `lost` turns true once another invocation took it over. */
class LeaseKeeper {
  lost = false;
  private timer: NodeJS.Timeout | undefined;
  constructor(deps: ReconcilerDeps, instanceId: string, lease: Lease) {
    const every = Math.max(10, Math.floor(deps.settings.leaseMs / 3));
    this.timer = setInterval(() => {
      deps.store.renew(instanceId, lease, deps.settings.leaseMs).then(
        (ok) => {
          if (!ok) this.lost = true;
        },
        (error: unknown) =>
          deps.log.warn('whitelist.lease-renew-failed', { instanceId, error: error instanceof Error ? error.message : String(error) }),
      );
    }, every);
    this.timer.unref?.();
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Takes the lease when it is free, released or expired; undefined when another invocation holds it. */
export async function tryAcquire(deps: ReconcilerDeps, instanceId: string, onHeld?: (lease: Lease) => void): Promise<Lease | undefined> {
  const seen = await deps.store.lease(instanceId);
  if (seen && seen.holder !== '' && seen.expiresAt > Date.now()) {
    onHeld?.(seen);
    return undefined;
  }
  return deps.store.acquire(instanceId, deps.holder, deps.settings.leaseMs, seen);
}

/**
 * The single-flight reconciler of one instance, run by whichever invocation holds its lease: rounds
 * until nothing is pending. A round waits until the instance is `active` (no write is attempted inside
 * an activation window), applies every pending change one by one to what the instance holds, records
 * the writes that result (at most one per group) before making them, makes them, waits for `active`
 * again and gives each change its outcome. A round left half done by a holder that died is resumed by
 * the next holder from its record.
 */
export async function reconcile(deps: ReconcilerDeps, instanceId: string, lease: Lease): Promise<void> {
  const keeper = new LeaseKeeper(deps, instanceId, lease);
  // Released once nothing is pending: releasing again on the way out would write the same row again (or
  // fail its epoch condition once another holder took the lease), so it is skipped.
  let released = false;
  try {
    for (;;) {
      if (keeper.lost || Date.now() >= deps.deadline) return;
      const current = await deps.store.round(instanceId);
      if (current?.status === 'planned') {
        try {
          await execute(deps, instanceId, current, keeper);
        } catch (error) {
          await refuseRoundIfFinal(deps, instanceId, current, error);
        }
        continue;
      }
      let pending = await deps.store.pending(instanceId);
      if (pending.length === 0) {
        await deps.store.release(instanceId, lease);
        released = true;
        keeper.stop();
        // A change recorded while the lease was being released saw it held and waits: look once more.
        pending = await deps.store.pending(instanceId);
        if (pending.length === 0) return;
        const again = await tryAcquire(deps, instanceId);
        if (!again) return;
        return await reconcile(deps, instanceId, again);
      }
      let instance: InstanceDescription;
      try {
        instance = await waitActive(deps, instanceId);
      } catch (error) {
        // An instance that does not exist, or will not become writable by waiting (inactive, invalid),
        // refuses every pending change: the invocations waiting for them answer with the reason.
        const cls = classify(error);
        if (!(error instanceof EsGuardError) || !isFinal(cls) || cls === 'denied') throw error;
        const n = (current?.n ?? 0) + 1;
        const round: Omit<Round, 'status'> = {
          n,
          epoch: lease.epoch,
          base: [],
          ids: pending.map((c) => c.id),
          writes: [],
          firstSeq: current ? current.firstSeq + current.ids.length : 0,
        };
        if (!(await deps.store.planRound(instanceId, current, round))) return;
        const refused: Outcome = { state: 'refused', status: error.status, code: error.code, message: error.message };
        await pool(round.ids, 32, (id, i) => deps.store.decide(instanceId, id, refused, round.firstSeq + i, n));
        await deps.store.finishRound(
          instanceId,
          { ...round, status: 'planned' },
          { instanceId, status: 'unknown', privateNetworkIpWhiteList: [], groups: [] },
        );
        continue;
      }
      if (keeper.lost) return;
      // What arrived while the instance was activating joins this round.
      pending = (await deps.store.pending(instanceId)).sort(applicationOrder);
      const base = groupsOf(instance);
      const result = await fold(instanceId, base, pending, deps.settings, deps.held);
      const n = (current?.n ?? 0) + 1;
      const round: Omit<Round, 'status'> = {
        n,
        epoch: lease.epoch,
        base: [...base],
        ids: pending.map((c) => c.id),
        writes: result.writes.map((w) => ({ ...w, clientToken: roundToken(instanceId, n, w.groupName) })),
        firstSeq: current ? current.firstSeq + current.ids.length : 0,
      };
      if (!(await deps.store.planRound(instanceId, current, round))) {
        deps.log.info('whitelist.round-lost', { instanceId, round: n });
        return;
      }
      try {
        await execute(deps, instanceId, { ...round, status: 'planned' }, keeper, result.outcomes);
      } catch (error) {
        await refuseRoundIfFinal(deps, instanceId, { ...round, status: 'planned' }, error);
      }
    }
  } finally {
    keeper.stop();
    if (!keeper.lost && !released) await deps.store.release(instanceId, lease).catch(() => undefined);
  }
}

/**
 * The service refused a round's write for good (a 4xx no retry cures, which es-guard's own checks should
 * have caught): its changes are refused with the service's answer rather than retried forever. Anything
 * a retry may cure is thrown: the changes stay pending for the next holder.
 */
async function refuseRoundIfFinal(deps: ReconcilerDeps, instanceId: string, round: Round, error: unknown): Promise<void> {
  const cls = classify(error);
  if (!(error instanceof EsGuardError) || !isFinal(cls) || cls === 'denied' || cls === 'not-found') throw error;
  deps.log.error('whitelist.round-refused', { instanceId, round: round.n, code: error.code, reason: error.message });
  const refused: Outcome = {
    state: 'refused',
    status: error.status,
    code: error.code,
    message: `the service refused the write for these changes: ${error.message}`,
  };
  await pool(round.ids, 32, (id, i) => deps.store.decide(instanceId, id, refused, round.firstSeq + i, round.n));
  await deps.store.finishRound(
    instanceId,
    round,
    viewOf((await deps.es.describeInstance(instanceId, { deadline: deps.deadline })).instance),
  );
}

async function waitActive(deps: ReconcilerDeps, instanceId: string) {
  try {
    return await waitForActive(deps.es, instanceId, {
      deadline: deps.deadline,
      pollMs: deps.settings.pollMs,
      ...(deps.sleep && { sleep: deps.sleep }),
    });
  } catch (error) {
    throw toCallerError(error);
  }
}

async function execute(
  deps: ReconcilerDeps,
  instanceId: string,
  round: Round,
  keeper: LeaseKeeper,
  known?: ReadonlyMap<string, Outcome>,
): Promise<void> {
  // Resumed: the outcomes are recomputed from the round's own record (same base, same changes, same order).
  let outcomes = known;
  if (!outcomes) {
    const changes = (await Promise.all(round.ids.map((id) => deps.store.get(instanceId, id)))).filter((c) => c !== undefined);
    outcomes = (await fold(instanceId, groupsFromBase(round.base), changes, deps.settings, deps.held)).outcomes;
  }
  for (const write of round.writes) {
    if (keeper.lost) return;
    if ((await makeWrite(deps, instanceId, round, write)) === 'stale') {
      // Nothing decided: the round's changes stay pending and the next round plans them on the new state.
      deps.log.warn('whitelist.round-stale: the group changed outside es-guard since the round was planned; planning again', {
        instanceId,
        round: round.n,
        groupName: write.groupName,
      });
      await deps.store.finishRound(
        instanceId,
        round,
        viewOf((await deps.es.describeInstance(instanceId, { deadline: deps.deadline })).instance),
      );
      return;
    }
  }
  const after =
    round.writes.length > 0
      ? await readBack(deps, instanceId)
      : viewOf((await deps.es.describeInstance(instanceId, { deadline: deps.deadline })).instance);
  if (keeper.lost) return;
  await pool(round.ids, 32, async (id, i) => {
    const outcome = outcomes.get(id);
    if (outcome) await deps.store.decide(instanceId, id, outcome, round.firstSeq + i, round.n);
  });
  await deps.store.finishRound(instanceId, round, after);
  const refused = [...outcomes.values()].filter((o) => o.state === 'refused').length;
  deps.log.info('whitelist.round', { instanceId, round: round.n, changes: round.ids.length, refused, writes: round.writes.length });
}

const same = (a: readonly string[] | null | undefined, b: readonly string[] | null | undefined): boolean =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * One write of a round, only while the group still holds what the round was planned on: if someone else
 * changed it since (console, another tool), the round is stale and is planned again on the new state
 * rather than overwriting that change. A busy answer is never retried blind: it means an activation
 * window the code can now see, so the next attempt waits for `active` and checks again first.
 */
async function makeWrite(deps: ReconcilerDeps, instanceId: string, round: Round, write: RoundWrite): Promise<'made' | 'stale'> {
  const planned = groupsFromBase(round.base).get(write.groupName) ?? null;
  for (let failures = 0; ; ) {
    const instance = await waitActive(deps, instanceId);
    const before = groupsOf(instance).get(write.groupName) ?? null;
    if (same(before, write.ips)) return 'made'; // made already (a resumed round, or a lost answer)
    if (!same(before, planned)) return 'stale';
    try {
      const res = await deps.es.updatePrivateNetworkWhiteIps(
        instanceId,
        // Level-triggered: the group's whole new content, in the documented group form (Cover; no entries deletes it).
        {
          modifyMode: 'Cover',
          clientToken: write.clientToken,
          body: { whiteIpGroup: { groupName: write.groupName, ips: write.ips ?? [], whiteIpType: 'PRIVATE_ES' } },
        },
        { deadline: deps.deadline, retry: { maxAttempts: 1 } },
      );
      deps.log.info('whitelist.audit', {
        instanceId,
        round: round.n,
        modifyMode: 'Cover',
        form: 'whiteIpGroup',
        groupName: write.groupName,
        before,
        after: write.ips,
        added: (write.ips ?? []).filter((ip) => !(before ?? []).includes(ip)),
        removed: (before ?? []).filter((ip) => !(write.ips ?? []).includes(ip)),
        changes: round.ids.length,
        clientToken: write.clientToken,
        // Not `requestId`: that name is the FC request id the log line is bound to.
        apiRequestId: res.requestId,
      });
      return 'made';
    } catch (error) {
      const reason = retryReason(error);
      if (reason === 'busy') continue;
      if (reason === undefined || ++failures >= 4 || Date.now() >= deps.deadline) throw toCallerError(error);
      await (deps.sleep ?? sleepFor)(backoffDelay({ ...DEFAULT_RETRY, maxDelayMs: Math.max(deps.settings.pollMs, 1000) }, failures, error));
    }
  }
}

async function readBack(deps: ReconcilerDeps, instanceId: string) {
  try {
    const instance = await waitForActive(deps.es, instanceId, {
      deadline: deps.deadline,
      pollMs: deps.settings.pollMs,
      settleForLast: true,
      ...(deps.sleep && { sleep: deps.sleep }),
    });
    return viewOf(instance);
  } catch (error) {
    throw toCallerError(error);
  }
}

async function pool<T>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}
