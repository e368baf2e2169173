import * as http from 'node:http';
import * as https from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { TransportError } from './errors';

/**
 * Where a request goes, split the way node:http takes it (`path` holds the query). An API client splits
 * its endpoint once and adds each call's path, instead of building and re-parsing a URL per call.
 */
export type RequestTarget = Pick<http.RequestOptions, 'protocol' | 'hostname' | 'port' | 'path' | 'auth'>;

/** A request es-guard sends (to a cloud API or a cluster), not one a trigger delivered. */
export interface OutgoingRequest {
  readonly url: URL | RequestTarget;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer | string | undefined;
  readonly timeoutMs: number;
  /** Answers larger than this are cut off with an error rather than buffered without bound. */
  readonly maxResponseBytes?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

// Keep-alive agents are the measured difference between ~117 µs and ~585 µs a call (fetch) on loopback;
// created on first use so module load stays free of sockets.
let httpAgent: http.Agent | undefined;
let httpsAgent: https.Agent | undefined;
function agentFor(url: URL | RequestTarget): http.Agent {
  if (url.protocol === 'https:') {
    httpsAgent ??= new https.Agent({ keepAlive: true, maxSockets: 64 });
    return httpsAgent;
  }
  httpAgent ??= new http.Agent({ keepAlive: true, maxSockets: 64 });
  return httpAgent;
}

const DEFAULT_MAX_RESPONSE = 16 * 1024 * 1024;

export function send(req: OutgoingRequest): Promise<HttpResponse> {
  const lib = req.url.protocol === 'https:' ? https : http;
  const limit = req.maxResponseBytes ?? DEFAULT_MAX_RESPONSE;
  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    const finish = (err: TransportError | undefined, res?: HttpResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(res!);
    };
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    // What node:http does with a URL argument, so both forms of a target send the same request.
    const target = req.url instanceof URL ? urlToHttpOptions(req.url) : req.url;
    const outgoing = lib.request({ ...target, method: req.method, headers, agent: agentFor(req.url) }, (incoming) => {
      const chunks: Buffer[] = [];
      let size = 0;
      incoming.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          incoming.destroy();
          finish(new TransportError('ResponseTooLarge', `response exceeded ${limit} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      incoming.on('end', () =>
        finish(undefined, { status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks) }),
      );
      incoming.on('aborted', () => finish(new TransportError('ECONNRESET', 'connection closed before the response ended')));
      incoming.on('error', (e: NodeJS.ErrnoException) => finish(new TransportError(e.code ?? 'ResponseError', e.message, e)));
    });
    // One deadline for the whole exchange: a server that trickles bytes must not hold a call forever.
    const timer = setTimeout(() => {
      outgoing.destroy();
      finish(new TransportError('Timeout', `no complete response within ${req.timeoutMs} ms`));
    }, req.timeoutMs);
    outgoing.on('error', (e: NodeJS.ErrnoException) => finish(new TransportError(e.code ?? 'RequestError', e.message, e)));
    if (req.body !== undefined) outgoing.end(req.body);
    else outgoing.end();
  });
}
