import { startLocalCloud } from '../../local-cloud';
import { fixed, seconds } from '../report/format';
import type { BenchContext, GrowthSeries, Suite, SuiteResult, TargetRow } from '../suite';
import { contextBase, functionEnv, SEED_IPS, seedInstance } from './local';
import { runChild } from './spawn';
import { baselineSubject, functionSubjects, type Subject } from './subjects';

type Message = { phase: 'start'; at: number } | { phase: 'batch'; at: number; delivered: number } | { phase: 'end'; at: number; errors: string[] };

/** es-guard's own runs are not meant to be capped; this only keeps a broken run from hanging the bench. */
const SAFETY_CAP_MS = 300_000;
const WRITE = 'UpdatePrivateNetworkWhiteIps';

export interface ConvergenceRun {
  readonly side: string;
  readonly n: number;
  /** Accepted UpdatePrivateNetworkWhiteIps calls (projected to all N when capped). */
  readonly writes: number;
  /** Every UpdatePrivateNetworkWhiteIps sent, refusals (InstanceActivating) included. */
  readonly writeAttempts: number;
  readonly otherCalls: number;
  /** From the first batch delivered until every entry is in and the instance is active again. */
  readonly wallMs: number;
  readonly capped: boolean;
  /** What was measured before the cap: changes applied, accepted writes, elapsed time. */
  readonly measured: { readonly applied: number; readonly writes: number; readonly attempts: number; readonly elapsedMs: number };
  readonly errors: readonly string[];
}

const idFor = (side: Subject, n: number) => `es-cn-conv-${side.isBaseline ? 'base' : 'esg'}-${n}`;

async function converge(ctx: BenchContext, side: Subject, n: number): Promise<ConvergenceRun> {
  const { activationMs, pollMs, batchSize, baselineCapMs } = ctx.options;
  const instanceId = idFor(side, n);
  const cloud = await startLocalCloud({ activationMs, seed: { instances: [seedInstance(instanceId)] } });
  try {
    let startAt: number | undefined;
    const config = {
      bundle: side.entry,
      // Room for 1000 entries in one group (es-guard refuses more than WHITELIST_MAX_ENTRIES, default 300).
      env: functionEnv(cloud, pollMs, { WHITELIST_MAX_ENTRIES: '10000' }),
      context: contextBase(cloud, `es-guard-${side.name}`, 900),
      instanceId,
      n,
      batchSize,
      retries: 3,
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
    const calls = cloud.calls();
    const writeCalls = calls.filter((c) => c.operation === WRITE);
    const accepted = writeCalls.filter((c) => c.status === 200 && !c.replayed).sort((a, b) => a.at - b.at);
    const applied = (cloud.es.whitelist(instanceId) ?? []).length - SEED_IPS.length;
    const measured = { applied, writes: accepted.length, attempts: writeCalls.length, elapsedMs: (outcome.capped ? Date.now() : doneAt) - startAt };
    const errors = end?.errors ?? [];
    if (!outcome.capped && applied !== n) throw new Error(`convergence ${side.name} N=${n}: ${applied} of ${n} entries arrived; errors: ${errors.slice(0, 3).join('; ')}`);
    if (!outcome.capped) {
      return { side: side.name, n, writes: accepted.length, writeAttempts: writeCalls.length, otherCalls: calls.length - writeCalls.length, wallMs: doneAt - startAt, capped: false, measured, errors };
    }
    // Capped: the run so far is a steady rhythm of one write per activation window; project it to N.
    if (accepted.length < 2 || applied < 1) throw new Error(`convergence ${side.name} N=${n}: capped after ${accepted.length} writes, too few to extrapolate`);
    const first = accepted[0]!.at;
    const last = accepted[accepted.length - 1]!.at;
    const perWrite = (last - first) / (accepted.length - 1);
    const writesPerChange = accepted.length / applied;
    const writes = Math.round(n * writesPerChange);
    return {
      side: side.name,
      n,
      writes,
      writeAttempts: Math.round((writeCalls.length / applied) * n),
      otherCalls: Math.round(((calls.length - writeCalls.length) / applied) * n),
      wallMs: first - startAt + (writes - 1) * perWrite + activationMs,
      capped: true,
      measured,
      errors,
    };
  } finally {
    await cloud.close();
  }
}

/**
 * N Append changes for one instance, delivered as the EventBridge trigger would (batches of
 * CountBasedWindow, one after another to one function instance), with the local cloud's activation
 * window on. Writes are counted in the local cloud's call log.
 */
export const convergence: Suite = {
  name: 'convergence',
  async run(ctx: BenchContext): Promise<SuiteResult> {
    const whitelist = functionSubjects().find((s) => s.name === 'whitelist');
    if (!whitelist) throw new Error('dist/whitelist/index.js is missing: run npm run build');
    const { sizes, batchSize, activationMs, pollMs, baselineCapMs } = ctx.options;
    const runs: ConvergenceRun[] = [];
    for (const n of sizes) {
      for (const side of [whitelist, baselineSubject(ctx.build.baselineDir)]) {
        ctx.log(`  convergence: ${side.name} N=${n}`);
        runs.push(await converge(ctx, side, n));
      }
    }
    const targets: TargetRow[] = [];
    const rows: string[][] = [];
    for (const n of sizes) {
      const esg = runs.find((r) => r.n === n && r.side === 'whitelist')!;
      const base = runs.find((r) => r.n === n && r.side === 'baseline')!;
      const want = Math.ceil(n / batchSize);
      targets.push({
        name: `convergence N=${n}: es-guard API writes`,
        target: `= ceil(${n}/${batchSize}) = ${want}, never ${n}`,
        measured: `${esg.writes} write${esg.writes === 1 ? '' : 's'} (one-call-per-event baseline: ${base.writes}${base.capped ? ', projected' : ''})`,
        met: esg.writes === want,
        value: esg.writes,
        limit: want,
        unit: 'writes',
      });
      for (const r of [esg, base]) {
        rows.push([
          String(n),
          r.side,
          String(r.writes),
          String(r.writeAttempts),
          String(r.otherCalls),
          seconds(r.wallMs),
          r === base ? `${fixed(base.wallMs / esg.wallMs, 1)}×` : '1×',
          r.capped ? `capped at ${seconds(r.measured.elapsedMs)} after ${r.measured.writes} writes / ${r.measured.applied} changes; projected` : 'complete',
        ]);
      }
    }
    const series = (side: string, label: string): GrowthSeries[] => {
      const mine = runs.filter((r) => r.side === side);
      return [
        { name: `${label}: API writes`, unit: 'writes', points: mine.map((r) => ({ size: r.n, value: r.writes, extrapolated: r.capped })) },
        { name: `${label}: wall time to converge`, unit: 's', points: mine.map((r) => ({ size: r.n, value: r.wallMs / 1000, extrapolated: r.capped })) },
      ];
    };
    return {
      tables: [
        {
          title: `Convergence: N whitelist Appends to one instance as EventBridge batches of ${batchSize} (activation window ${seconds(activationMs)})`,
          columns: ['N', 'bundle', 'API writes', 'write attempts', 'other calls', 'wall time', 'vs es-guard', 'run'],
          rows,
          notes: [
            'Writes: accepted UpdatePrivateNetworkWhiteIps in the local cloud\'s call log; attempts include refusals (InstanceActivating) of the baseline\'s retry loop.',
            `Both sides poll/retry every ${pollMs} ms while the instance is activating; wall time runs from the first batch delivered until every entry is in and the instance is active.`,
            `Baseline runs stop at ${seconds(baselineCapMs)}: the writes so far keep one per activation window, so the rest is projected from their measured interval (marked "projected").`,
            `The window is ${seconds(activationMs)} here; a real change keeps an instance activating for minutes, and wall time scales with it: writes × window.`,
          ],
        },
      ],
      targets,
      growth: [...series('whitelist', 'es-guard'), ...series('baseline', 'baseline (one call per event)')],
      raw: runs,
    };
  },
};
