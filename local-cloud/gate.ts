import { newNonce, type ReceivedRequest, verifyRequest } from '../shared/signing';
import { ApiFaultError } from './errors';
import { isRpcV1, RpcSignatureGate } from './kms/rpc-signature';

/** A request as the gate sees it: `rawTarget` (path and query as sent) lets it see repeated query keys. */
export interface GateRequest extends ReceivedRequest {
  readonly rawTarget?: string;
}

const SIGNED_LIST_RE = /^ACS3-HMAC-SHA256 Credential=[^,]+,SignedHeaders=([^,]*),Signature=/;

/**
 * What the V3 page and the official signer require of SignedHeaders beyond what the signature itself
 * proves (local-cloud/FIDELITY.md, "Signature gate"): names lower-case, sorted and unique; every name a
 * header the request carries; `content-type` signed whenever it is sent, since it decides how a body is
 * read. Undefined when the list is fine or the header is not a V3 Authorization at all (the verifier
 * answers that).
 */
function signedListProblem(req: ReceivedRequest): string | undefined {
  const auth = req.headers['authorization'];
  const match = typeof auth === 'string' ? SIGNED_LIST_RE.exec(auth) : null;
  if (!match) return undefined;
  const names = (match[1] ?? '').split(';');
  const canonical = [...new Set(names.map((n) => n.toLowerCase()))].sort();
  if (names.join(';') !== canonical.join(';')) return 'SignedHeaders must list lower-case header names, sorted and without repeats.';
  const absent = names.filter((n) => req.headers[n] === undefined);
  if (absent.length > 0) return `SignedHeaders names headers the request does not carry: ${absent.join(', ')}.`;
  if (req.headers['content-type'] !== undefined && !names.includes('content-type')) return 'SignedHeaders must include: content-type.';
  return undefined;
}

/** Query keys that appear more than once in the target as sent (the V3 canonical query has one value per key). */
function repeatedQueryKeys(rawTarget: string | undefined): string[] {
  const q = rawTarget?.indexOf('?') ?? -1;
  if (rawTarget === undefined || q === -1) return [];
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const pair of rawTarget.slice(q + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    let key: string;
    try {
      key = decodeURIComponent(eq === -1 ? pair : pair.slice(0, eq));
    } catch {
      continue; // parseTarget already refused it
    }
    if (seen.has(key)) repeated.add(key);
    seen.add(key);
  }
  return [...repeated];
}

/** The gateway's tolerance for x-acs-date, and so how long a nonce has to be remembered. */
export const SKEW_MS = 15 * 60_000;

interface KeyEntry {
  readonly secret: string;
  /** STS keys only: the token that must come with every request signed by this key. */
  readonly securityToken?: string;
  readonly expiresAt?: number;
}

export interface StsCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string;
}

/** Access keys the emulated account knows: long-term pairs, and STS triples such as FC role credentials. */
export class KeyStore {
  private readonly keys = new Map<string, KeyEntry>();

  addKey(accessKeyId: string, secret: string): void {
    this.keys.set(accessKeyId, { secret });
  }

  addSts(creds: StsCredentials, expiresAt?: number): void {
    this.keys.set(creds.accessKeyId, {
      secret: creds.accessKeySecret,
      securityToken: creds.securityToken,
      ...(expiresAt !== undefined && { expiresAt }),
    });
  }

  /** Mints STS credentials the gate accepts, as FC hands a function its role's keys. */
  mintSts(expiresAt?: number): StsCredentials {
    const creds = {
      accessKeyId: `STS.local${newNonce().slice(0, 16)}`,
      accessKeySecret: newNonce(),
      securityToken: `CAIS.local.${newNonce()}${newNonce()}`,
    };
    this.addSts(creds, expiresAt);
    return creds;
  }

  remove(accessKeyId: string): void {
    this.keys.delete(accessKeyId);
  }

  entry(accessKeyId: string): KeyEntry | undefined {
    return this.keys.get(accessKeyId);
  }
}

/**
 * Remembers nonces for as long as a request carrying them could still pass the date check: a date may
 * be up to 15 minutes ahead, so a nonce seen now stays replayable for 30. Entries are appended in time
 * order with one fixed lifetime, so expiry is always at the front of the map and pruning is cheap.
 */
export class NonceCache {
  private readonly seenAt = new Map<string, number>();
  private readonly lifetimeMs: number;
  private readonly now: () => number;

  constructor(options: { skewMs?: number; now?: () => number } = {}) {
    this.lifetimeMs = 2 * (options.skewMs ?? SKEW_MS);
    this.now = options.now ?? Date.now;
  }

  /** True when the nonce was seen inside its lifetime; records it otherwise. */
  seen(accessKeyId: string, nonce: string): boolean {
    const now = this.now();
    this.prune(now);
    const key = `${accessKeyId}\n${nonce}`;
    if (this.seenAt.has(key)) return true;
    this.seenAt.set(key, now + this.lifetimeMs);
    return false;
  }

  get size(): number {
    this.prune(this.now());
    return this.seenAt.size;
  }

  private prune(now: number): void {
    for (const [key, expiresAt] of this.seenAt) {
      if (expiresAt > now) break;
      this.seenAt.delete(key);
    }
  }
}

export interface Caller {
  readonly accessKeyId: string;
  readonly securityToken: string | undefined;
}

export interface GateOptions {
  readonly keys: KeyStore;
  readonly nonces?: NonceCache;
  readonly now?: () => number;
}

/** Every API request passes here first, as it passes the API gateway before any service sees it. */
export class SignatureGate {
  private readonly keys: KeyStore;
  private readonly nonces: NonceCache;
  private readonly now: () => number;

  constructor(options: GateOptions) {
    this.keys = options.keys;
    this.now = options.now ?? Date.now;
    this.nonces = options.nonces ?? new NonceCache({ now: this.now });
  }

  /** Returns the verified caller or throws the gateway's refusal. */
  check(req: GateRequest): Caller {
    // RPC APIs (KMS here) also take the older HMAC-SHA1 signature that their 1.x official clients send.
    if (req.rawPath === '/' && isRpcV1(req.query))
      return new RpcSignatureGate({ keys: this.keys, nonces: this.nonces, now: this.now }).check(req);
    const now = this.now();
    const listProblem = signedListProblem(req);
    if (listProblem) throw new ApiFaultError(400, 'IncompleteSignature', listProblem);
    const result = verifyRequest(req, {
      secretFor: (id) => this.keys.entry(id)?.secret,
      nonceSeen: (id, nonce) => this.nonces.seen(id, nonce),
      now: () => now,
      maxSkewMs: SKEW_MS,
    });
    if (!result.ok) throw new ApiFaultError(result.status, result.code, result.message);
    const repeated = repeatedQueryKeys(req.rawTarget);
    if (repeated.length > 0)
      throw new ApiFaultError(
        400,
        'InvalidParameter',
        `The query parameter ${repeated.join(', ')} appears more than once; each parameter may be sent once.`,
      );
    const entry = this.keys.entry(result.accessKeyId);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= now) {
      throw new ApiFaultError(400, 'InvalidSecurityToken.Expired', 'The security token has expired.');
    }
    if (entry?.securityToken !== undefined && entry.securityToken !== result.securityToken) {
      throw new ApiFaultError(400, 'InvalidSecurityToken.MismatchWithAccessKey', 'The security token does not belong to this access key.');
    }
    return { accessKeyId: result.accessKeyId, securityToken: result.securityToken };
  }

  get rememberedNonces(): number {
    return this.nonces.size;
  }
}
