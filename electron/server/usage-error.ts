/** A failure the user can fix (bad flag, missing build, bad config): one line, no stack. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
