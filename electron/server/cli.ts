/**
 * The `clusterdeck` command line. Every command has --help; errors go to stderr as one line
 * with a non-zero exit code (2 for usage and config errors, 1 for failures).
 */
import { Command, CommanderError } from 'commander';
import { APP_VERSION } from '../core/app-root';
import { ConfigError } from '../core/config';
import { StoreOpenError } from '../core/store/db';
import { benchStore } from './commands/bench';
import { alertsAck, alertsList } from './commands/alerts';
import { audit, DEFAULT_POLICY } from './commands/audit';
import { collect, withPrometheusFlags } from './commands/collect';
import { policyApprove } from './commands/policy';
import { auditLogVerify, reportBundle, reportExport, reportVerify } from './commands/report';
import { run } from './commands/run';
import { serve } from './commands/serve';
import { withSshFlags } from './ssh-flags';
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
    withPrometheusFlags(
      withSshFlags(
        program
          .command('collect')
          .description('collect nodes once and print them: this machine, SSH nodes of an ssh config, or the nodes of a Prometheus-compatible source')
          .option('--once', 'collect one snapshot and exit')
          .option('--json', 'print one JSON document: {collectedAt, nodes: [...]}'),
      ),
    ),
  ).action(async (flags) => {
    setExitCode(await collect(flags));
  });

  withCommonFlags(
    withSshFlags(
      program
        .command('run')
        .description(
          'run the engine headless without the UI (collect, store, detect, alert, notify) for --duration or until SIGINT/SIGTERM; one line per alert change on stdout, then a summary',
        )
        .option('--duration <time>', 'stop after this long, e.g. 60s, 30m, 12h (default: until SIGINT/SIGTERM)')
        .option('--interval <time>', 'collect every TIME, e.g. 5s (default: collection.intervalMs of the config)'),
    ),
  ).action(async (flags) => {
    setExitCode(await run(flags));
  });

  withCommonFlags(
    withSshFlags(
      program
        .command('audit')
        .description(
          'audit nodes against a compliance policy (--local and/or SSH nodes), store the run in the database and write a report: per node and check, status, severity, references and evidence; exit 1 when a node could not be audited',
        )
        .option('--policy <id|file>', `a built-in policy id or a policy file (default: ${DEFAULT_POLICY})`)
        .option('--format <format>', 'report format: json|csv|html|pdf|oscal|junit (required)')
        .option('--out <path>', 'where the report is written (required)'),
    ),
  ).action(async (flags) => {
    setExitCode(await audit(flags));
  });

  const policy = program.command('policy').description('compliance policy files you import');
  withCommonFlags(
    policy
      .command('approve')
      .description(
        'approve a policy file whose custom commands `audit --policy FILE` may then run: validates it, prints each command (id, program, args, sudo) and records the approval of its SHA-256 in the database; a changed file must be approved again',
      )
      .argument('<file>', 'the policy file (YAML)')
      .option('--by <name>', 'who approves it (default: your login name)')
      .option('--sha256 <hex>', 'approve only if the file has this SHA-256 (the contents you reviewed)'),
  ).action(async (file: string, flags) => {
    setExitCode(await policyApprove(file, flags));
  });

  const report = program.command('report').description('reports of audit runs stored in the database, signed bundles, and their verification');
  withCommonFlags(
    report
      .command('export')
      .description('write the report of a stored audit run, with the attestations and waivers in force now')
      .option('--run <id|latest>', 'the run (default: latest)')
      .option('--format <format>', 'json|csv|html|pdf|oscal|junit (required)')
      .option('--out <path>', 'where the report is written (required)'),
  ).action(async (flags) => {
    setExitCode(await reportExport(flags));
  });
  withCommonFlags(
    report
      .command('bundle')
      .description(
        "write a signed bundle of a stored run into a new folder: the reports, every result's evidence, a manifest of SHA-256 sums signed with this installation's Ed25519 key, and its public key",
      )
      .option('--run <id|latest>', 'the run (default: latest)')
      .option('--format <format>', 'a report format to include (repeatable; default: json, html, csv, oscal)', (format: string, formats: string[] = []) => [
        ...formats,
        format,
      ])
      .option('--out <dir>', 'the bundle folder, new or empty (required)'),
  ).action(async (flags) => {
    setExitCode(await reportBundle(flags));
  });
  report
    .command('verify')
    .description(
      "check a bundle: every file's SHA-256 against the manifest, files added, and the manifest's signature; exit 1 naming each changed, missing or added file",
    )
    .argument('<bundle>', 'the bundle folder')
    .option('--public-key <file>', "the installation's public key (PEM) to check the signature against (default: the bundle's own public-key.pem)")
    .action(async (bundle: string, flags) => {
      setExitCode(await reportVerify(bundle, flags));
    });

  const auditLog = program.command('audit-log').description('the hash-chained log of every action');
  withCommonFlags(auditLog.command('verify').description("walk the audit log's hash chain; exit 1 naming the first edited, inserted or deleted row")).action(
    async (flags) => {
      setExitCode(await auditLogVerify(flags));
    },
  );

  const alerts = program.command('alerts').description('the alerts kept in the database (nothing is collected)');
  withCommonFlags(
    alerts
      .command('list')
      .description('list open alerts, newest first, with their decoded text')
      .option('--all', 'include resolved alerts')
      .option('--json', 'print one JSON document: {alerts: [...], total}'),
  ).action(async (flags) => {
    setExitCode(await alertsList(flags));
  });
  withCommonFlags(
    alerts
      .command('ack')
      .description('acknowledge an alert: it stays listed until it resolves, and is not notified again')
      .argument('<id>', 'the alert ID (see `alerts list`)')
      .option('--by <name>', 'who acknowledges it (default: your login name)')
      .option('--comment <text>', 'why, or what is being done'),
  ).action(async (id: string, flags) => {
    setExitCode(await alertsAck(id, flags));
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
