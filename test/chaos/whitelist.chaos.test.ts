import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RANDOM_FAULTS, FAULTS, seededRandom, startLocalCloud, type LocalCloud, type StsCredentials } from '../../local-cloud';
import { cloudEvent, httpTriggerEvent } from '../../local-cloud/runner/fc-events';
import type { FcContext } from '../../shared/triggers';
import { event, httpAnswer, loadBundle, registerBundle, type BundleHandler } from '../support/functions';
import { Transcript } from '../security/transcript';
import { CallTally, Dice, refusalsAsError } from './support';
import { WhitelistModel, type Entry, type Expected, type ModelOp } from './whitelist-model';

/*
 * 500 randomised whitelist operations through the bundled function (HTTP events, direct invocations,
 * single CloudEvents and batches), eight invocation streams at a time, while the local cloud gives 20% of
 * DescribeInstance and UpdatePrivateNetworkWhiteIps calls a fault: 5xx, throttling with x-acs-retry-after,
 * connection resets, slow answers, lost answers (applied, answer dropped), delays and instances going
 * `activating`. An independent model (whitelist-model.ts) predicts every answer and the final whitelist.
 *
 * Exactness: concurrent streams own disjoint (instance, group) pairs, and writes to different groups
 * commute, so the final state has one right answer whatever the interleaving. A request refused for good
 * (400/403/404, as the model predicts) must leave the state unchanged. A transient failure after the
 * function's own retries (5xx, 409, 429) is delivered again as its caller would: HTTP callers resend with
 * the same clientToken, FC redelivers events and async invocations with the same ids. So every accepted
 * operation is applied exactly once, and the comparison is exact.
 *
 * Repeatable: CHAOS_SEED (default below) fixes the operations and the fault sequence; which call draws
 * which fault still depends on how the streams interleave.
 */

const SEED = Number(process.env['CHAOS_SEED'] ?? 20241124);
const TARGET_OPERATIONS = 500;
const LANES = 8;
const STEPS_PER_LANE = 3;
const MAX_DELIVERIES = 6;

const INSTANCES = ['es-cn-chaos1', 'es-cn-chaos2', 'es-cn-chaos3', 'es-cn-chaos4'];
const GROUPS = ['default', 'apps', 'ci', 'ops', 'blue'];
const SEED_GROUPS: Record<string, string[]> = { default: ['10.1.0.1'], apps: ['10.1.0.2', '10.1.0.3'], ci: ['fd00::5'] };

const ok = (text: string, canonical = text): Entry => ({ text, canonical, verdict: 'ok' });
const OK_ENTRIES: readonly Entry[] = [
  ...Array.from({ length: 10 }, (_, i) => ok(`10.1.0.${i + 1}`)),
  ok('10.1.0.5/32', '10.1.0.5'),
  ok('192.168.7.0/24'),
  ok('172.16.4.0/22'),
  ok('100.64.1.0/24'),
  ok('fd00::5'),
  ok('FD00:0:0:0:0:0:0:5', 'fd00::5'),
  ok('fd00::a:1'),
];
const BAD_ENTRIES: readonly Entry[] = [
  { text: '10.1.0.256', canonical: '', verdict: 'invalid' },
  { text: '10.01.0.1', canonical: '', verdict: 'invalid' },
  { text: '10.1.0.1/24', canonical: '', verdict: 'invalid' },
  { text: 'fd00::5%eth0', canonical: '', verdict: 'invalid' },
  { text: 'not-an-ip', canonical: '', verdict: 'invalid' },
  { text: '8.8.8.8', canonical: '8.8.8.8', verdict: 'public' },
  { text: '2001:db8::1', canonical: '2001:db8::1', verdict: 'public' },
  { text: '10.0.0.0/7', canonical: '10.0.0.0/7', verdict: 'broad' },
  { text: 'fd00::/16', canonical: 'fd00::/16', verdict: 'broad' },
  { text: '0.0.0.0/0', canonical: '0.0.0.0/0', verdict: 'open' },
];
const EMPTY: Entry = { text: '', canonical: '', verdict: 'ok' };

let cloud: LocalCloud;
let handler: BundleHandler;
let sts: StsCredentials;
let tally: CallTally;
const transcript = new Transcript();
const model = new WhitelistModel(Object.fromEntries(INSTANCES.map((id) => [id, SEED_GROUPS])));

const figures = {
  operations: 0,
  invocations: 0,
  redeliveries: 0,
  httpResends: 0,
  duplicateDeliveries: 0,
  duplicatesRefusedOnReplan: 0,
  replanRefusals: 0,
  refusedAsPredicted: 0,
  mismatches: 0,
};
const mismatches: string[] = [];
let opSeq = 0;
let ctxSeq = 0;

beforeAll(async () => {
  cloud = await startLocalCloud({ activationMs: 15, accessKeys: { 'chaos-key': `chaos-secret-${SEED}-long-term` } });
  sts = cloud.keys.mintSts();
  Object.assign(process.env, cloud.env, { INSTANCE_POLL_MS: '10', LOG_LEVEL: 'info' });
  for (const key of [
    'ALLOWED_INSTANCE_IDS',
    'WHITELIST_ALLOW_PUBLIC',
    'WHITELIST_MIN_PREFIX_V4',
    'WHITELIST_MIN_PREFIX_V6',
    'WHITELIST_MAX_ENTRIES',
    'ECS_SYNC_INSTANCE_ID',
    'ECS_SYNC_GROUP',
  ])
    delete process.env[key];
  for (const instanceId of INSTANCES) {
    cloud.es.addInstance({
      instanceId,
      adminPassword: `Chaos-${instanceId}-Pw1`,
      whiteIpGroupList: [
        ...Object.entries(SEED_GROUPS).map(([groupName, ips]) => ({ groupName, ips, whiteIpType: 'PRIVATE_ES' as const })),
        { groupName: 'default', ips: ['110.0.0.0/9'], whiteIpType: 'PUBLIC_KIBANA' as const },
      ],
    });
  }
  handler = loadBundle('whitelist');
  // The reconcile invocations a 202 queues run as FC runs them: the bundle in isolated instances.
  registerBundle(cloud, 'whitelist', { environmentVariables: { INSTANCE_POLL_MS: '10' } });
  tally = new CallTally(cloud);
  for (const s of [
    sts.accessKeySecret,
    sts.securityToken,
    cloud.accessKey.accessKeySecret,
    ...INSTANCES.map((id) => cloud.es.effectivePassword(id)),
  ])
    transcript.secret(s);
  transcript.capture();
});

afterAll(async () => {
  transcript.release();
  await cloud?.close();
});

/** Some invocations get a 1 s function timeout, so instances kept busy by faults make them give up (409, 502). */
let shortTimeouts: () => boolean = () => false;

function context(requestId = `chaos-wl-${SEED}-${++ctxSeq}`): FcContext {
  const timeout = shortTimeouts() ? 1 : 30;
  return {
    requestId,
    credentials: { accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, securityToken: sts.securityToken },
    function: { name: 'es-guard-whitelist', handler: 'index.handler', memory: 256, timeout },
    region: 'cn-hangzhou',
    accountId: '1234567890123456',
  };
}

interface Key {
  readonly instanceId: string;
  readonly group: string;
}

function entriesFor(d: Dice, op: { mode: string; current: readonly string[] | undefined }): Entry[] {
  let picked: Entry[];
  if (op.mode === 'Delete' && op.current && op.current.length > 0 && d.chance(0.75)) {
    const n = d.int(1, Math.min(2, op.current.length));
    picked = d
      .shuffle(op.current)
      .slice(0, n)
      .map((c) => OK_ENTRIES.find((e) => e.canonical === c) ?? ok(c));
  } else {
    picked = Array.from({ length: d.int(1, 3) }, () => d.pick(OK_ENTRIES));
  }
  if (d.chance(0.05)) picked.push(EMPTY);
  if (d.chance(0.07)) picked[d.int(0, picked.length - 1)] = d.pick(BAD_ENTRIES);
  return picked;
}

/** One random operation on `key` (or, rarely, one that no key owns: an unknown instance). */
function generate(d: Dice, key: Key): ModelOp {
  const mode = d.weighted<string>([
    [35, 'Cover'],
    [40, 'Append'],
    [22, 'Delete'],
    [3, 'Replace'],
  ]);
  const modifyMode = mode === 'Cover' && d.chance(0.1) ? undefined : mode;
  const instanceId = d.chance(0.02) ? 'es-cn-chaosmissing' : key.instanceId;
  const current = model.group(key.instanceId, key.group);
  const listForm = key.group === 'default' && d.chance(0.6);
  let ips = entriesFor(d, { mode, current });
  if (!listForm && mode === 'Cover' && d.chance(0.12)) ips = d.chance(0.5) ? [] : [EMPTY];
  const group = { name: key.group, nameValid: true, ips };
  const shape = d.weighted<'normal' | 'both' | 'none' | 'badName'>([
    [93, 'normal'],
    [3, 'both'],
    [2, 'none'],
    [2, 'badName'],
  ]);
  switch (shape) {
    case 'both':
      return { instanceId, modifyMode, list: ips, group };
    case 'none':
      return { instanceId, modifyMode };
    case 'badName':
      return { instanceId, modifyMode, group: { ...group, name: `${key.group}-x`, nameValid: false } };
    default:
      return listForm ? { instanceId, modifyMode, list: ips } : { instanceId, modifyMode, group };
  }
}

function bodyOf(op: ModelOp): Record<string, unknown> {
  return {
    ...(op.list && { privateNetworkIpWhiteList: op.list.map((e) => e.text) }),
    ...(op.group && { whiteIpGroup: { groupName: op.group.name, ips: op.group.ips.map((e) => e.text) } }),
  };
}

const dataOf = (op: ModelOp): Record<string, unknown> => ({
  instanceId: op.instanceId,
  ...(op.modifyMode !== undefined && { modifyMode: op.modifyMode }),
  ...bodyOf(op),
});

const transient = (status: number | undefined): boolean => status === undefined || status >= 500 || status === 409 || status === 429;

function mismatch(what: string): void {
  figures.mismatches += 1;
  mismatches.push(what);
}

async function viaHttp(d: Dice, op: ModelOp, expected: Expected): Promise<void> {
  const token = d.chance(0.85) ? `chaos-${SEED}-${opSeq}` : undefined;
  const query = { ...(op.modifyMode !== undefined && { modifyMode: op.modifyMode }), ...(token && { clientToken: token }) };
  let status = 0;
  let body: Record<string, unknown> = {};
  for (let attempt = 1; attempt <= MAX_DELIVERIES; attempt++) {
    if (attempt > 1) figures.httpResends += 1;
    figures.invocations += 1;
    const ev = httpTriggerEvent({
      method: 'POST',
      rawPath: `/openapi/instances/${op.instanceId}/private-network-white-ips`,
      query,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(bodyOf(op)),
    });
    const raw = await handler(event(ev), context());
    transcript.add(`${JSON.stringify(raw)}\n`);
    const res = httpAnswer(raw);
    status = res.statusCode;
    body = res.json;
    if (status === 202) ({ status, body } = await settle(op.instanceId, String(body['changeId'])));
    if (!transient(status)) break;
  }
  if (status !== expected)
    mismatch(`HTTP op ${opSeq} ${JSON.stringify(dataOf(op))}: expected ${expected}, got ${status} ${JSON.stringify(body)}`);
  else if (expected !== 200) figures.refusedAsPredicted += 1;
}

/**
 * A 202: the change is recorded and the function's time ran out first. FC would run the reconcile
 * invocation the function queued; here it is delivered directly, then the change's state is read, so the
 * model's order (each op decided before the next) holds.
 */
async function settle(instanceId: string, changeId: string): Promise<{ status: number; body: Record<string, unknown> }> {
  for (let i = 0; i < 400; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 25));
    await handler(event({ reconcile: instanceId }), context()).catch(() => undefined);
    const ev = httpTriggerEvent({
      method: 'GET',
      rawPath: `/openapi/instances/${instanceId}/private-network-white-ips/changes/${changeId}`,
      headers: {},
    });
    const res = httpAnswer(await handler(event(ev), context()));
    const state = res.json['state'];
    if (state === 'applied') return { status: 200, body: res.json };
    if (state === 'refused') return { status: Number((res.json['error'] as { status: number }).status), body: res.json };
  }
  return { status: 202, body: {} };
}

interface Delivered {
  readonly error: (Error & { status?: number }) | undefined;
  /** More than one delivery was needed (the first failed for a transient reason). */
  readonly redelivered: boolean;
}

/** Invokes like FC's async delivery: again, with the same ids, while the function fails for a transient reason. */
async function deliver(payload: unknown, requestId?: string): Promise<Delivered> {
  let error: (Error & { status?: number }) | undefined;
  for (let attempt = 1; attempt <= MAX_DELIVERIES; attempt++) {
    if (attempt > 1) figures.redeliveries += 1;
    figures.invocations += 1;
    try {
      const result = await handler(event(payload), context(requestId));
      transcript.add(`${JSON.stringify(result)}\n`);
      return { error: refusalsAsError(result), redelivered: attempt > 1 };
    } catch (e) {
      error = e as Error & { status?: number };
      transcript.addError(error);
      if (!transient(error.status)) return { error, redelivered: attempt > 1 };
    }
  }
  return { error, redelivered: true };
}

function failedIds(error: Error | undefined): string[] {
  return [...(error?.message ?? '').matchAll(/acs\.automation#(ev-[\w-]+)/g)].map((m) => m[1]!).sort();
}

async function viaEvents(d: Dice, keys: readonly Key[], single: boolean): Promise<void> {
  const events: Record<string, unknown>[] = [];
  const refused: string[] = [];
  // Writes to one group inside a batch are coalesced; the coalescing is proven equal to in-order
  // application only when none of them is refused by a seed rule, so only such batches are sent.
  const perGroup = new Map<string, { count: number; allOk: boolean }>();
  const size = single ? 1 : d.int(2, 8);
  for (let tries = 0; events.length < size && tries < size * 4; tries++) {
    const key = d.pick(keys);
    const op = generate(d, key);
    const trial = model.clone();
    const expected = trial.apply(op);
    const inputRefusal = expected === 403 || (expected === 400 && inputInvalid(op));
    const slot = `${op.instanceId}/${op.group?.name ?? 'default'}`;
    const seen = perGroup.get(slot);
    if (!inputRefusal && seen && (!seen.allOk || expected !== 200)) continue;
    model.apply(op);
    opSeq += 1;
    figures.operations += 1;
    const id = `ev-${SEED}-${opSeq}`;
    if (!inputRefusal) perGroup.set(slot, { count: (seen?.count ?? 0) + 1, allOk: (seen?.allOk ?? true) && expected === 200 });
    if (expected !== 200) refused.push(id);
    events.push(cloudEvent({ id, source: 'acs.automation', type: 'es-guard:whitelist:change', data: dataOf(op) }));
    // At-least-once delivery: the same event twice in one batch must count once.
    if (!single && d.chance(0.05)) events.push(events[events.length - 1]!);
  }
  if (events.length === 0) return;
  const payload = single ? events[0] : events;
  const check = (out: Delivered, label: string) => {
    const got = failedIds(out.error);
    const extra = got.filter((id) => !refused.includes(id));
    // A redelivered batch is planned again against the state its first delivery left: a change that
    // delivery applied may now break a seed rule (an Append to a group a later change deleted) and be
    // reported refused. The state is still right (the final comparison proves it); only the report errs.
    const excused =
      out.redelivered && out.error?.status === 400 && extra.length > 0 && extra.every((id) => events.some((e) => e['id'] === id));
    if (excused) figures.replanRefusals += extra.length;
    const expectFailure = refused.length > 0;
    if (!expectFailure && out.error && !excused)
      mismatch(`${label} ${events.length} events: unexpected failure ${out.error.status} ${out.error.message}`);
    if (expectFailure) {
      if (out.error?.status !== 400)
        mismatch(
          `${label}: expected a 400 naming ${refused.join(',')}, got ${out.error ? `${out.error.status} ${out.error.message}` : 'success'}`,
        );
      else if (refused.some((id) => !got.includes(id)) || (extra.length > 0 && !excused))
        mismatch(`${label}: refused ${got.join(',')}, model says ${refused.join(',')}`);
      else figures.refusedAsPredicted += refused.length;
    }
  };
  check(await deliver(payload), single ? 'event' : 'batch');
  if (d.chance(0.1)) {
    // At-least-once delivery: the same batch again. It is planned against the state the first delivery
    // left, so a change the first one made possible or impossible may now be refused (a 400 for FC to
    // dead-letter); what must hold is that it changes nothing: its writes replay their clientTokens.
    figures.duplicateDeliveries += 1;
    const before = keys.map((k) => JSON.stringify(actualGroups(k.instanceId)[k.group] ?? null));
    const again = await deliver(payload);
    const after = keys.map((k) => JSON.stringify(actualGroups(k.instanceId)[k.group] ?? null));
    if (again.error && transient(again.error.status))
      mismatch(`duplicate delivery: still failing after ${MAX_DELIVERIES} deliveries: ${again.error.message}`);
    if (JSON.stringify(before) !== JSON.stringify(after))
      mismatch(`duplicate delivery changed the whitelist: ${before.join(' ')} -> ${after.join(' ')}`);
    if (JSON.stringify(failedIds(again.error)) !== JSON.stringify([...refused].sort())) figures.duplicatesRefusedOnReplan += 1;
  }
}

/** 400s the function gives before any cloud call, per event (a rule refusal needs the instance's state). */
function inputInvalid(op: ModelOp): boolean {
  const probe = new WhitelistModel({ [op.instanceId]: { default: ['10.250.0.1', '10.250.0.2'] } });
  const probeOp: ModelOp = { ...op, ...(op.group && { group: { ...op.group, name: 'default' } }) };
  return (
    probe.apply({ ...probeOp, modifyMode: probeOp.modifyMode === 'Delete' ? 'Append' : probeOp.modifyMode }) === 400 &&
    probe.apply(probeOp) === 400
  );
}

async function viaDirect(d: Dice, key: Key): Promise<void> {
  const op = generate(d, key);
  const expected = model.apply(op);
  opSeq += 1;
  figures.operations += 1;
  const requestId = `chaos-direct-${SEED}-${opSeq}`;
  const out = await deliver(dataOf(op), requestId);
  if ((expected === 200) !== (out.error === undefined) || (out.error && out.error.status !== 400)) {
    mismatch(
      `direct ${JSON.stringify(dataOf(op))}: expected ${expected}, ` +
        `got ${out.error ? `${out.error.status} ${out.error.message}` : 'success'}`,
    );
  } else if (expected !== 200) figures.refusedAsPredicted += 1;
}

async function lane(d: Dice, keys: readonly Key[]): Promise<void> {
  for (let step = 0; step < STEPS_PER_LANE && figures.operations < TARGET_OPERATIONS; step++) {
    const how = d.weighted<'http' | 'batch' | 'single' | 'direct'>([
      [45, 'http'],
      [30, 'batch'],
      [12, 'single'],
      [13, 'direct'],
    ]);
    if (how === 'http') {
      const op = generate(d, d.pick(keys));
      const expected = model.apply(op);
      opSeq += 1;
      figures.operations += 1;
      await viaHttp(d, op, expected);
    } else if (how === 'direct') await viaDirect(d, d.pick(keys));
    else await viaEvents(d, keys, how === 'single');
  }
}

function actualGroups(instanceId: string): Record<string, string[]> {
  const groups = cloud.es.getInstance(instanceId)!.whiteIpGroupList.filter((g) => g.whiteIpType === 'PRIVATE_ES');
  return Object.fromEntries(groups.map((g) => [g.groupName, [...g.ips].sort()] as const).sort(([a], [b]) => a.localeCompare(b)));
}

describe(`whitelist chaos (seed ${SEED})`, () => {
  it(`${TARGET_OPERATIONS} random operations under 20% injected faults end exactly where the model says`, async () => {
    const d = new Dice(seededRandom(SEED));
    const timeouts = new Dice(seededRandom(SEED + 7));
    shortTimeouts = () => timeouts.chance(0.25);
    cloud.faults.random({
      rate: 0.2,
      seed: SEED,
      operations: ['DescribeInstance', 'UpdatePrivateNetworkWhiteIps'],
      // Each ordinary fault four times, one long activating window (1.2 s) once: rare, as it is in life.
      faults: [...[...DEFAULT_RANDOM_FAULTS, FAULTS.activating].flatMap((f) => [f, f, f, f]), { kind: 'activating', ms: 1200 }],
    });
    const keys: Key[] = INSTANCES.flatMap((instanceId) => GROUPS.map((group) => ({ instanceId, group })));
    let rounds = 0;
    while (figures.operations < TARGET_OPERATIONS) {
      rounds += 1;
      const dealt = d.shuffle(keys);
      const lanes = Array.from({ length: LANES }, (_, i) => dealt.filter((_, k) => k % LANES === i));
      await Promise.all(lanes.map((owned) => lane(new Dice(seededRandom(SEED + rounds * 1000 + lanes.indexOf(owned))), owned)));
      tally.sync();
    }
    cloud.faults.clear();
    await cloud.es.settled();
    tally.sync();

    for (const instanceId of INSTANCES) {
      const actual = actualGroups(instanceId);
      const expected = model.snapshot(instanceId);
      if (JSON.stringify(actual) !== JSON.stringify(expected))
        mismatch(`${instanceId}: whitelist ${JSON.stringify(actual)}, model ${JSON.stringify(expected)}`);
      const publicKibana = cloud.es.getInstance(instanceId)!.whiteIpGroupList.filter((g) => g.whiteIpType !== 'PRIVATE_ES');
      if (JSON.stringify(publicKibana) !== JSON.stringify([{ groupName: 'default', ips: ['110.0.0.0/9'], whiteIpType: 'PUBLIC_KIBANA' }]))
        mismatch(`${instanceId}: other whitelist types touched`);
    }

    const stats = cloud.faults.stats();
    const writes = tally.records.filter((c) => c.operation === 'UpdatePrivateNetworkWhiteIps' && c.status === 200 && !c.replayed).length;
    const invalidCalls = tally.records.filter((c) => c.code === 'InvalidParameter' || (c.status === 404 && c.code !== 'InstanceNotFound'));
    console.log(
      `[chaos:whitelist] seed=${SEED} rounds=${rounds} operations=${figures.operations} invocations=${figures.invocations} ` +
        `apiCalls=${tally.records.length} writesApplied=${writes} faultsInjected=${stats.total} ` +
        `${JSON.stringify(stats.byKind)} retries=${tally.retries} ` +
        `fcRedeliveries=${figures.redeliveries} httpResends=${figures.httpResends} ` +
        `duplicateDeliveries=${figures.duplicateDeliveries} (refused on re-plan: ${figures.duplicatesRefusedOnReplan}) ` +
        `refusedAsPredicted=${figures.refusedAsPredicted} refusedOnlyOnRedelivery=${figures.replanRefusals} ` +
        `mismatches=${figures.mismatches}`,
    );
    expect(mismatches).toEqual([]);
    expect(figures.mismatches).toBe(0);
    expect(figures.operations).toBeGreaterThanOrEqual(TARGET_OPERATIONS);
    // The faults really happened, of every kind, and were survived by retries rather than avoided.
    expect(stats.total).toBeGreaterThan(figures.operations * 0.3);
    expect(Object.keys(stats.byKind).sort()).toEqual(['activating', 'delay', 'error', 'lost', 'reset', 'slow']);
    expect(tally.retries).toBeGreaterThan(100);
    // Nothing the model calls invalid reached the cloud API.
    expect(invalidCalls).toEqual([]);
  });

  it('leaks no secret in any log line, answer or error', () => {
    expect(transcript.lineCount).toBeGreaterThan(1000);
    expect(transcript.secrets.size).toBeGreaterThanOrEqual(5);
    expect(transcript.leaks()).toEqual([]);
  });
});
