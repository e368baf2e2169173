import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiFaultError } from '../errors';
import type { SignatureGate } from '../gate';
import { parseTarget } from '../request';
import { httpTriggerEventFrom } from './fc-events';
import type { FunctionInvoker } from './invoker';

const MAX_BODY = 6 * 1024 * 1024; // FC's limit for a synchronous request body

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      // Over the limit: answer 413 at once and keep draining (a destroyed socket reads as a reset, not a 413).
      if (size > MAX_BODY) {
        if (size - c.length <= MAX_BODY) resolve(undefined);
        chunks.length = 0;
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string): void {
  res.writeHead(status, headers);
  res.end(body);
}

/**
 * One function's HTTP trigger: each request becomes an FC 3.0 HTTP event and a synchronous invocation.
 * With a gate it is an `authType: function` trigger: the request must carry a valid ACS3-HMAC-SHA256
 * signature of a key the local cloud knows, as FC's gateway requires before the function runs.
 */
export async function startHttpTrigger(
  functionName: string,
  invoker: FunctionInvoker,
  port: number,
  gate?: SignatureGate,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (body === undefined)
        return send(
          res,
          413,
          { 'content-type': 'application/json', connection: 'close' },
          JSON.stringify({ code: 'PayloadTooLarge', message: 'request body over 6 MB' }),
        );
      if (gate) {
        try {
          const { rawPath, query } = parseTarget(req.url ?? '/');
          gate.check({ method: req.method ?? 'GET', rawPath, query, headers: req.headers, body });
        } catch (error) {
          const fault =
            error instanceof ApiFaultError ? error : new ApiFaultError(403, 'AccessDenied', 'the request could not be authenticated');
          return send(
            res,
            fault.status === 404 ? 403 : fault.status,
            { 'content-type': 'application/json' },
            JSON.stringify({ code: fault.code, message: fault.message }),
          );
        }
      }
      const event = httpTriggerEventFrom(req, body);
      try {
        const out = await invoker.invoke(functionName, event, 'Sync');
        if (out.error) {
          return send(
            res,
            502,
            { 'content-type': 'application/json' },
            JSON.stringify({
              code: 'FunctionError',
              message: `${out.error.errorType}: ${out.error.errorMessage}`,
              requestId: out.requestId,
            }),
          );
        }
        const r = out.result as
          | { statusCode?: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean }
          | undefined;
        const status = typeof r?.statusCode === 'number' ? r.statusCode : 200;
        const payload = r?.body === undefined ? '' : r.isBase64Encoded ? Buffer.from(r.body, 'base64') : r.body;
        send(res, status, r?.headers ?? {}, payload);
      } catch (error) {
        send(
          res,
          502,
          { 'content-type': 'application/json' },
          JSON.stringify({ code: 'InvocationFailed', message: error instanceof Error ? error.message : String(error) }),
        );
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
