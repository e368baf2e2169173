import { type TablestoreApi, TablestoreConditionFailedError, type TsColumnCondition, type TsPrimaryKey, type TsRow } from '../api';
import type { Groups } from './model';
import type { ChangeSpec, NewChange, Outcome, StoredChange } from './records';
import { fingerprintOf } from './records';
import type { WhitelistView } from './view';

/**
 * The whitelist's durable state in one Tablestore table, one partition per Elasticsearch instance:
 * - `c:<changeId>`: a change, recorded once (PutRow EXPECT_NOT_EXIST), later given its outcome;
 * - `lease`: which invocation reconciles the instance now, until when (conditional on `epoch`);
 * - `round`: the reconciler's current round: the writes it decided, before it makes them (conditional on `n`);
 * - `r:<n>`: what round n left the whitelist as, read back once the instance was active again.
 * Every write that decides something is conditional, so two invocations never both win.
 */
export interface Lease {
  readonly holder: string;
  readonly expiresAt: number;
  readonly epoch: number;
}

export interface RoundWrite {
  readonly groupName: string;
  /** null deletes the group (Cover with no entries). */
  readonly ips: readonly string[] | null;
  readonly clientToken: string;
}

export interface Round {
  readonly n: number;
  readonly status: 'planned' | 'done';
  readonly epoch: number;
  /** The groups the round was planned on, and the changes it applies, in order. */
  readonly base: readonly (readonly [string, readonly string[]])[];
  readonly ids: readonly string[];
  readonly writes: readonly RoundWrite[];
  /** seq of the first change of this round. */
  readonly firstSeq: number;
}

const key = (instanceId: string, k: string): TsPrimaryKey => [
  ['instance', instanceId],
  ['key', k],
];

/** A record whose `state` is still `pending` (every record is written with a state). */
const PENDING: TsColumnCondition = { column: 'state', op: 'EQUAL', value: 'pending' };

const str = (row: TsRow, name: string): string | undefined => (typeof row[name] === 'string' ? (row[name] as string) : undefined);
const num = (row: TsRow, name: string): number | undefined => (typeof row[name] === 'number' ? (row[name] as number) : undefined);

function changeOf(instanceId: string, id: string, row: TsRow): StoredChange {
  const state = str(row, 'state');
  return {
    id,
    instanceId,
    spec: JSON.parse(str(row, 'spec') ?? 'null') as ChangeSpec,
    source: str(row, 'source') ?? '',
    recordedAt: num(row, 'recordedAt') ?? 0,
    state: state === 'applied' || state === 'refused' ? state : 'pending',
    seq: num(row, 'seq'),
    round: num(row, 'round'),
    outcome: str(row, 'outcome') ? (JSON.parse(str(row, 'outcome')!) as Outcome) : undefined,
  };
}

export type RecordResult =
  | { readonly created: true; readonly change: StoredChange }
  | { readonly created: false; readonly change: StoredChange; readonly sameRequest: boolean };

export class ChangeStore {
  constructor(
    private readonly api: TablestoreApi,
    private readonly table: string,
  ) {}

  /** Records a change once; a second record of the same id (a redelivery, a retried token) finds the first. */
  async record(change: NewChange, now = Date.now()): Promise<RecordResult> {
    const fingerprint = fingerprintOf(change.instanceId, change.spec);
    const row = { spec: JSON.stringify(change.spec), source: change.source, fingerprint, recordedAt: now, state: 'pending' };
    try {
      await this.api.putRow(this.table, key(change.instanceId, `c:${change.id}`), row, { row: 'EXPECT_NOT_EXIST' });
      return { created: true, change: changeOf(change.instanceId, change.id, row) };
    } catch (error) {
      if (!(error instanceof TablestoreConditionFailedError)) throw error;
    }
    const existing = await this.api.getRow(this.table, key(change.instanceId, `c:${change.id}`));
    if (!existing) throw new Error(`change ${change.id} was recorded but cannot be read back`);
    return {
      created: false,
      change: changeOf(change.instanceId, change.id, existing),
      sameRequest: str(existing, 'fingerprint') === fingerprint,
    };
  }

  async get(instanceId: string, id: string): Promise<StoredChange | undefined> {
    const row = await this.api.getRow(this.table, key(instanceId, `c:${id}`));
    return row && changeOf(instanceId, id, row);
  }

  /**
   * Every change of the instance not yet decided. The service drops the decided ones (records stay until
   * the table's TTL, so they outnumber the pending ones): only pending rows are sent and parsed.
   */
  async pending(instanceId: string): Promise<StoredChange[]> {
    const rows = await this.api.getRange(this.table, key(instanceId, 'c:'), key(instanceId, 'c;'), { filter: PENDING });
    return rows.filter((r) => r.row['state'] === 'pending').map((r) => changeOf(instanceId, (r.pk['key'] ?? '').slice(2), r.row));
  }

  async decide(instanceId: string, id: string, outcome: Outcome, seq: number, round: number): Promise<void> {
    await this.api.updateRow(
      this.table,
      key(instanceId, `c:${id}`),
      { put: { state: outcome.state, outcome: JSON.stringify(outcome), seq, round } },
      { row: 'EXPECT_EXIST' },
    );
  }

  async lease(instanceId: string): Promise<Lease | undefined> {
    const row = await this.api.getRow(this.table, key(instanceId, 'lease'));
    return row && { holder: str(row, 'holder') ?? '', expiresAt: num(row, 'expiresAt') ?? 0, epoch: num(row, 'epoch') ?? 0 };
  }

  /** Takes the lease if it is free or expired as `seen`; answers the new lease, or undefined if another won. */
  async acquire(instanceId: string, holder: string, ttlMs: number, seen: Lease | undefined, now = Date.now()): Promise<Lease | undefined> {
    const next: Lease = { holder, expiresAt: now + ttlMs, epoch: (seen?.epoch ?? 0) + 1 };
    try {
      if (seen === undefined) await this.api.putRow(this.table, key(instanceId, 'lease'), { ...next }, { row: 'EXPECT_NOT_EXIST' });
      else
        await this.api.updateRow(
          this.table,
          key(instanceId, 'lease'),
          { put: { ...next } },
          { row: 'EXPECT_EXIST', column: { column: 'epoch', op: 'EQUAL', value: seen.epoch } },
        );
      return next;
    } catch (error) {
      if (error instanceof TablestoreConditionFailedError) return undefined;
      throw error;
    }
  }

  /** Extends a lease still held; false when another invocation has taken it over. */
  async renew(instanceId: string, lease: Lease, ttlMs: number, now = Date.now()): Promise<boolean> {
    try {
      await this.api.updateRow(
        this.table,
        key(instanceId, 'lease'),
        { put: { expiresAt: now + ttlMs } },
        { row: 'EXPECT_EXIST', column: { column: 'epoch', op: 'EQUAL', value: lease.epoch } },
      );
      return true;
    } catch (error) {
      if (error instanceof TablestoreConditionFailedError) return false;
      throw error;
    }
  }

  async release(instanceId: string, lease: Lease): Promise<void> {
    try {
      await this.api.updateRow(
        this.table,
        key(instanceId, 'lease'),
        { put: { holder: '', expiresAt: 0 } },
        { row: 'EXPECT_EXIST', column: { column: 'epoch', op: 'EQUAL', value: lease.epoch } },
      );
    } catch (error) {
      if (!(error instanceof TablestoreConditionFailedError)) throw error;
    }
  }

  async round(instanceId: string): Promise<Round | undefined> {
    const row = await this.api.getRow(this.table, key(instanceId, 'round'));
    const plan = row && str(row, 'plan');
    return plan
      ? ({
          ...(JSON.parse(plan) as Omit<Round, 'n' | 'status'>),
          n: num(row, 'n') ?? 0,
          status: str(row, 'status') === 'done' ? 'done' : 'planned',
        } as Round)
      : undefined;
  }

  /** Writes round `next.n` if the current round is still `previous` (the serialisation point of reconcilers). */
  async planRound(instanceId: string, previous: Round | undefined, next: Omit<Round, 'status'>): Promise<boolean> {
    const { n, ...plan } = next;
    try {
      const row = { n, status: 'planned', plan: JSON.stringify(plan) };
      if (previous === undefined) await this.api.putRow(this.table, key(instanceId, 'round'), row, { row: 'EXPECT_NOT_EXIST' });
      else
        await this.api.updateRow(
          this.table,
          key(instanceId, 'round'),
          { put: row },
          {
            row: 'EXPECT_EXIST',
            column: {
              and: [
                { column: 'n', op: 'EQUAL', value: previous.n },
                { column: 'status', op: 'EQUAL', value: 'done' },
              ],
            },
          },
        );
      return true;
    } catch (error) {
      if (error instanceof TablestoreConditionFailedError) return false;
      throw error;
    }
  }

  async finishRound(instanceId: string, round: Round, result: WhitelistView): Promise<void> {
    await this.api.putRow(this.table, key(instanceId, `r:${round.n}`), { result: JSON.stringify(result) }, { row: 'IGNORE' });
    try {
      await this.api.updateRow(
        this.table,
        key(instanceId, 'round'),
        { put: { status: 'done' } },
        { row: 'EXPECT_EXIST', column: { column: 'n', op: 'EQUAL', value: round.n } },
      );
    } catch (error) {
      if (!(error instanceof TablestoreConditionFailedError)) throw error;
    }
  }

  async roundResult(instanceId: string, n: number): Promise<WhitelistView | undefined> {
    const row = await this.api.getRow(this.table, key(instanceId, `r:${n}`));
    const text = row && str(row, 'result');
    return text ? (JSON.parse(text) as WhitelistView) : undefined;
  }
}

export function groupsFromBase(base: Round['base']): Groups {
  return new Map(base.map(([name, ips]) => [name, [...ips]]));
}
