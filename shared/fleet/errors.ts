/** A failed invocation attempt, with whether another attempt may succeed. */
export class DispatchError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'DispatchError';
  }
}
