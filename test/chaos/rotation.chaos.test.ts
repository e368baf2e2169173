import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTS, seededRandom, startLocalCloud, type Fault, type LocalCloud, type StsCredentials } from '../../local-cloud';
import { ApiClient, ElasticsearchApi, KmsApi, type CredentialSource } from '../../shared/api';
import { rotatePassword, rotationSettings } from '../../shared/rotation';
import type { FcContext } from '../../shared/triggers';
import { buildBundle, logsIn, secretAt, timerEvent, type Bundle } from '../rotation/support';
import { Transcript } from '../security/transcript';
import { runAndKill } from './child';
import { CallTally, Dice, sleep } from './support';

/*
 * 200 password rotations under 20% injected faults on every KMS and Elasticsearch call (5xx, throttling
 * with x-acs-retry-after, KMS's own Rejected.Throttling / ServiceUnavailableTemporary / InternalFailure,
 * busy instances, resets, answers lost after the write, answers slower than the client's timeout,
 * delays, instances going `activating`), with crashes:
 * - 176 rotations run in this process, through rotatePassword with a 300 ms client timeout so that slow
 *   answers outlive it; about a quarter are "crashed" at a random API call: the run is frozen there
 *   forever (its next call never leaves), as a killed instance stops, inside a step as often as between;
 * - 24 run the bundled function in a child process that is SIGKILLed: 12 by the test-only crash hook
 *   right after a step (create, set, test, finish), 12 at a random moment.
 * A crashed or failed rotation is run again, as FC's async retry would, until it completes. Each must end
 * with the cluster's password = ACSCurrent's, the password it replaced in ACSPrevious, nothing pending.
 * (200 child processes would take about a minute here; the freeze stands in for most of them.)
 */

const SEED = Number(process.env['CHAOS_SEED'] ?? 20241124);
const IN_PROCESS = 176;
const CHILD_HOOK_STEPS = ['create', 'set', 'test', 'finish'] as const;
const CHILD_RUNS = 24;
const INSTANCES = 12;
const MAX_RUNS = 8;
const CLIENT_TIMEOUT_MS = 300;

const FAST_ENV = {
  INSTANCE_POLL_MS: '5',
  ROTATION_TEST_POLL_MS: '5',
  ROTATION_TEST_TIMEOUT_SECONDS: '20',
  DATA_PLANE_TIMEOUT_MS: '1000',
  LOG_LEVEL: 'info',
};

let cloud: LocalCloud;
let sts: StsCredentials;
let bundle: Bundle;
let tally: CallTally;
const transcript = new Transcript();
const figures = { rotations: 0, runs: 0, frozen: 0, childRuns: 0, childKilled: 0, failedRuns: 0, completedBeforeCrash: 0, mismatches: 0 };
const mismatches: string[] = [];
const failureCodes: Record<string, number> = {};

beforeAll(async () => {
  bundle = await buildBundle();
  cloud = await startLocalCloud({ activationMs: 10, accessKeys: { 'chaos-rot-key': `chaos-rot-secret-${SEED}-long` } });
  sts = cloud.keys.mintSts();
  Object.assign(process.env, cloud.env, FAST_ENV);
  delete process.env['ALLOWED_INSTANCE_IDS'];
  delete process.env['ROTATION_TEST'];
  delete process.env['PASSWORD_LENGTH'];
  tally = new CallTally(cloud);
  for (const s of [sts.accessKeySecret, sts.securityToken, cloud.accessKey.accessKeySecret]) transcript.secret(s);
  transcript.capture();
});

afterAll(async () => {
  transcript.release();
  await cloud?.close();
});

function context(requestId: string): FcContext {
  return {
    requestId,
    credentials: { accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, securityToken: sts.securityToken },
    function: { name: 'es-guard-rotate-password', handler: 'index.handler', memory: 256, timeout: 60 },
    region: 'cn-hangzhou',
    accountId: '1234567890123456',
  };
}

function fixture(n: number): { instanceId: string; secretName: string } {
  const instanceId = `es-cn-chaosrot${n}`;
  const initial = `Chaos${n}-Initial-pw${SEED}`;
  transcript.secret(initial);
  cloud.es.addInstance({ instanceId, adminPassword: initial });
  const secretName = `es-guard/${instanceId}/elastic`;
  cloud.kms.addSecret({ secretName, versionId: 'v0', secretData: JSON.stringify({ username: 'elastic', password: initial, instanceId }) });
  return { instanceId, secretName };
}

/** Credentials that stop answering after `freezeAfter` API calls: the run hangs there, as a killed process would. */
function freezing(freezeAfter: number | undefined): { source: CredentialSource; frozen: Promise<'frozen'> } {
  let calls = 0;
  let signal: (v: 'frozen') => void = () => undefined;
  const frozen = new Promise<'frozen'>((r) => (signal = r));
  const key = { accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, securityToken: sts.securityToken };
  const source: CredentialSource = () => {
    calls += 1;
    if (freezeAfter !== undefined && calls > freezeAfter) {
      signal('frozen');
      return new Promise(() => undefined);
    }
    return Promise.resolve(key);
  };
  return { source, frozen };
}

/** One invocation of the rotation, in process. */
async function runInProcess(d: Dice, instanceId: string, secretName: string, freezeAfter: number | undefined): Promise<'done' | 'frozen' | 'failed'> {
  figures.runs += 1;
  const { source, frozen } = freezing(freezeAfter);
  const client = new ApiClient({ endpoint: cloud.url, credentials: source, timeoutMs: CLIENT_TIMEOUT_MS, retry: { baseDelayMs: 10, maxDelayMs: 150 } });
  const settings = rotationSettings({ ...process.env, PASSWORD_LENGTH: String(d.int(12, 32)) });
  const run = rotatePassword({ instanceId, secretName }, { es: new ElasticsearchApi(client), kms: new KmsApi(client), settings, deadline: Date.now() + 60_000 }).then(
    (): 'done' => 'done',
    (error: unknown): 'failed' => {
      transcript.addError(error);
      const code = (error as { code?: string }).code ?? 'Error';
      failureCodes[code] = (failureCodes[code] ?? 0) + 1;
      figures.failedRuns += 1;
      return 'failed';
    },
  );
  const outcome = await Promise.race([run, frozen]);
  if (outcome === 'frozen') {
    figures.frozen += 1;
    // A killed instance's last request may still land; FC's retry comes seconds later.
    await sleep(60);
  }
  return outcome;
}

async function runBundleInProcess(instanceId: string, secretName: string, requestId: string): Promise<'done' | 'failed'> {
  figures.runs += 1;
  try {
    const out = await bundle.handler(timerEvent({ instanceId, secretName }), context(requestId));
    transcript.add(`${JSON.stringify(out)}\n`);
    return 'done';
  } catch (error) {
    transcript.addError(error);
    const code = (error as { code?: string }).code ?? 'Error';
    failureCodes[code] = (failureCodes[code] ?? 0) + 1;
    figures.failedRuns += 1;
    return 'failed';
  }
}

interface Before {
  readonly versionId: string;
  readonly password: string;
}

function before(secretName: string): Before {
  const current = secretAt(cloud, secretName, 'ACSCurrent')!;
  return { versionId: current.versionId, password: current.record.password! };
}

/** A crash right at the end leaves a completed rotation; running again would be a second one. */
function completed(secretName: string, start: Before): boolean {
  return secretAt(cloud, secretName, 'ACSPending') === undefined && secretAt(cloud, secretName, 'ACSCurrent')?.versionId !== start.versionId;
}

async function verify(label: string, instanceId: string, secretName: string, start: Before): Promise<void> {
  figures.rotations += 1;
  const current = secretAt(cloud, secretName, 'ACSCurrent');
  const previous = secretAt(cloud, secretName, 'ACSPrevious');
  const problems: string[] = [];
  for (const v of cloud.kms.getSecret(secretName)?.versions ?? []) {
    const p = (JSON.parse(v.secretData) as { password?: unknown }).password;
    if (typeof p === 'string') transcript.secret(p);
  }
  if (!current || current.versionId === start.versionId) problems.push('ACSCurrent did not move');
  else {
    if (cloud.es.effectivePassword(instanceId) !== current.record.password) problems.push('the cluster password is not ACSCurrent');
    if (!(await logsIn(cloud, instanceId, current.record.password!))) problems.push('ACSCurrent does not log in');
  }
  if (previous?.versionId !== start.versionId || previous.record.password !== start.password) problems.push(`ACSPrevious is ${previous?.versionId}, not the replaced ${start.versionId}`);
  if (secretAt(cloud, secretName, 'ACSPending')) problems.push('ACSPending is left');
  if (problems.length > 0) {
    figures.mismatches += 1;
    mismatches.push(`${label} ${instanceId}: ${problems.join('; ')}`);
  }
}

/** One instance's share of the in-process rotations, one after another. */
async function inProcessLane(d: Dice, instanceId: string, secretName: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const start = before(secretName);
    let done = false;
    for (let run = 1; run <= MAX_RUNS && !done; run++) {
      const freezeAfter = run <= 2 && d.chance(0.14) ? d.int(1, 22) : undefined;
      const outcome = await runInProcess(d, instanceId, secretName, freezeAfter);
      if (outcome === 'done') done = true;
      else if (outcome === 'frozen' && completed(secretName, start)) {
        figures.completedBeforeCrash += 1;
        done = true;
      }
    }
    await verify(done ? 'rotation' : `rotation unfinished after ${MAX_RUNS} runs`, instanceId, secretName, start);
    tally.sync();
  }
}

/** Rotations whose first run is a bundled function in a child process that gets SIGKILLed. */
async function childLane(instanceId: string, secretName: string, plan: readonly ({ hook: string } | { killAfterMs: number })[]): Promise<void> {
  for (const crash of plan) {
    const start = before(secretName);
    figures.childRuns += 1;
    figures.runs += 1;
    const env: Record<string, string> = { ...cloud.env, ...FAST_ENV };
    if ('hook' in crash) env['ESGUARD_TEST_CRASH_AFTER'] = crash.hook;
    const child = await runAndKill(bundle.file, timerEvent({ instanceId, secretName }), context(`chaos-child-${figures.childRuns}`), env, 'killAfterMs' in crash ? crash.killAfterMs : 20_000);
    transcript.add(child.output);
    if (child.signal === 'SIGKILL') figures.childKilled += 1;
    await sleep(60);
    let done = child.outcome?.ok === true || completed(secretName, start);
    if (child.signal === 'SIGKILL' && done) figures.completedBeforeCrash += 1;
    for (let run = 1; run <= MAX_RUNS && !done; run++) {
      done = (await runBundleInProcess(instanceId, secretName, `chaos-resume-${figures.childRuns}-${run}`)) === 'done' || completed(secretName, start);
    }
    await verify(`child ${JSON.stringify(crash)}`, instanceId, secretName, start);
    tally.sync();
  }
}

describe(`rotation chaos (seed ${SEED})`, () => {
  it(`${IN_PROCESS + CHILD_RUNS} rotations under faults and crashes each end with ACSCurrent on the cluster and the old password in ACSPrevious`, async () => {
    const d = new Dice(seededRandom(SEED));
    const slowerThanTimeout: Fault = { kind: 'slow', ms: CLIENT_TIMEOUT_MS + 150 };
    cloud.faults.random({
      rate: 0.2,
      seed: SEED,
      operations: ['DescribeInstance', 'UpdateAdminPassword', 'GetSecretValue', 'PutSecretValue', 'CreateSecret', 'UpdateSecretVersionStage'],
      faults: [
        FAULTS.internalError,
        FAULTS.serviceUnavailable,
        FAULTS.throttled,
        FAULTS.kmsThrottled,
        FAULTS.kmsUnavailable,
        FAULTS.kmsInternalFailure,
        FAULTS.concurrentUpdate,
        FAULTS.reset,
        FAULTS.lost,
        FAULTS.lost,
        slowerThanTimeout,
        FAULTS.slow,
        FAULTS.delay,
        { kind: 'activating', ms: 40 },
      ],
    });
    const fixtures = Array.from({ length: INSTANCES }, (_, i) => fixture(i + 1));
    const childFixtures = [fixture(101), fixture(102)];
    const plan: ({ hook: string } | { killAfterMs: number })[] = [
      ...Array.from({ length: CHILD_RUNS / 2 }, (_, i) => ({ hook: CHILD_HOOK_STEPS[i % CHILD_HOOK_STEPS.length]! })),
      ...Array.from({ length: CHILD_RUNS / 2 }, () => ({ killAfterMs: d.int(60, 600) })),
    ];
    const shuffled = d.shuffle(plan);
    const perLane = Math.floor(IN_PROCESS / INSTANCES);
    await Promise.all([
      ...fixtures.map((f, i) => inProcessLane(new Dice(seededRandom(SEED + 100 + i)), f.instanceId, f.secretName, perLane + (i < IN_PROCESS % INSTANCES ? 1 : 0))),
      childLane(childFixtures[0]!.instanceId, childFixtures[0]!.secretName, shuffled.slice(0, CHILD_RUNS / 2)),
      childLane(childFixtures[1]!.instanceId, childFixtures[1]!.secretName, shuffled.slice(CHILD_RUNS / 2)),
    ]);
    cloud.faults.clear();
    tally.sync();

    const stats = cloud.faults.stats();
    console.log(
      `[chaos:rotation] seed=${SEED} rotations=${figures.rotations} runs=${figures.runs} apiCalls=${tally.records.length} faultsInjected=${stats.total} ${JSON.stringify(stats.byKind)} ` +
        `retries=${tally.retries} stageMovesRefusedOnRetry=${tally.records.filter((c) => c.code === 'InvalidParameter').length} inProcessCrashes=${figures.frozen} childRuns=${figures.childRuns} childKilled=${figures.childKilled} ` +
        `completedBeforeCrash=${figures.completedBeforeCrash} failedRunsRetried=${figures.failedRuns} ${JSON.stringify(failureCodes)} mismatches=${figures.mismatches}`,
    );
    expect(mismatches).toEqual([]);
    expect(figures.mismatches).toBe(0);
    expect(figures.rotations).toBe(IN_PROCESS + CHILD_RUNS);
    expect(stats.total).toBeGreaterThan(figures.rotations * 2);
    expect(stats.byCode['Rejected.Throttling']).toBeGreaterThan(0);
    expect(figures.frozen).toBeGreaterThanOrEqual(15);
    expect(figures.childKilled).toBeGreaterThan(12);
    expect(tally.retries).toBeGreaterThan(200);
    // Nothing malformed reached the cloud: the only refusals are of a stage move retried after its first
    // attempt was applied and its answer lost or late (finish then reads the stages again and goes on).
    const refused = tally.records.filter((c) => c.code === 'InvalidParameter' || c.code?.startsWith('Missing'));
    expect(refused.filter((c) => c.operation !== 'UpdateSecretVersionStage' || (c.retryAttempt ?? 0) === 0)).toEqual([]);
  });

  it('leaks no secret in any log line, answer or error', () => {
    expect(transcript.lineCount).toBeGreaterThan(1000);
    expect(transcript.secrets.size).toBeGreaterThan(200);
    expect(transcript.leaks()).toEqual([]);
  });
});
