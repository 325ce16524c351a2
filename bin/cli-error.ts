// One error type for the CLI: a message a person can act on, and the exit code it maps to.

export const ExitCode = {
  Ok: 0,
  Failure: 1,
  Usage: 2,
  InvalidInput: 3,
  Unavailable: 4,
} as const;

export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number = ExitCode.Failure) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
