import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalCloud } from '../../local-cloud';
import { acsEncode, signRequest } from '../../shared/signing';

export interface CannedAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface CannedAnswers {
  readonly describe: CannedAnswer;
  readonly update: CannedAnswer;
}

const KEPT_HEADERS = ['content-type', 'x-acs-request-id'];

function keep(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const v = headers[name];
    if (typeof v === 'string') out[name] = v;
  }
  return out;
}

function signedCall(
  cloud: LocalCloud,
  init: { method: string; path: string; query: Record<string, string>; body?: string; action: string },
): Promise<CannedAnswer> {
  const headers: Record<string, string> = { host: `127.0.0.1:${cloud.port}`, accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
  const signed = signRequest({ method: init.method, path: init.path, query: init.query, headers, body: init.body }, cloud.accessKey, {
    action: init.action,
    version: '2017-06-13',
  });
  const q = Object.entries(init.query)
    .map(([k, v]) => `${acsEncode(k)}=${acsEncode(v)}`)
    .join('&');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: cloud.port,
        method: init.method,
        path: q ? `${init.path}?${q}` : init.path,
        headers: signed,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: keep(res.headers), body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

/**
 * The local cloud's own answers for an active instance and a group-form Append to it, recorded once, so that the
 * stub answers with bodies of the real size and shape.
 */
export async function captureAnswers(cloud: LocalCloud, instanceId: string, ip: string): Promise<CannedAnswers> {
  const path = `/openapi/instances/${instanceId}`;
  const describe = await signedCall(cloud, { method: 'GET', path, query: {}, action: 'DescribeInstance' });
  const update = await signedCall(cloud, {
    method: 'POST',
    path: `${path}/private-network-white-ips`,
    query: { modifyMode: 'Append', clientToken: 'bench-capture' },
    // The documented group form: modifyMode applies to whiteIpGroup only (SDK remark).
    body: JSON.stringify({ whiteIpGroup: { groupName: 'default', ips: [ip], whiteIpType: 'PRIVATE_ES' } }),
    action: 'UpdatePrivateNetworkWhiteIps',
  });
  if (describe.status !== 200 || update.status !== 200)
    throw new Error(`capturing answers failed: ${describe.status} ${describe.body} / ${update.status} ${update.body}`);
  return { describe, update };
}

export interface StubServer {
  readonly url: string;
  /** Requests answered so far. */
  requests(): number;
  close(): Promise<void>;
}

/**
 * An instant-answer Elasticsearch endpoint that verifies nothing: DescribeInstance (GET) and the
 * whitelist write (POST) get the canned answers, so what remains of a call's time is the client's own
 * work and the loopback wire.
 */
export async function startStub(answers: CannedAnswers, options: { uncounted?: string } = {}): Promise<StubServer> {
  let count = 0;
  const server = createServer((req, res) => {
    // The bare round trips that measure the wire are answered the same way but not counted as API calls.
    if (!options.uncounted || !req.url?.startsWith(options.uncounted)) count += 1;
    req.resume();
    req.on('end', () => {
      const answer = req.method === 'POST' ? answers.update : answers.describe;
      res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => count,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
