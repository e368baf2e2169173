import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WHITELIST_TABLE } from '../../local-cloud/tablestore';
import type { TablestoreApi } from '../../shared/api';
import { ChangeStore } from '../../shared/whitelist/store';
import { change, type Delivery, startDelivery, tablestoreOf } from './deliver';

/*
 * What one change costs in Tablestore, counted in the emulator's call log (no timing): the round trips of
 * an uncontended change, and the pending read, which the service filters so that decided records (kept
 * until the table's TTL) are neither sent nor parsed.
 */
let d: Delivery;
let api: TablestoreApi;
let store: ChangeStore;
let n = 0;

beforeAll(async () => {
  d = await startDelivery({ activationMs: 0 });
  const env = d.cloud.env;
  api = tablestoreOf(d.cloud);
  store = new ChangeStore(api, env['WHITELIST_TABLE']!);
}, 60_000);
afterAll(async () => {
  await d?.close();
});

function instance(): string {
  n += 1;
  const id = `es-cn-reads${String(n).padStart(4, '0')}`;
  d.cloud.es.addInstance({
    instanceId: id,
    adminPassword: 'Initial-Passw0rd',
    whiteIpGroupList: [{ groupName: 'apps', ips: ['10.1.0.1'], whiteIpType: 'PRIVATE_ES' }],
  });
  return id;
}

const spec = (ip: string) => ({
  kind: 'request' as const,
  mode: 'Append' as const,
  target: { kind: 'group' as const, groupName: 'apps' },
  ips: [ip],
});

function operationsSince(from: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of d.cloud.tablestore.calls().slice(from)) out[c.operation] = (out[c.operation] ?? 0) + 1;
  return out;
}

describe('Tablestore round trips of one change', () => {
  it('an uncontended change: recorded, leased, planned, decided, finished and released once', async () => {
    const id = instance();
    // A first change on the instance creates its lease and round rows; the second meets them as a warm request does.
    const append = (n: number, ip: string) =>
      d.invoke(change(`${id}-${n}`, { instanceId: id, modifyMode: 'Append', whiteIpGroup: { groupName: 'apps', ips: [ip] } }));
    expect((await append(1, '10.1.0.2')).ok).toBe(true);
    const from = d.cloud.tablestore.calls().length;
    const out = await append(2, '10.1.0.3');
    expect(out.ok).toBe(true);
    expect(d.cloud.es.whitelist(id, 'apps')).toEqual(['10.1.0.1', '10.1.0.2', '10.1.0.3']);
    expect(operationsSince(from)).toEqual({
      // the record, and the round's result
      PutRow: 2,
      // the lease, the round (twice: before and after the round), the change's outcome, the round's result
      GetRow: 5,
      // acquire, plan, decide, finish, release: the lease is released once, not again on the way out
      UpdateRow: 5,
      // pending: before waiting for active, after it, after the round, and once more after releasing
      GetRange: 4,
    });
    expect((await store.lease(id))?.holder).toBe('');
  }, 60_000);
});

describe('the pending read', () => {
  it('asks the service for the undecided records only', async () => {
    const id = instance();
    const ids = ['req-a', 'req-b', 'req-c'];
    for (const [i, c] of ids.entries()) await store.record({ id: c, instanceId: id, spec: spec(`10.2.0.${i + 1}`), source: 'test' });
    const refused = { state: 'refused' as const, status: 400, code: 'Test', message: 'decided by the test' };
    await store.decide(id, 'req-a', refused, 0, 1);
    await store.decide(id, 'req-c', refused, 1, 1);
    // TablestoreApi.getRange does not filter by itself: what comes back is what the service kept.
    const rows = await api.getRange(
      WHITELIST_TABLE.name,
      [
        ['instance', id],
        ['key', 'c:'],
      ],
      [
        ['instance', id],
        ['key', 'c;'],
      ],
      { filter: { column: 'state', op: 'EQUAL', value: 'pending' } },
    );
    expect(rows.map((r) => r.pk['key'])).toEqual(['c:req-b']);
    expect((await store.pending(id)).map((c) => c.id)).toEqual(['req-b']);
  }, 60_000);

  it('finds a pending record behind a full scan of decided ones (an empty page with a next key)', async () => {
    const id = instance();
    const table = d.cloud.tablestore.table(WHITELIST_TABLE.name)!;
    const cell = (name: string, value: string) => ({ name, value, op: undefined, timestamp: undefined });
    const put = (key: string, state: string) =>
      table.put(
        [
          { name: 'instance', value: id },
          { name: 'key', value: key },
        ],
        [cell('spec', JSON.stringify(spec('10.3.0.1'))), cell('source', 'test'), cell('state', state)],
        { rowExistence: 0 },
      );
    for (let i = 0; i < 5001; i++) put(`c:req-done-${String(i).padStart(5, '0')}`, 'applied');
    put('c:req-zz-pending', 'pending');
    const from = d.cloud.tablestore.calls().length;
    expect((await store.pending(id)).map((c) => c.id)).toEqual(['req-zz-pending']);
    // 5000 rows scanned and none kept: the first answer has no rows and the key to go on from.
    expect(operationsSince(from)).toEqual({ GetRange: 2 });
  }, 60_000);
});
