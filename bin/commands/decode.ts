// `bgpcast decode [--hex HEX | FILE | -]`: BGP messages to JSON, one object per message per
// line. The work is decodeInput (speaker/codec/decode-input.ts); this reads the input and prints.
// Exit status 3 when the input is not BGP or hex, or when any message is malformed (its error
// object is printed in its place and decoding goes on where framing allows).

import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { decodeInput, InputFormatError, parseFamilies } from '../../speaker/codec/decode-input.ts';
import type { DecodeResult } from '../../speaker/codec/decode-input.ts';
import type { FamilyKey } from '../../speaker/codec/context.ts';
import { CliError, ExitCode } from '../cli-error.ts';

interface DecodeFlags {
  hex?: string;
  as2?: boolean;
  addpath?: FamilyKey[];
  extended?: boolean;
}

function familiesOption(value: string): FamilyKey[] {
  try {
    return parseFamilies(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

export function registerDecode(program: Command): void {
  program
    .command('decode')
    .description('print BGP messages (raw octets or hex) as JSON, one object per message per line')
    .argument('[file]', 'a file of raw messages or of hex text; - or nothing for standard input')
    .option('--hex <hex>', 'the messages as hex digits (spaces, colons and newlines allowed)')
    .option('--as2', 'decode as a peer without the 4-octet AS capability (RFC 6793)')
    .option('--addpath <families>', 'families whose NLRI carry path identifiers, e.g. ipv4,ipv6 or ipv4/unicast', familiesOption)
    .option('--extended', 'accept messages up to 65535 octets (RFC 8654 extended messages)')
    .action(async (file: string | undefined, flags: DecodeFlags) => {
      const result = decode(await readInput(file, flags.hex), flags);
      if (result.lines.length === 0) throw new CliError('the input holds no BGP message', ExitCode.InvalidInput);
      process.stdout.write(`${result.lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
      if (result.errors > 0) {
        // Issue 3 fixes this status: malformed BGP input exits 1 (unreadable input exits 3).
        throw new CliError(`${result.errors} of ${result.lines.length} messages malformed`, ExitCode.Failure);
      }
    });
}

function decode(input: Uint8Array | string, flags: DecodeFlags): DecodeResult {
  try {
    return decodeInput(input, { as2: flags.as2 === true, addPath: flags.addpath ?? [], extended: flags.extended === true });
  } catch (e) {
    if (e instanceof InputFormatError) throw new CliError(`the input is neither BGP messages nor hex: ${e.message}`, ExitCode.InvalidInput);
    throw e;
  }
}

async function readInput(file: string | undefined, hex: string | undefined): Promise<Uint8Array | string> {
  if (hex !== undefined) {
    if (file !== undefined) throw new CliError('give either --hex or a file, not both', ExitCode.Usage);
    return hex;
  }
  if (file === undefined || file === '-') {
    if (file === undefined && process.stdin.isTTY) {
      throw new CliError('nothing to decode: give --hex HEX, a FILE, or - to read standard input', ExitCode.Usage);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  try {
    return await readFile(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'EACCES') {
      throw new CliError(`cannot read ${file}: ${err.code}`, ExitCode.InvalidInput);
    }
    throw e;
  }
}
