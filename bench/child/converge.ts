// N whitelist changes for one instance, delivered as EventBridge would: batches, one after another.
import { contextFor, nthIp, whitelistCloudEvent } from './events';
import { loadBundle, readConfig, report } from './protocol';

interface Config {
  readonly bundle: string;
  readonly env: Record<string, string>;
  readonly context: Record<string, unknown>;
  readonly instanceId: string;
  readonly n: number;
  readonly batchSize: number;
  /** FC's async retries of a failed batch (maxAsyncRetryAttempts). */
  readonly retries: number;
}

async function main(): Promise<void> {
  const cfg = readConfig<Config>();
  Object.assign(process.env, cfg.env);
  const { handler } = loadBundle(cfg.bundle);
  const events = Array.from({ length: cfg.n }, (_, i) => whitelistCloudEvent(cfg.instanceId, nthIp(i)));
  const errors: string[] = [];
  report({ phase: 'start', at: Date.now() });
  for (let b = 0; b < events.length; b += cfg.batchSize) {
    const batch = Buffer.from(JSON.stringify(events.slice(b, b + cfg.batchSize)));
    for (let attempt = 0; ; attempt++) {
      try {
        await handler(batch, contextFor(cfg.context));
        break;
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
        if (attempt >= cfg.retries) break;
      }
    }
    report({ phase: 'batch', at: Date.now(), delivered: Math.min(b + cfg.batchSize, events.length) });
  }
  report({ phase: 'end', at: Date.now(), errors });
}

main().catch((error: unknown) => {
  report({ phase: 'end', at: Date.now(), errors: [error instanceof Error ? error.message : String(error)] });
  process.exitCode = 1;
});
