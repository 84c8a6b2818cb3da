import { CliError, EXIT } from './exit-codes';

/**
 * Several usage errors reported together, one line each, with the usage exit code: a user with three bad flags
 * fixes them in one go instead of discovering them one run at a time.
 */
export class UsageErrors extends CliError {
  constructor(readonly problems: readonly string[]) {
    super(EXIT.USAGE, problems.join('; '));
    this.name = 'UsageErrors';
  }
}

/** Collects usage problems in the order they are found; `throwIfAny` reports them all at once. */
export class Problems {
  private readonly found: string[] = [];

  add(message: string): void {
    this.found.push(message);
  }

  /**
   * Runs one validation: a usage error it throws is recorded (each of its problems, if it collected several)
   * and undefined returned, so the next one still runs. Any other error is not a usage problem: rethrown.
   */
  attempt<T>(validate: () => T): T | undefined {
    try {
      return validate();
    } catch (error) {
      if (error instanceof UsageErrors) this.found.push(...error.problems);
      else if (error instanceof CliError && error.exitCode === EXIT.USAGE) this.found.push(error.message);
      else throw error;
      return undefined;
    }
  }

  get count(): number {
    return this.found.length;
  }

  /** One problem stays a plain usage error (its message as before); several become a UsageErrors. */
  throwIfAny(): void {
    if (this.found.length === 1) throw new CliError(EXIT.USAGE, this.found[0]!);
    if (this.found.length > 1) throw new UsageErrors([...this.found]);
  }
}
