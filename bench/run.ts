// `npm run bench`: es-guard against a baseline on the official SDK, side by side. Prints the tables and
// writes bench/results/targets.json (one object per target row) and bench/results/raw.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { buildBench, ROOT } from './build';
import { bundleSize } from './measure/bundle-size';
import { cliStartup } from './measure/cli';
import { convergence } from './measure/convergence';
import { firstCall } from './measure/first-call';
import { fleet } from './measure/fleet';
import { lockdown } from './measure/lockdown';
import { moduleLoad } from './measure/module-load';
import { perApiCall } from './measure/per-call';
import { preSendPath } from './measure/pre-send';
import { warmPath } from './measure/warm';
import { renderGrowth, renderTable, renderTargets } from './report/table';
import type { BenchOptions, GrowthSeries, Suite, SuiteResult, TargetRow } from './suite';

/** In order. */
const SUITES: readonly Suite[] = [
  bundleSize,
  moduleLoad,
  firstCall,
  warmPath,
  perApiCall,
  preSendPath,
  convergence,
  fleet,
  cliStartup,
  lockdown,
];

const DEFAULTS: BenchOptions = {
  loadRuns: 30,
  firstCallRuns: 15,
  warmup: 300,
  iterations: 1500,
  sizes: [10, 100, 1000],
  batchSize: 100,
  activationMs: 2000,
  pollMs: 100,
  baselineCapMs: 30_000,
  fleetSizes: [30, 100, 300],
};

const LISTS: ReadonlySet<string> = new Set(['sizes', 'fleetSizes']);

/** `--quick` for a smoke run; `--name=value` overrides one option (`--sizes=10,100`); `--only=` is read apart. */
function parseOptions(argv: readonly string[]): BenchOptions {
  let options: BenchOptions = argv.includes('--quick')
    ? {
        ...DEFAULTS,
        loadRuns: 5,
        firstCallRuns: 3,
        warmup: 50,
        iterations: 200,
        sizes: [10, 100],
        activationMs: 500,
        pollMs: 25,
        baselineCapMs: 4000,
        fleetSizes: [30, 100],
      }
    : DEFAULTS;
  for (const arg of argv) {
    const m = /^--(\w+)=(.+)$/.exec(arg);
    if (!m || m[1] === 'only') continue;
    const [, key, value] = m as unknown as [string, keyof BenchOptions, string];
    if (!(key in DEFAULTS)) throw new Error(`unknown option --${key}; known: ${Object.keys(DEFAULTS).join(', ')}`);
    options = { ...options, [key]: LISTS.has(key) ? value.split(',').map(Number) : Number(value) };
  }
  return options;
}

/** `--only=warm` runs the suites whose name contains the word (for working on one section). */
function selectedSuites(argv: readonly string[]): readonly Suite[] {
  const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  return only ? SUITES.filter((s) => s.name.includes(only)) : SUITES;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const log = (message: string) => process.stderr.write(`${message}\n`);
  log('building the baseline and the child runners…');
  const build = await buildBench();
  const results: { suite: string; result: SuiteResult }[] = [];
  for (const suite of selectedSuites(process.argv.slice(2))) {
    log(`running: ${suite.name}`);
    results.push({ suite: suite.name, result: await suite.run({ build, options, log }) });
  }
  const targets: TargetRow[] = results.flatMap((r) => r.result.targets);
  const growth: GrowthSeries[] = results.flatMap((r) => r.result.growth ?? []);

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, node ${process.version}, ${process.platform}`;
  const out = [
    `# es-guard bench (${new Date().toISOString()}; ${machine})`,
    ...results.flatMap((r) => r.result.tables.map(renderTable)),
    ...(growth.length ? [renderGrowth(growth)] : []),
    renderTargets(targets),
    `\n${targets.filter((t) => t.met).length} of ${targets.length} targets met; bench took ` +
      `${((Date.now() - started) / 1000).toFixed(0)} s.`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);

  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'targets.json'), `${JSON.stringify(targets, null, 2)}\n`);
  const raw = {
    at: new Date().toISOString(),
    machine,
    options,
    suites: results.map((r) => ({
      suite: r.suite,
      tables: r.result.tables,
      targets: r.result.targets,
      growth: r.result.growth ?? [],
      raw: r.result.raw,
    })),
  };
  writeFileSync(join(dir, 'raw.json'), `${JSON.stringify(raw)}\n`);
  log(`wrote bench/results/targets.json and bench/results/raw.json`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
