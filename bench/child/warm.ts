// The warm path: one process, many sequential whitelist requests after a warm-up, each timed.
import { Agent, request } from 'node:http';
import { contextFor, type Mode, whitelistHttpEvent } from './events';
import { type FcHandler, loadBundle, readConfig, report, statusOf } from './protocol';

interface Config {
  readonly bundle: string;
  readonly env: Record<string, string>;
  readonly context: Record<string, unknown>;
  readonly instances: readonly string[];
  /** `alternate`: Append then Delete of the same entry per instance, so every call is a real change. */
  readonly pattern: 'alternate' | 'append';
  readonly ip: string;
  readonly warmup: number;
  readonly iterations: number;
  /** When set: a bare keep-alive round trip to this URL after each invocation, the wire's share of a call. */
  readonly floorUrl?: string;
}

function modeAt(cfg: Config, i: number): Mode {
  const round = Math.floor(i / cfg.instances.length);
  return cfg.pattern === 'alternate' && round % 2 === 1 ? 'Delete' : 'Append';
}

/** `floor` set: a bare round trip after each invocation, so wire and invocations share the same conditions. */
async function invocations(
  handler: FcHandler,
  cfg: Config,
  from: number,
  count: number,
  out?: { samples: number[]; floor?: Floor },
): Promise<number> {
  let failures = 0;
  for (let i = from; i < from + count; i++) {
    const event = whitelistHttpEvent(cfg.instances[i % cfg.instances.length]!, modeAt(cfg, i), [cfg.ip]);
    const context = contextFor(cfg.context);
    const start = process.hrtime.bigint();
    const response = await handler(event, context);
    const us = Number(process.hrtime.bigint() - start) / 1e3;
    if (statusOf(response) !== 200) failures += 1;
    out?.samples.push(us);
    if (out?.floor) await out.floor.sample();
  }
  return failures;
}

function roundTrip(agent: Agent, url: URL): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: 'GET' }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end();
  });
}

interface Floor {
  readonly samples: number[];
  sample(): Promise<void>;
  close(): void;
}

function floor(url: string): Floor {
  const agent = new Agent({ keepAlive: true });
  const target = new URL(url);
  const samples: number[] = [];
  return {
    samples,
    async sample() {
      const start = process.hrtime.bigint();
      await roundTrip(agent, target);
      samples.push(Number(process.hrtime.bigint() - start) / 1e3);
    },
    close: () => agent.destroy(),
  };
}

async function main(): Promise<void> {
  const cfg = readConfig<Config>();
  Object.assign(process.env, cfg.env);
  const { handler } = loadBundle(cfg.bundle);
  const wire = cfg.floorUrl ? floor(cfg.floorUrl) : undefined;
  // Warm-up warms the bare round trip too, then its samples restart.
  const warmupFailures = await invocations(handler, cfg, 0, cfg.warmup, wire && { samples: [], floor: wire });
  wire?.samples.splice(0);
  const samplesUs: number[] = [];
  const start = process.hrtime.bigint();
  const failures = await invocations(handler, cfg, cfg.warmup, cfg.iterations, { samples: samplesUs, ...(wire && { floor: wire }) });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const floorUs = wire ? [...wire.samples] : [];
  wire?.close();
  report({ samplesUs, wallMs, failures, warmupFailures, floorUs });
}

main().catch((error: unknown) => {
  report({ error: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
});
