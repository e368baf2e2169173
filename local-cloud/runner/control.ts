import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { matchesPattern } from './event-pattern';
import { cloudEvent } from './fc-events';
import type { FunctionInvoker } from './invoker';
import type { FunctionSpec } from './s-yaml';

export interface Delivery {
  readonly functionName: string;
  readonly triggerName: string;
  readonly events: number;
  readonly requestId: string | undefined;
}

interface EventTarget {
  readonly functionName: string;
  readonly triggerName: string;
  readonly pattern: unknown;
  readonly batched: boolean;
}

function eventTargets(specs: readonly FunctionSpec[]): EventTarget[] {
  return specs.flatMap((spec) =>
    spec.triggers
      .filter((t) => t.triggerType === 'eventbridge' && t.triggerConfig['triggerEnable'] !== false)
      .map((t) => {
        const raw = t.triggerConfig['eventRuleFilterPattern'];
        const runOptions = t.triggerConfig['runOptions'] as { batchWindow?: unknown } | undefined;
        return { functionName: spec.functionName, triggerName: t.triggerName, pattern: typeof raw === 'string' ? JSON.parse(raw) : raw, batched: runOptions?.batchWindow !== undefined };
      }),
  );
}

/** Fills in the envelope attributes a publisher may leave out, as the event bus does on PutEvents. */
function normalise(value: unknown): Record<string, unknown> {
  const e = (value ?? {}) as Record<string, unknown>;
  if (typeof e['specversion'] === 'string' && typeof e['id'] === 'string') return e;
  return cloudEvent({ ...(typeof e['id'] === 'string' && { id: e['id'] }), source: String(e['source'] ?? 'local.cli'), type: String(e['type'] ?? 'es-guard:local'), data: e['data'] ?? {} });
}

/** Delivers CloudEvents to every EventBridge trigger whose rule matches them, asynchronously like the bus. */
export async function deliverEvents(specs: readonly FunctionSpec[], invoker: FunctionInvoker, body: unknown): Promise<Delivery[]> {
  const events = (Array.isArray(body) ? body : [body]).map(normalise);
  const deliveries: Delivery[] = [];
  for (const target of eventTargets(specs)) {
    const matched = events.filter((e) => matchesPattern(e, target.pattern));
    if (matched.length === 0) continue;
    const batches = target.batched ? [matched] : matched.map((e) => [e]);
    for (const batch of batches) {
      const out = await invoker.invoke(target.functionName, target.batched ? batch : batch[0], 'Async');
      deliveries.push({ functionName: target.functionName, triggerName: target.triggerName, events: batch.length, requestId: out.requestId });
    }
  }
  return deliveries;
}

export interface ControlHandlers {
  readonly fireTimer: (functionName: string, triggerName: string) => Promise<string | undefined>;
  readonly deliver: (body: unknown) => Promise<Delivery[]>;
  readonly describe: () => unknown;
}

/** `POST /events` (a CloudEvent or an array), `POST /timers/<function>/<trigger>`, `GET /`. */
export async function startControl(port: number, handlers: ControlHandlers): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const reply = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(`${JSON.stringify(body, null, 2)}\n`);
        };
        try {
          const url = new URL(req.url ?? '/', 'http://local');
          if (req.method === 'GET' && url.pathname === '/') return reply(200, handlers.describe());
          if (req.method === 'POST' && url.pathname === '/events') {
            let body: unknown;
            try {
              body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
            } catch {
              return reply(400, { code: 'InvalidJSON', message: 'the body must be a CloudEvent or an array of them' });
            }
            const deliveries = await handlers.deliver(body);
            return reply(deliveries.length > 0 ? 202 : 200, { deliveries, note: deliveries.length === 0 ? 'no EventBridge trigger rule matched' : undefined });
          }
          const timer = /^\/timers\/([^/]+)\/([^/]+)$/.exec(url.pathname);
          if (req.method === 'POST' && timer) {
            const requestId = await handlers.fireTimer(decodeURIComponent(timer[1]!), decodeURIComponent(timer[2]!));
            return requestId === undefined ? reply(404, { code: 'NotFound', message: 'no such timer trigger' }) : reply(202, { fired: true, requestId });
          }
          reply(404, { code: 'NotFound', message: 'try GET /, POST /events or POST /timers/<function>/<trigger>' });
        } catch (error) {
          reply(502, { code: 'InvocationFailed', message: error instanceof Error ? error.message : String(error) });
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
