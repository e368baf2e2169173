import { ApiFaultError } from './errors';
import type { Answer } from './operation';

type Entry =
  | { readonly state: 'processing'; readonly fingerprint: string }
  | { readonly state: 'done'; readonly fingerprint: string; readonly answer: Answer };

export type Admission = { readonly kind: 'fresh' } | { readonly kind: 'replay'; readonly answer: Answer };

/**
 * clientToken memory. A token is "processing" from the moment its first request is admitted until that
 * request's answer is ready; a failed request frees its token, as a write that did not happen leaves
 * nothing to replay. Bounded: the oldest finished tokens are forgotten first.
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity = 10_000) {}

  admit(key: string, fingerprint: string): Admission {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.entries.set(key, { state: 'processing', fingerprint });
      this.evict();
      return { kind: 'fresh' };
    }
    if (entry.state === 'processing') {
      throw new ApiFaultError(
        400,
        'TokenPreviousRequestProcessError',
        'The previous request with the same clientToken is still being processed.',
      );
    }
    if (entry.fingerprint !== fingerprint) {
      throw new ApiFaultError(
        400,
        'IdempotentParameterMismatch',
        'The clientToken was already used for a request with different parameters.',
      );
    }
    return { kind: 'replay', answer: entry.answer };
  }

  complete(key: string, fingerprint: string, answer: Answer): void {
    this.entries.set(key, { state: 'done', fingerprint, answer });
  }

  abandon(key: string): void {
    this.entries.delete(key);
  }

  private evict(): void {
    if (this.entries.size <= this.capacity) return;
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.capacity) break;
      if (entry.state === 'done') this.entries.delete(key);
    }
  }
}
