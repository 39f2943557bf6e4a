/**
 * The `clusterdeck` command line. Every command has --help; errors go to stderr as one line
 * with a non-zero exit code (2 for usage and config errors, 1 for failures).
 */
import { Command, CommanderError } from 'commander';
import { APP_VERSION } from '../core/app-root';
import { ConfigError } from '../core/config';
import { StoreOpenError } from '../core/store/db';
import { benchStore } from './commands/bench';
import { collect } from './commands/collect';
import { serve } from './commands/serve';
import { UsageError } from './usage-error';

function withCommonFlags(command: Command): Command {
  return command
    .option('--db <path>', 'SQLite database file (default: ~/.local/share/clusterdeck/clusterdeck.db)')
    .option('--config <path>', 'config file (default: ~/.config/clusterdeck/config.yaml)');
}

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('clusterdeck')
    .description('GPU cluster monitoring and audit: collect, store and serve node telemetry')
    .version(APP_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  withCommonFlags(
    program
      .command('serve')
      .description('run the engine headless and serve the UI over HTTP (prints the URL with an access token)')
      .option('--host <address>', 'address to bind (default 127.0.0.1; anything else exposes the UI to the network)')
      .option('--port <n>', 'TCP port (default: a free one)')
      .option(
        '--allowed-host <name>',
        'another host name or IP address clients reach the server by, e.g. behind a TLS proxy (repeatable; localhost, 127.0.0.1, [::1] and the --host address always work)',
        (name: string, names: string[] = []) => [...names, name],
      ),
  ).action(async (flags) => {
    await serve(flags);
  });

  withCommonFlags(
    program
      .command('collect')
      .description('collect nodes once and print them: this machine, or SSH nodes of an ssh config')
      .option('--once', 'collect one snapshot and exit')
      .option('--json', 'print one JSON document: {collectedAt, nodes: [...]}')
      .option('--ssh-config <file>', 'OpenSSH client config to read SSH nodes from (e.g. ~/.ssh/config)')
      .option('--host <alias...>', 'Host aliases of the ssh config to collect (repeatable)')
      .option('--all-hosts', 'collect every Host alias of the ssh config')
      .option('--known-hosts <file>', "Clusterdeck's known_hosts file (default: in the data folder; ~/.ssh/known_hosts is also read)")
      .option('--accept-new', 'trust unknown host keys on first sight (like StrictHostKeyChecking=accept-new); changed keys are still refused')
      .option('--local', 'also collect this machine when collecting SSH nodes'),
  ).action(async (flags) => {
    setExitCode(await collect(flags));
  });

  program
    .command('bench')
    .description('measure the store on your own data')
    .command('store')
    .description('ingest a telemetry CSV into a scratch database; print ingest rate, bytes per sample, peak RSS and query times')
    .requiredOption('--input <file.csv>', 'telemetry CSV: a header line, then series,ts_ms,value rows in time order (series: name;label=value;...)')
    .option('--batch <n>', 'ticks per write transaction, default 12; 1 = one per collection tick')
    .option('--json', 'print the figures as JSON')
    .action(async (flags) => {
      setExitCode(await benchStore(flags));
    });

  return program;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; commander already printed usage errors.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`clusterdeck: ${error.message}\n`);
      return 2;
    }
    if (error instanceof StoreOpenError) {
      process.stderr.write(`clusterdeck: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`clusterdeck: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
