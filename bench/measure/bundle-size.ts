import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { kib } from '../report/format';
import type { BenchContext, Suite, SuiteResult, TargetRow } from '../suite';
import { baselineSubject, functionSubjects } from './subjects';

export const BUNDLE_LIMIT_BYTES = 150 * 1024;

interface Sizes {
  readonly name: string;
  readonly index: number;
  /** Other .js files beside index.js: libraries required lazily, on first use only. */
  readonly lazy: Readonly<Record<string, number>>;
  readonly maps: number;
  readonly other: number;
  readonly total: number;
}

function sizesOf(name: string, dir: string): Sizes {
  const lazy: Record<string, number> = {};
  let index = 0;
  let maps = 0;
  let other = 0;
  for (const file of readdirSync(dir)) {
    const bytes = statSync(join(dir, file)).size;
    if (file === 'index.js') index = bytes;
    else if (file.endsWith('.js')) lazy[file] = bytes;
    else if (file.endsWith('.map')) maps += bytes;
    else other += bytes;
  }
  const lazyTotal = Object.values(lazy).reduce((a, b) => a + b, 0);
  return { name, index, lazy, maps, other, total: index + lazyTotal + maps + other };
}

/** The code package of each function as built (dist/<name>/), and the baseline's beside it. */
export const bundleSize: Suite = {
  name: 'bundle size',
  async run(ctx: BenchContext): Promise<SuiteResult> {
    const all = [...functionSubjects(), baselineSubject(ctx.build.baselineDir)].map((s) => sizesOf(s.name, s.dir));
    const rows = all.map((s) => {
      const lazyBytes = Object.values(s.lazy).reduce((a, b) => a + b, 0);
      return [
        s.name,
        kib(s.index),
        Object.keys(s.lazy).length
          ? Object.entries(s.lazy)
              .map(([f, b]) => `${f} ${kib(b)}`)
              .join(', ')
          : '—',
        kib(s.index + lazyBytes),
        kib(s.maps),
        kib(s.total),
      ];
    });
    const targets: TargetRow[] = all
      .filter((s) => s.name !== 'baseline')
      .map((s) => ({
        name: `bundle: ${s.name} index.js`,
        target: `<= ${kib(BUNDLE_LIMIT_BYTES)}`,
        measured: kib(s.index),
        met: s.index <= BUNDLE_LIMIT_BYTES,
        value: s.index / 1024,
        limit: BUNDLE_LIMIT_BYTES / 1024,
        unit: 'KiB',
      }));
    return {
      tables: [
        {
          title: 'Bundle size (dist/<name>/ as built; the baseline with the same esbuild options)',
          columns: [
            'bundle',
            'index.js (loaded at cold start)',
            'lazy side files (first use only)',
            'all JS',
            'source maps',
            'whole package',
          ],
          rows,
          notes: [
            'index.js is what a cold start loads. ' +
              'Lazy side files (scripts/build.mjs lazyModules) are libraries required on first use only, ' +
              "e.g. @alicloud/credentials' default chain when FC passes no keys in the context.",
            'Source maps are built beside the code (sourcemap: linked) and ship with the package unless excluded at deploy; ' +
              'they are never loaded.',
          ],
        },
      ],
      targets,
      raw: all,
    };
  },
};
