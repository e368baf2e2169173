import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { SignatureGate } from '../gate';
import { startLocalCloud, type FcHandler, type LocalCloud, type SeedFile } from '../index';
import { deliverEvents, startControl } from './control';
import { parseSchedule } from './cron';
import { timerTriggerEvent } from './fc-events';
import { startHttpTrigger } from './http-triggers';
import { FunctionInvoker } from './invoker';
import { loadFunctionSpecs, type FunctionSpec } from './s-yaml';

export interface StackOptions {
  readonly root: string;
  readonly cloudPort?: number;
  /** The control port; HTTP triggers take the ports after it, one per function (0: all random). */
  readonly controlPort?: number;
  readonly activationMs?: number;
  readonly seed?: SeedFile;
  /** Fire every enabled timer once right after start, besides its schedule. */
  readonly fireTimers?: boolean;
  /** Run timers on their cron schedule (default true; tests turn it off). */
  readonly schedule?: boolean;
  readonly echoLogs?: boolean;
  /** `function`: HTTP triggers require an ACS3-HMAC-SHA256 signature, as s.yaml's authType asks of FC. */
  readonly auth?: 'anonymous' | 'function';
}

export interface TimerInfo {
  readonly functionName: string;
  readonly triggerName: string;
  readonly cron: string;
  readonly enabled: boolean;
  readonly next: string | undefined;
}

export interface LocalStack {
  readonly cloud: LocalCloud;
  readonly controlUrl: string;
  /** HTTP trigger URL per function name (s.yaml functionName). */
  readonly httpTriggers: Readonly<Record<string, string>>;
  readonly timers: readonly TimerInfo[];
  readonly specs: readonly FunctionSpec[];
  close(): Promise<void>;
}

/** Settings that make the local stack feel live: FC's 5 s polls are tuned for minutes-long activations. */
const LOCAL_DEFAULTS: Readonly<Record<string, string>> = {
  INSTANCE_POLL_MS: '250',
  ROTATION_TEST_POLL_MS: '500',
  ROTATION_TEST_TIMEOUT_SECONDS: '120',
};

/** The functions of s.yaml, built, on the local cloud: HTTP triggers, timers and an event bus. */
export async function startLocalStack(options: StackOptions): Promise<LocalStack> {
  // A function whose folder has no entry point yet is left out rather than failing the whole stack.
  const specs = loadFunctionSpecs(join(options.root, 's.yaml')).filter((s) => existsSync(join(options.root, 'functions', s.name, 'index.ts')));
  const cloud = await startLocalCloud({
    port: options.cloudPort ?? 0,
    activationMs: options.activationMs ?? 3000,
    ...(options.seed && { seed: options.seed }),
    fc: { echoLogs: options.echoLogs ?? false },
  });
  // The functions run in this process and read their settings as deployed functions do: from the environment.
  // Local speed-ups first (s.yaml's production defaults would otherwise win), and never over the user's own.
  for (const [k, v] of Object.entries(LOCAL_DEFAULTS)) process.env[k] ??= v;
  for (const spec of specs) for (const [k, v] of Object.entries(spec.environmentVariables)) if (process.env[k] === undefined && v !== '') process.env[k] = v;
  Object.assign(process.env, cloud.env);

  const requireBundle = createRequire(join(options.root, 'package.json'));
  for (const spec of specs) {
    const file = join(options.root, 'dist', spec.name, 'index.js');
    if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build`);
    const handler = (requireBundle(file) as { handler: FcHandler }).handler;
    // Also reachable through the FC 2.0 API (service/function), for FLEET_TRANSPORT=fc2.
    cloud.fc.register(spec.functionName, handler, { timeout: spec.timeout, memory: spec.memorySize, fc2Service: process.env['FC2_SERVICE_NAME'] || 'es-guard' });
  }

  const invoker = new FunctionInvoker(cloud.url, cloud.accessKey, Math.max(...specs.map((s) => s.timeout)) * 1000);
  const servers: Server[] = [];
  const httpTriggers: Record<string, string> = {};
  const basePort = options.controlPort ?? 0;
  let offset = 1;
  for (const spec of specs) {
    if (!spec.triggers.some((t) => t.triggerType === 'http')) continue;
    const gate = options.auth === 'function' ? new SignatureGate({ keys: cloud.keys }) : undefined;
    const { server, url } = await startHttpTrigger(spec.functionName, invoker, basePort === 0 ? 0 : basePort + offset++, gate);
    servers.push(server);
    httpTriggers[spec.functionName] = url;
  }

  const timerSpecs = specs.flatMap((spec) => spec.triggers.filter((t) => t.triggerType === 'timer').map((t) => ({ spec, trigger: t })));
  const fireTimer = async (functionName: string, triggerName: string): Promise<string | undefined> => {
    const found = timerSpecs.find((t) => t.spec.functionName === functionName && t.trigger.triggerName === triggerName);
    if (!found) return undefined;
    const payload = String(found.trigger.triggerConfig['payload'] ?? '');
    return (await invoker.invoke(functionName, timerTriggerEvent(triggerName, payload), 'Async')).requestId;
  };

  const timeouts: NodeJS.Timeout[] = [];
  const timers: TimerInfo[] = timerSpecs.map(({ spec, trigger }) => {
    const cron = String(trigger.triggerConfig['cronExpression'] ?? '');
    const enabled = String(trigger.triggerConfig['enable']) !== 'false';
    const schedule = parseSchedule(cron);
    const arm = (): void => {
      const next = schedule.next(new Date());
      if (!next) return;
      // setTimeout caps at ~24.8 days; re-arm in steps so monthly schedules still fire.
      const wait = Math.min(next.getTime() - Date.now(), 2 ** 31 - 1);
      const t = setTimeout(() => {
        if (Date.now() >= next.getTime()) void fireTimer(spec.functionName, trigger.triggerName).catch(() => undefined);
        arm();
      }, wait);
      t.unref();
      timeouts.push(t);
    };
    if (enabled && options.schedule !== false) arm();
    return { functionName: spec.functionName, triggerName: trigger.triggerName, cron, enabled, next: schedule.next(new Date())?.toISOString() };
  });
  if (options.fireTimers) for (const t of timers) if (t.enabled) await fireTimer(t.functionName, t.triggerName);

  const control = await startControl(basePort, {
    fireTimer,
    deliver: (body) => deliverEvents(specs, invoker, body),
    describe: () => ({ cloud: cloud.url, httpTriggers, timers, events: 'POST /events with a CloudEvent or an array of them' }),
  });
  servers.push(control.server);

  return {
    cloud,
    controlUrl: control.url,
    httpTriggers,
    timers,
    specs,
    close: async () => {
      for (const t of timeouts) clearTimeout(t);
      await Promise.all(servers.map((s) => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r())))));
      await cloud.fc.idle();
      await cloud.close();
    },
  };
}
