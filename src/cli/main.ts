/**
 * `village-ledger`: the auditor's command line. Runs with Node alone: no browser, no network.
 *
 *   village-ledger verify FILE [--json]   exit 0 all valid, 1 invalid/forked/gaps, 2 unreadable
 */
import { readFileSync } from 'node:fs';
import { BookFileError, decodeBookFile, verifyBookFile, type VerifyResult } from '../core/index.js';
import { createNodeSignatureCheck } from '../platform/verify-node.js';

const HELP = `Usage: village-ledger <command> [options]

Commands:
  verify FILE [--json]   Check every entry of a book file (signatures, chains, links, rules, forks).
                         Exit code 0: every entry valid, no gap, no fork; 1: something is wrong;
                         2: FILE is not a readable book file.

Options:
  -h, --help             Show this help
`;

/** Runs the command line; returns the exit code. */
export function main(argv: readonly string[]): number {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    process.stdout.write(HELP);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === 'verify') return verify(rest);
  process.stderr.write(`village-ledger: unknown command "${cmd}"\n\n${HELP}`);
  return 2;
}

function verify(args: readonly string[]): number {
  const json = args.includes('--json');
  const files = args.filter((a) => !a.startsWith('--'));
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--json');
  if (files.length !== 1 || unknown.length > 0) {
    process.stderr.write(`village-ledger verify: expected one FILE and optionally --json\n\n${HELP}`);
    return 2;
  }
  const path = files[0]!;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    process.stderr.write(`village-ledger verify: cannot read ${path}: ${(e as Error).message}\n`);
    return 2;
  }
  let result: VerifyResult;
  try {
    const file = decodeBookFile(bytes);
    const progress = !json && process.stderr.isTTY && file.entries.length >= 20_000;
    result = verifyBookFile(file, {
      checkSignature: createNodeSignatureCheck(),
      ...(progress ? { onProgress: (done: number, total: number) => process.stderr.write(`\rchecking ${done}/${total}`), progressEvery: 5000 } : {}),
    });
    if (progress) process.stderr.write('\n');
  } catch (e) {
    if (e instanceof BookFileError) {
      process.stderr.write(`village-ledger verify: ${path}: ${e.message}\n`);
      if (json) process.stdout.write(`${JSON.stringify({ error: e.message })}\n`);
      return 2;
    }
    throw e;
  }
  if (json) process.stdout.write(`${JSON.stringify(result.report)}\n`);
  else process.stdout.write(humanReport(path, result));
  return result.ok ? 0 : 1;
}

function humanReport(path: string, r: VerifyResult): string {
  const { report } = r;
  const lines: string[] = [];
  const name = r.book.info?.name;
  lines.push(`${path}: book ${report.book}${name === undefined ? '' : ` "${name}"`}`);
  lines.push(`  ${report.entries} entries, ${report.valid} valid, ${report.invalid.length} invalid, ${report.forks.length} fork(s), ${report.missing.length} missing`);
  for (const d of r.details) {
    lines.push(`  invalid #${d.index} ${d.id ?? '(no id)'}: ${d.reason}${d.field === '' ? '' : ` (${d.field})`}: ${d.message}`);
  }
  for (const f of report.forks) lines.push(`  fork: author ${f.author} signed two entries at seq ${f.seq}: ${f.ids[0]} and ${f.ids[1]}`);
  for (const m of report.missing) lines.push(`  missing: ${m} is referenced but not in the file`);
  if (r.held > 0 && report.missing.length === 0) lines.push(`  ${r.held} entries wait on entries that are not valid yet`);
  lines.push(r.ok ? 'OK: every entry is valid, no chain has a gap, no author forked.' : 'NOT OK: see above.');
  return `${lines.join('\n')}\n`;
}
