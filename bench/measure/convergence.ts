import { type LocalCloud, startLocalCloud } from '../../local-cloud';
import { fixed, seconds } from '../report/format';
import type { BenchContext, GrowthSeries, Suite, SuiteResult, TargetRow } from '../suite';
import { contextBase, functionEnv, SEED_IPS, seedInstance } from './local';
import { runChild } from './spawn';
import { baselineSubject, functionSubjects, type Subject } from './subjects';

type Message = { phase: 'start'; at: number } | { phase: 'end'; at: number; errors: string[] };
type Delivery = 'events' | 'http';

/** es-guard's own runs are not meant to be capped; this only keeps a broken run from hanging the bench. */
const SAFETY_CAP_MS = 300_000;
const WRITE = 'UpdatePrivateNetworkWhiteIps';

export interface ConvergenceRun {
  readonly side: string;
  readonly delivery: Delivery;
  readonly n: number;
  /** Accepted UpdatePrivateNetworkWhiteIps calls (projected to all N when capped). */
  readonly writes: number;
  /** Every UpdatePrivateNetworkWhiteIps sent, refusals (InstanceActivating) included. */
  readonly writeAttempts: number;
  /** Calls to the instance's API while it was activating (the windows the writes opened), and the writes among them. */
  readonly callsDuringActivation: number;
  readonly writeAttemptsDuringActivation: number;
  /** From the first delivery until every entry is in and the instance is active again. */
  readonly wallMs: number;
  readonly windows: number;
  readonly lost: number;
  readonly extra: number;
  readonly capped: boolean;
  readonly measured: { readonly applied: number; readonly writes: number; readonly attempts: number; readonly elapsedMs: number };
  readonly errors: readonly string[];
}

const idFor = (side: Subject, delivery: Delivery, n: number) => `es-cn-conv-${side.isBaseline ? 'base' : 'esg'}-${delivery}-${n}`;

/** The i-th address the child sends (bench/child/events.ts nthIp), for the lost/extra count. */
const nthIp = (i: number) => `10.${100 + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}`;

/**
 * The local cloud's call log keeps the last 10 000 calls; the baseline makes far more. So the calls to the
 * instance are tallied while the run goes (the log read every 200 ms, each call once by its request id):
 * their times, and which were write attempts.
 */
class CallTally {
  readonly callTimes: number[] = [];
  readonly writeTimes: number[] = [];
  /** Write attempts the service refused as busy: made inside an activation window. */
  busyWrites = 0;
  /** Accepted writes: they open a window, they are not in one. */
  private readonly accepted = new Set<number>();
  private readonly seen = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  constructor(
    private readonly cloud: LocalCloud,
    private readonly instanceId: string,
  ) {
    this.timer = setInterval(() => this.read(), 200);
  }
  read(): void {
    for (const c of this.cloud.calls()) {
      if (c.instanceId !== this.instanceId || this.seen.has(c.requestId)) continue;
      this.seen.add(c.requestId);
      if (c.operation === WRITE && c.status === 200) {
        this.accepted.add(c.at);
        this.writeTimes.push(c.at);
        continue;
      }
      this.callTimes.push(c.at);
      if (c.operation === WRITE) this.writeTimes.push(c.at);
      if (c.operation === WRITE && (c.code === 'InstanceActivating' || c.code === 'ConcurrencyUpdateInstanceConflict'))
        this.busyWrites += 1;
    }
  }
  stop(): void {
    clearInterval(this.timer);
    this.read();
  }
}

/** Accepted writes, from the emulator's change list (complete, unlike the call log). */
const acceptedWrites = (cloud: LocalCloud, instanceId: string): number[] =>
  cloud.es.changes
    .filter((c) => c.instanceId === instanceId && c.operation === WRITE)
    .map((c) => c.at)
    .sort((a, b) => a - b);

/** Calls (other than the accepted writes themselves) inside a window an accepted write opened, and the write attempts refused as busy. */
function activationCalls(tally: CallTally, windows: readonly number[], activationMs: number): { calls: number; writes: number } {
  const inside = (t: number) => windows.some((w) => t >= w && t < w + activationMs);
  return { calls: tally.callTimes.filter(inside).length, writes: tally.busyWrites };
}

async function converge(ctx: BenchContext, side: Subject, delivery: Delivery, n: number): Promise<ConvergenceRun> {
  const { activationMs, pollMs, baselineCapMs } = ctx.options;
  const instanceId = idFor(side, delivery, n);
  const cloud = await startLocalCloud({ activationMs, seed: { instances: [seedInstance(instanceId)] } });
  const tally = new CallTally(cloud, instanceId);
  try {
    let startAt: number | undefined;
    const config = {
      bundle: side.entry,
      // Room for 1000 entries in one group (es-guard refuses more than WHITELIST_MAX_ENTRIES, default 300).
      env: functionEnv(cloud, pollMs, {
        WHITELIST_MAX_ENTRIES: '10000',
        WHITELIST_MAX_TOTAL_ENTRIES: '10000',
        WHITELIST_WAIT_POLL_MS: String(Math.max(pollMs, 250)),
        LOG_LEVEL: 'warn',
      }),
      context: contextBase(cloud, `es-guard-${side.name}`, 900),
      instanceId,
      n,
      delivery,
      retries: 3,
      retryDelayMs: pollMs,
    };
    const outcome = await runChild<Message>(ctx.build.child.converge, config, {
      capMs: side.isBaseline ? baselineCapMs : SAFETY_CAP_MS,
      onMessage: (m) => {
        if (m.phase === 'start') startAt = m.at;
      },
    });
    if (startAt === undefined) throw new Error(`convergence ${side.name} N=${n}: the child never started (${outcome.stderr.trim()})`);
    const end = outcome.messages.find((m): m is Extract<Message, { phase: 'end' }> => m.phase === 'end');
    let doneAt = end?.at ?? Date.now();
    if (!outcome.capped && cloud.es.getInstance(instanceId)?.status === 'activating') {
      await cloud.es.waitForActivation(instanceId);
      doneAt = Date.now();
    }
    tally.stop();
    const writeCalls = tally.writeTimes;
    const accepted = acceptedWrites(cloud, instanceId);
    const final = new Set(cloud.es.whitelist(instanceId) ?? []);
    const wanted = new Set([...SEED_IPS, ...Array.from({ length: n }, (_, i) => nthIp(i))]);
    const lost = [...wanted].filter((ip) => !final.has(ip)).length;
    const extra = [...final].filter((ip) => !wanted.has(ip)).length;
    const applied = n - lost;
    const during = activationCalls(tally, accepted, activationMs);
    const measured = {
      applied,
      writes: accepted.length,
      attempts: writeCalls.length,
      elapsedMs: (outcome.capped ? Date.now() : doneAt) - startAt,
    };
    const errors = end?.errors ?? [];
    if (!outcome.capped) {
      const wallMs = doneAt - startAt;
      return {
        side: side.name,
        delivery,
        n,
        writes: accepted.length,
        writeAttempts: writeCalls.length,
        callsDuringActivation: during.calls,
        writeAttemptsDuringActivation: during.writes,
        wallMs,
        windows: wallMs / activationMs,
        lost,
        extra,
        capped: false,
        measured,
        errors,
      };
    }
    // Capped: the run so far is a steady rhythm of one write per activation window; project it to N.
    if (accepted.length < 2 || applied < 1)
      throw new Error(`convergence ${side.name} N=${n}: capped after ${accepted.length} writes, too few to extrapolate`);
    const first = accepted[0]!;
    const last = accepted[accepted.length - 1]!;
    const perWrite = (last - first) / (accepted.length - 1);
    const writes = Math.round(n * (accepted.length / applied));
    const wallMs = first - startAt + (writes - 1) * perWrite + activationMs;
    const scale = n / applied;
    return {
      side: side.name,
      delivery,
      n,
      writes,
      writeAttempts: Math.round(writeCalls.length * scale),
      callsDuringActivation: Math.round(during.calls * scale),
      writeAttemptsDuringActivation: Math.round(during.writes * scale),
      wallMs,
      windows: wallMs / activationMs,
      lost: 0,
      extra,
      capped: true,
      measured,
      errors,
    };
  } finally {
    tally.stop();
    await cloud.close();
  }
}

/**
 * N Append changes to one instance, all at once, delivered as the Default-bus EventBridge trigger
 * delivers them (one event per invocation, event-driven mode) and as N concurrent HTTP requests, with the
 * local cloud's activation window on: es-guard against the one-call-per-event baseline.
 */
export const convergence: Suite = {
  name: 'convergence',
  async run(ctx: BenchContext): Promise<SuiteResult> {
    const whitelist = functionSubjects().find((s) => s.name === 'whitelist');
    if (!whitelist) throw new Error('dist/whitelist/index.js is missing: run npm run build');
    const { sizes, activationMs, pollMs, baselineCapMs } = ctx.options;
    const runs: ConvergenceRun[] = [];
    for (const delivery of ['events', 'http'] as const) {
      for (const n of sizes) {
        for (const side of [whitelist, baselineSubject(ctx.build.baselineDir)]) {
          ctx.log(`  convergence: ${side.name} ${delivery} N=${n}`);
          runs.push(await converge(ctx, side, delivery, n));
        }
      }
    }
    const targets: TargetRow[] = [];
    const rows: string[][] = [];
    for (const delivery of ['events', 'http'] as const) {
      for (const n of sizes) {
        const esg = runs.find((r) => r.n === n && r.side === 'whitelist' && r.delivery === delivery)!;
        const base = runs.find((r) => r.n === n && r.side === 'baseline' && r.delivery === delivery)!;
        const want = Math.ceil(n / 100) + 1;
        targets.push({
          name: `convergence ${delivery} N=${n}: es-guard API writes`,
          target: `<= ceil(${n}/100)+1 = ${want}, no write attempt inside an activation window, 0 lost or extra`,
          measured:
            `${esg.writes} write${esg.writes === 1 ? '' : 's'}, ${esg.writeAttemptsDuringActivation} attempts in a window, ` +
            `${esg.lost} lost, ${esg.extra} extra (baseline: ${base.writes} writes${base.capped ? ', projected' : ''})`,
          met: esg.writes <= want && esg.writeAttemptsDuringActivation === 0 && esg.lost === 0 && esg.extra === 0,
          value: esg.writes,
          limit: want,
          unit: 'writes',
        });
        for (const r of [esg, base]) {
          rows.push([
            delivery,
            String(n),
            r.side,
            String(r.writes),
            String(r.writeAttempts),
            `${r.callsDuringActivation} (${r.writeAttemptsDuringActivation} writes)`,
            fixed(r.windows, 1),
            seconds(r.wallMs),
            `${r.lost} / ${r.extra}`,
            r.capped
              ? `capped at ${seconds(r.measured.elapsedMs)} after ${r.measured.writes} writes / ${r.measured.applied} changes; projected`
              : r.errors.length
                ? `${r.errors.length} failed deliveries`
                : 'complete',
          ]);
        }
      }
    }
    const series = (side: string, label: string): GrowthSeries[] => {
      const mine = runs.filter((r) => r.side === side && r.delivery === 'events');
      return [
        { name: `${label}: API writes`, unit: 'writes', points: mine.map((r) => ({ size: r.n, value: r.writes, extrapolated: r.capped })) },
        {
          name: `${label}: time to converge`,
          unit: 'windows',
          points: mine.map((r) => ({ size: r.n, value: r.windows, extrapolated: r.capped })),
        },
      ];
    };
    return {
      tables: [
        {
          title:
            `Convergence: N concurrent whitelist Appends to one instance, one per invocation ` +
            `(activation window ${seconds(activationMs)})`,
          columns: [
            'delivery',
            'N',
            'bundle',
            'API writes',
            'write attempts',
            'calls during activation',
            'windows to converge',
            'wall time',
            'lost / extra',
            'run',
          ],
          rows,
          notes: [
            'events: one CloudEvent per invocation, all N at once, as the Default bus delivers (event-driven mode); ' +
              'http: N concurrent POSTs with a clientToken each. Each invocation would run in its own FC instance; ' +
              'here they run concurrently in one process ' +
              '(es-guard shares nothing through memory; the tests run it in isolated FC instances).',
            "Writes: accepted UpdatePrivateNetworkWhiteIps in the local cloud's call log; " +
              'attempts include refusals (InstanceActivating). ' +
              "Calls during activation: every other call to the instance's API inside a window an accepted write opened; " +
              'in brackets the write attempts the service refused as busy (InstanceActivating).',
            `es-guard polls DescribeInstance every ${pollMs} ms (its holder only); waiting invocations read only Tablestore. ` +
              `The baseline retries its write every ${pollMs} ms while the instance is busy.`,
            `Baseline runs stop at ${seconds(baselineCapMs)}: the writes so far keep one per activation window, ` +
              `so the rest is projected from their measured interval (marked "projected").`,
            `The window is ${seconds(activationMs)} here; a real change keeps an instance activating for minutes, ` +
              `and wall time scales with it: windows × window.`,
          ],
        },
      ],
      targets,
      growth: [...series('whitelist', 'es-guard'), ...series('baseline', 'baseline (one call per event)')],
      raw: runs,
    };
  },
};
