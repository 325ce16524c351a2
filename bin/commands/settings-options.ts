// The settings of functions/settings.ts as command-line options: each command registers the ones
// it reads, and reads them back flag first, then environment variable, then default. A bad value
// is a usage error naming the flag or variable.

import { Option, type Command } from 'commander';
import { InvalidSettingError, readSettings, SETTING, type SettingKey, type Settings } from '../../functions/settings.ts';
import { CliError, ExitCode } from '../cli-error.ts';

const attribute = (key: SettingKey) => new Option(`${SETTING[key].flag} <value>`).attributeName();

/** Adds an option per setting; help names Cilium's flag, the variable and the default. */
export function addSettingOptions(command: Command, keys: readonly SettingKey[]): Command {
  for (const key of keys) {
    const d = SETTING[key];
    const help = `${d.meaning.replace(/`/g, '')} (Cilium: ${d.cilium}; env ${d.env}; default ${d.default === '' ? 'none' : d.default})`;
    command.option(`${d.flag} <value>`, help);
  }
  return command;
}

/** The settings a command was given (its parsed options and the environment). */
export function settingsFromOptions(
  opts: Readonly<Record<string, unknown>>,
  keys: readonly SettingKey[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Settings {
  const flags: Partial<Record<SettingKey, string>> = {};
  for (const key of keys) {
    const value = opts[attribute(key)];
    if (typeof value === 'string') flags[key] = value;
  }
  try {
    return readSettings({ flags, env }, keys);
  } catch (e) {
    if (e instanceof InvalidSettingError) throw new CliError(e.message, ExitCode.Usage);
    throw e;
  }
}
