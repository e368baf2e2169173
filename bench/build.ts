import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

export const ROOT = join(__dirname, '..');
export const BENCH_DIST = join(ROOT, 'bench', 'dist');
export const CHILDREN = ['load', 'first-call', 'warm', 'converge', 'fleet'] as const;
export type ChildName = (typeof CHILDREN)[number];

export interface BenchBuild {
  /** The baseline's code package, as the functions' are under dist/<name>/. */
  readonly baselineDir: string;
  readonly child: Readonly<Record<ChildName, string>>;
}

/** scripts/build.mjs is plain JS; its options are read at run time and typed here. */
export async function productBuildOptions(): Promise<BuildOptions> {
  const mod = (await import(pathToFileURL(join(ROOT, 'scripts', 'build.mjs')).href)) as { buildOptions?: BuildOptions };
  if (!mod.buildOptions) throw new Error('scripts/build.mjs exports no buildOptions');
  return mod.buildOptions;
}

/**
 * The baseline with exactly the functions' esbuild options (no lazy split: users ship one file), and the
 * child processes' runners, which load a bundle by path and so never contain one.
 */
export async function buildBench(): Promise<BenchBuild> {
  const options = await productBuildOptions();
  const baselineDir = join(BENCH_DIST, 'baseline');
  mkdirSync(baselineDir, { recursive: true });
  await build({ ...options, entryPoints: [join(ROOT, 'bench', 'baseline', 'index.ts')], outfile: join(baselineDir, 'index.js') });
  writeFileSync(
    join(baselineDir, 'package.json'),
    `${JSON.stringify({ name: 'bench-baseline', private: true, type: 'commonjs', main: 'index.js' }, null, 2)}\n`,
  );

  const childDir = join(BENCH_DIST, 'child');
  const child = {} as Record<ChildName, string>;
  for (const name of CHILDREN) {
    child[name] = join(childDir, `${name}.js`);
    await buildChildRunner(name, child[name]);
  }
  writeFileSync(join(childDir, 'package.json'), `${JSON.stringify({ private: true, type: 'commonjs' }, null, 2)}\n`);
  return { baselineDir, child };
}

/** A child process's runner (bench/child/<name>.ts): it loads what it measures by path, so it bundles none of it. */
export async function buildChildRunner(name: string, outfile: string): Promise<void> {
  await build({
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    entryPoints: [join(ROOT, 'bench', 'child', `${name}.ts`)],
    outfile,
  });
}
