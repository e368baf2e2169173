import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { startLocalCloud } from '../../local-cloud';
import { BENCH_DIST, buildChildRunner, productBuildOptions, ROOT } from '../build';
import type { ApiCallName, CallConfig } from '../per-call/call';
import { fixed } from '../report/format';
import type { BenchContext, Suite, SuiteResult, TargetRow } from '../suite';
import { seedInstance } from './local';
import { childEnv, only, runChild } from './spawn';
import { type Summary, summarize } from './stats';
import { type CannedAnswers, captureAnswers } from './stub-server';

/** es-guard's client CPU per call may be at most this share of the official SDK's for the same call. */
export const PER_CALL_RATIO_LIMIT = 0.5;
/** Fresh processes per side and call, sides alternating which goes first. */
const ROUNDS = 3;
const INSTANCE = 'es-cn-percall-capture';
const GROUP = { groupName: 'default', ips: ['10.100.0.1', '10.100.0.2'] };
const CALLS: readonly ApiCallName[] = ['DescribeInstance', 'UpdatePrivateNetworkWhiteIps'];
const SIDES = ['es-guard', 'sdk', 'bare'] as const;
const LABEL: Readonly<Record<Side, string>> = { 'es-guard': 'es-guard', sdk: 'official SDK', bare: 'bare keep-alive request' };
type Side = (typeof SIDES)[number];

interface PerCallBuild {
  readonly runner: string;
  readonly stub: string;
  readonly sides: Readonly<Record<Side, string>>;
}

interface ChildSample {
  readonly wallUs: number[];
  readonly loopCpuUs: number;
  readonly loopWallUs: number;
}

/**
 * The two sides are built with the functions' own esbuild options (scripts/build.mjs), as the baseline
 * is; the runner and the stub like the other child runners.
 */
async function buildPerCall(): Promise<PerCallBuild> {
  const options = await productBuildOptions();
  const dir = join(BENCH_DIST, 'per-call');
  mkdirSync(dir, { recursive: true });
  const sides = {} as Record<Side, string>;
  for (const side of SIDES) {
    sides[side] = join(dir, `${side}.js`);
    await build({ ...options, entryPoints: [join(ROOT, 'bench', 'per-call', `${side}.ts`)], outfile: sides[side] });
  }
  const child = (name: string) => join(dir, `${name}-runner.js`);
  for (const name of ['per-call', 'stub']) await buildChildRunner(name, child(name));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ private: true, type: 'commonjs' }, null, 2)}\n`);
  return { runner: child('per-call'), stub: child('stub'), sides };
}

interface StubProcess {
  readonly url: string;
  /** Closes its stdin; it answers with its request count and CPU, then exits. */
  stop(): Promise<{ requests: number; cpuUs: number }>;
}

/** The stub in its own process: the clients' CPU figures then hold no server work. */
function startStubProcess(script: string, answers: CannedAnswers): Promise<StubProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, JSON.stringify({ answers })], {
      stdio: ['pipe', 'ignore', 'pipe', 'pipe'],
      env: childEnv(),
    });
    const messages: Record<string, unknown>[] = [];
    const waiting: ((m: Record<string, unknown>) => void)[] = [];
    let pending = '';
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString('utf8')).slice(-2000);
    });
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => {
      pending += c.toString('utf8');
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const m = JSON.parse(pending.slice(0, nl)) as Record<string, unknown>;
        pending = pending.slice(nl + 1);
        const w = waiting.shift();
        if (w) w(m);
        else messages.push(m);
      }
    });
    const next = () => new Promise<Record<string, unknown>>((r) => (messages.length ? r(messages.shift()!) : waiting.push(r)));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`per-call stub exited ${code}: ${stderr}`));
    });
    void next().then((m) => {
      if (typeof m['url'] !== 'string') return reject(new Error(`per-call stub: ${JSON.stringify(m)} ${stderr}`));
      resolve({
        url: m['url'],
        async stop() {
          child.stdin?.end();
          const end = await next();
          return { requests: Number(end['requests']), cpuUs: Number(end['cpuUs']) };
        },
      });
    });
  });
}

interface SideRun {
  readonly call: ApiCallName;
  readonly side: Side;
  /** Per process: loop CPU / N, µs. */
  readonly cpuPerCallUs: number[];
  readonly cpuPerCall: Summary;
  readonly wallUs: Summary;
  readonly callsPerSecond: number;
}

const us = (x: number): string => `${fixed(x, 0)} µs`;

/**
 * One API call, N times in a row, by es-guard's shared ApiClient/ElasticsearchApi and by the official
 * SDK, each in fresh processes against an instant stub in a process of its own: the client's CPU per call
 * is its own work (build, sign, serialise, send, parse), the figure the target compares.
 */
export const perApiCall: Suite = {
  name: 'warm path per API call',
  async run(ctx: BenchContext): Promise<SuiteResult> {
    const { warmup, iterations } = ctx.options;
    const built = await buildPerCall();
    const cloud = await startLocalCloud({ activationMs: 0, seed: { instances: [seedInstance(INSTANCE)] } });
    let answers: CannedAnswers;
    try {
      answers = await captureAnswers(cloud, INSTANCE, GROUP.ips[0]!);
    } finally {
      await cloud.close();
    }
    const stub = await startStubProcess(built.stub, answers);
    const samples = new Map<string, ChildSample[]>();
    let stubStats: { requests: number; cpuUs: number };
    try {
      for (let round = 0; round < ROUNDS; round++) {
        for (const call of CALLS) {
          const order = round % 2 === 0 ? SIDES : [...SIDES].reverse();
          for (const side of order) {
            const cfg: CallConfig = {
              call,
              endpoint: stub.url,
              instanceId: INSTANCE,
              accessKey: { accessKeyId: 'STS.bench', accessKeySecret: 'bench-secret', securityToken: 'bench-token' },
              group: GROUP,
            };
            const sample = only(
              await runChild<ChildSample>(built.runner, { bundle: built.sides[side], call: cfg, warmup, iterations }),
              `per-call ${side} ${call}`,
            );
            const key = `${call}/${side}`;
            samples.set(key, [...(samples.get(key) ?? []), sample]);
          }
        }
      }
    } finally {
      stubStats = await stub.stop();
    }
    const expected = ROUNDS * CALLS.length * SIDES.length * (warmup + iterations);
    if (stubStats.requests !== expected)
      throw new Error(`per-call: the stub answered ${stubStats.requests} requests, expected ${expected} (one per call)`);

    const runs: SideRun[] = [];
    for (const call of CALLS) {
      for (const side of SIDES) {
        const s = samples.get(`${call}/${side}`) ?? [];
        const cpuPerCallUs = s.map((x) => x.loopCpuUs / iterations);
        const wallAll = s.flatMap((x) => x.wallUs);
        runs.push({
          call,
          side,
          cpuPerCallUs,
          cpuPerCall: summarize(cpuPerCallUs),
          wallUs: summarize(wallAll),
          callsPerSecond: (s.length * iterations) / (s.reduce((a, x) => a + x.loopWallUs, 0) / 1e6),
        });
      }
    }
    const pick = (call: ApiCallName, side: Side) => runs.find((r) => r.call === call && r.side === side)!;
    const rows = runs.map((r) => {
      const sdk = pick(r.call, 'sdk');
      const bare = pick(r.call, 'bare');
      const aboveBare = r.side === 'bare' ? '—' : us(r.cpuPerCall.median - bare.cpuPerCall.median);
      return [
        r.call === 'UpdatePrivateNetworkWhiteIps' ? `${r.call} (group, Append)` : r.call,
        LABEL[r.side],
        `${r.cpuPerCallUs.length} × ${iterations}`,
        `${us(r.cpuPerCall.median)} (${us(r.cpuPerCall.min)}–${us(r.cpuPerCall.max)})`,
        aboveBare,
        us(r.wallUs.median),
        us(r.wallUs.p99),
        fixed(r.callsPerSecond, 0),
        r.side === 'sdk' ? '—' : `${fixed(r.cpuPerCall.median / sdk.cpuPerCall.median, 2)}×`,
        r.side === 'sdk' ? '—' : `${fixed(r.wallUs.median / sdk.wallUs.median, 2)}×`,
      ];
    });
    const aboveBareRatio = (call: ApiCallName): number => {
      const bare = pick(call, 'bare').cpuPerCall.median;
      return (pick(call, 'es-guard').cpuPerCall.median - bare) / (pick(call, 'sdk').cpuPerCall.median - bare);
    };
    const targets: TargetRow[] = CALLS.map((call) => {
      const esg = pick(call, 'es-guard');
      const sdk = pick(call, 'sdk');
      const ratio = esg.cpuPerCall.median / sdk.cpuPerCall.median;
      const met = ratio <= PER_CALL_RATIO_LIMIT;
      return {
        name:
          `per API call: es-guard client CPU per ${call}${call === 'UpdatePrivateNetworkWhiteIps' ? ' (group form)' : ''} ` +
          `/ official SDK's (p50)`,
        target: `<= ${PER_CALL_RATIO_LIMIT}×`,
        measured:
          `${fixed(ratio, 2)}× (${us(esg.cpuPerCall.median)} vs ${us(sdk.cpuPerCall.median)} CPU per call; ` +
          `wall p50 ${us(esg.wallUs.median)} vs ${us(sdk.wallUs.median)})`,
        met,
        value: ratio,
        limit: PER_CALL_RATIO_LIMIT,
        unit: '×',
        ...(!met && {
          note:
            `missed by ${fixed(ratio - PER_CALL_RATIO_LIMIT, 2)}×: es-guard's own work per ${call} is ${us(esg.cpuPerCall.median)} ` +
            `of CPU against the SDK's ${us(sdk.cpuPerCall.median)}; ` +
            `a bare keep-alive request with the same line and body costs ${us(pick(call, 'bare').cpuPerCall.median)}, ` +
            `and above it es-guard spends ${fixed(aboveBareRatio(call), 2)}× the SDK's.`,
        }),
      };
    });
    return {
      tables: [
        {
          title:
            `Warm path per API call: the same call N = ${iterations} times in a row (after ${warmup} warm-up) per fresh process, ` +
            `${ROUNDS} processes per side, against an instant stub in its own process`,
          columns: [
            'API call',
            'client',
            'processes × calls',
            'CPU per call p50 (min–max)',
            'CPU above the bare request',
            'wall per call p50',
            'wall p99',
            'calls/s',
            'CPU / SDK',
            'wall / SDK',
          ],
          rows,
          notes: [
            "es-guard: ApiClient + ElasticsearchApi from shared/api (its index), built once per process with the functions' esbuild " +
              'options; SDK: @alicloud/elasticsearch20170613 with openapi-core Config and @alicloud/credentials (sts), ' +
              'built once the same way.',
            "CPU per call = process.cpuUsage (user + system, all the client process's threads: GC and libuv included) " +
              'around the measured loop / N, median over the processes; wall = hrtime around each call, all calls pooled.',
            `bare keep-alive request: the same method, path, query and body over node:http with a keep-alive agent, unsigned, ` +
              `the answer read and dropped: the floor every Node client pays. Above it, es-guard spends ` +
              `${fixed(aboveBareRatio('DescribeInstance'), 2)}× the SDK's CPU per DescribeInstance and ` +
              `${fixed(aboveBareRatio('UpdatePrivateNetworkWhiteIps'), 2)}× per write (information; ` +
              `the target compares whole client CPU).`,
            `The stub (bench/child/stub.ts) runs in its own process, so no server work is in the client's CPU; ` +
              `it answered ${stubStats.requests} requests with ${us(stubStats.cpuUs / stubStats.requests)} of its own CPU each, ` +
              `and verifies nothing (bodies recorded from the local cloud: DescribeInstance, and the group-form Append write).`,
            'UpdatePrivateNetworkWhiteIps is sent in its documented group form: whiteIpGroup {groupName, ips, ' +
              'whiteIpType PRIVATE_ES} with modifyMode=Append and a fresh clientToken per call, on both sides.',
            'Ratios pair figures from the same run, so load from other processes on the machine shifts both sides alike.',
          ],
        },
      ],
      targets,
      raw: { runs, stub: stubStats },
    };
  },
};
