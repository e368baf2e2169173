import { fixed, mib, spread } from '../report/format';
import type { BenchContext, InfoTable, Suite, SuiteResult, TargetRow } from '../suite';
import { only, runChild } from './spawn';
import { pairRatios, rotate, summarize } from './stats';
import { baselineSubject, functionSubjects } from './subjects';

interface LoadSample {
  readonly requireMs: number;
  readonly sinceProcessStartMs: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

export const LOAD_MS_LIMIT = 30;
export const LOAD_RATIO_LIMIT = 1 / 6;
export const RSS_LIMIT_BYTES = 48 * 1048576;
const NODE_ONLY = 'node alone (nothing required)';

/**
 * Cold start as module load: each bundle `require`d in a fresh node process, many times, the candidates
 * in rotating order. The time is taken inside the child around `require`; RSS right after.
 */
export const moduleLoad: Suite = {
  name: 'cold start: module load',
  async run(ctx: BenchContext): Promise<SuiteResult> {
    const subjects = [baselineSubject(ctx.build.baselineDir), ...functionSubjects()];
    const candidates = [
      { name: NODE_ONLY, entry: null as string | null },
      ...subjects.map((s) => ({ name: s.name, entry: s.entry as string | null })),
    ];
    const samples = new Map<string, LoadSample[]>(candidates.map((c) => [c.name, []]));
    for (let r = 0; r < ctx.options.loadRuns; r++) {
      for (const c of rotate(candidates, r)) {
        const outcome = await runChild<LoadSample>(ctx.build.child.load, { bundle: c.entry });
        samples.get(c.name)!.push(only(outcome, `load ${c.name}`));
      }
      if ((r + 1) % 10 === 0) ctx.log(`  module load: ${r + 1}/${ctx.options.loadRuns} rounds`);
    }

    const baseline = samples.get('baseline')!.map((s) => s.requireMs);
    const nodeRss = summarize(samples.get(NODE_ONLY)!.map((s) => s.rssBytes)).median;
    const rows: string[][] = [];
    const targets: TargetRow[] = [];
    const raw: Record<string, unknown> = {};
    for (const c of candidates) {
      const list = samples.get(c.name)!;
      const load = summarize(list.map((s) => s.requireMs));
      const sinceStart = summarize(list.map((s) => s.sinceProcessStartMs));
      const rss = summarize(list.map((s) => s.rssBytes));
      const ratio =
        c.entry && c.name !== 'baseline'
          ? summarize(
              pairRatios(
                list.map((s) => s.requireMs),
                baseline,
              ),
            )
          : undefined;
      raw[c.name] = { samples: list, load, sinceStart, rss, ratio };
      rows.push([
        c.name,
        spread(load, 'ms'),
        spread(sinceStart, 'ms'),
        `${mib(rss.median)} (${mib(rss.min)}–${mib(rss.max)})`,
        c.entry ? `+${mib(rss.median - nodeRss)}` : '—',
        ratio ? `${fixed(ratio.median, 3)} (1/${fixed(1 / ratio.median, 1)})` : '—',
      ]);
      if (!ratio) continue;
      targets.push(
        {
          name: `cold start: ${c.name} module load vs baseline (pairwise median ratio)`,
          target: `<= 1/6 (${fixed(LOAD_RATIO_LIMIT, 3)})`,
          measured: `${fixed(ratio.median, 3)} (1/${fixed(1 / ratio.median, 1)}; pairs ${fixed(ratio.min, 3)}–${fixed(ratio.max, 3)})`,
          met: ratio.median <= LOAD_RATIO_LIMIT,
          value: ratio.median,
          limit: LOAD_RATIO_LIMIT,
          unit: 'ratio',
        },
        {
          name: `cold start: ${c.name} module load median`,
          target: `<= ${LOAD_MS_LIMIT} ms`,
          measured: spread(load, 'ms'),
          met: load.median <= LOAD_MS_LIMIT,
          value: load.median,
          limit: LOAD_MS_LIMIT,
          unit: 'ms',
        },
        {
          name: `cold start: ${c.name} RSS after load (median)`,
          target: `<= ${mib(RSS_LIMIT_BYTES)}`,
          measured: `${mib(rss.median)} = ${fixed(rss.median / 1e6)} MB (${mib(rss.min)}–${mib(rss.max)})`,
          met: rss.median <= RSS_LIMIT_BYTES,
          value: rss.median / 1048576,
          limit: RSS_LIMIT_BYTES / 1048576,
          unit: 'MiB',
        },
      );
    }
    const table: InfoTable = {
      title: `Cold start: module load (${ctx.options.loadRuns} fresh processes each, median (min–max))`,
      columns: ['bundle', 'require()', 'process start → loaded', 'RSS after load', 'RSS over node alone', 'load / baseline'],
      rows,
      notes: [
        'require() is timed inside the child with process.hrtime around require(dist/<name>/index.js); ' +
          'RSS is process.memoryUsage().rss right after.',
        'Candidates run in rotating order each round; ratios pair round i of a function with round i of the baseline.',
        `The baseline is the whitelist job on the official SDK (bench/baseline); "${NODE_ONLY}" is the floor of any node process.`,
      ],
    };
    return { tables: [table], targets, raw };
  },
};
