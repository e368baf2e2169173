import type { BenchBuild } from './build';

/** A row of the targets table, and of bench/results/targets.json. */
export interface TargetRow {
  readonly name: string;
  /** The target as text, e.g. `<= 30 ms`. */
  readonly target: string;
  /** The measured figure as text, with its spread where there is one. */
  readonly measured: string;
  readonly met: boolean;
  /** The figure compared, and the limit, in `unit`. */
  readonly value: number;
  readonly limit: number;
  readonly unit: string;
  /** Where the target is missed: by how much and why. */
  readonly note?: string;
}

export interface InfoTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** How the figures were obtained. */
  readonly notes?: readonly string[];
}

/** One figure at several sizes of the work (convergence: changes; fleet: instances). */
export interface GrowthSeries {
  readonly name: string;
  readonly unit: string;
  readonly points: readonly { readonly size: number; readonly value: number; readonly extrapolated?: boolean }[];
}

export interface SuiteResult {
  readonly tables: readonly InfoTable[];
  readonly targets: readonly TargetRow[];
  readonly growth?: readonly GrowthSeries[];
  readonly raw: unknown;
}

export interface BenchOptions {
  /** Fresh processes per bundle for module load. */
  readonly loadRuns: number;
  /** Fresh processes per side for the first invocation. */
  readonly firstCallRuns: number;
  readonly warmup: number;
  readonly iterations: number;
  readonly sizes: readonly number[];
  readonly batchSize: number;
  readonly activationMs: number;
  /** DescribeInstance poll / retry sleep while an instance is activating, both sides alike. */
  readonly pollMs: number;
  /** Wall-time cap of one one-call-per-event convergence run; beyond it the run is extrapolated. */
  readonly baselineCapMs: number;
  /** Tagged instances, all due, per rotate-fleet run (one fresh process per size). */
  readonly fleetSizes: readonly number[];
}

export interface BenchContext {
  readonly build: BenchBuild;
  readonly options: BenchOptions;
  log(message: string): void;
}

/** A section of the bench. run.ts lists them in order; `growth` series go to the growth table. */
export interface Suite {
  readonly name: string;
  run(ctx: BenchContext): Promise<SuiteResult>;
}
