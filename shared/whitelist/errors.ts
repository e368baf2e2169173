/** A seed rule the change breaks; `code` is what the real service answers. */
export class RuleViolationError extends Error {
  constructor(
    readonly code: 'NotFound' | 'InvalidParameter',
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = 'RuleViolationError';
  }
}
