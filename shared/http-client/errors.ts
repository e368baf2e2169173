/** The request never produced a complete answer: the caller may retry (with the same idempotency token). */
export class TransportError extends Error {
  readonly code: string;
  constructor(code: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'TransportError';
    this.code = code;
  }
}
