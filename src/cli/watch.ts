/**
 * `metatrain watch RUN`: live progress of a run, one line per event, until it ends or the reader of its output leaves
 * (`watch … | head`: exit 0 at the next line) (exit 0 when it succeeded,
 * 1 when it failed, was stopped before its end (phase `stopped`: said so, with how to resume) or was lost; 130 / 143 on SIGINT / SIGTERM: src/cli/exit-codes.ts). From the run's NATS events
 * (`--nats URL`), or, without NATS, by polling the coordinator's status (`--coordinator HOST:PORT` for the status
 * RPC, or `http://HOST:PORT` for `/status`). With NATS, a run that had already ended is said to have ended, with the
 * command that follows the next run of that name: `--next`, which skips the ended run and waits for the next.
 */
import type { Command } from 'commander';
import { natsUrlShown } from '../bus/nats-servers';
import { exitWhenReaderLeaves } from '../core/closed-reader';
import { DEFAULT_QUIET_MS, formatWatchEvent, quietNotice, statusClient, watchNats, watchStatus, type WatchEnd, type WatchEvent } from '../watch';
import { commandAgain } from './command-again';
import { EXIT_FAILURE, EXIT_OK, onStopSignals, signalExitCode } from './exit-codes';
import { milliseconds, natsServersOption, readToken, runName, statusAddress, tlsFiles } from './options';

/** Registers the subcommand. */
export function register(program: Command): void {
  program
    .command('watch')
    .description('follow a run live until it ends: from its NATS events, or by polling its coordinator')
    .argument('<run>', 'run name (config `name`)', runName)
    .option('--nats <url>', 'NATS server(s) the run publishes its events to, e.g. nats://127.0.0.1:4222 (default: env METATRAIN_NATS_URL)', natsServersOption('--nats'))
    .option('--coordinator <address>', 'without NATS: the coordinator, host:port (status RPC, needs the run token) or http://host:port (its /status)', statusAddress)
    .option('--next', 'with --nats: when the run of that name has already ended, wait for the next run of that name and follow it (without: say how it ended, and exit)', false)
    .option('--quiet-ms <ms>', 'with --nats: after this long without an event, say so and what to check', milliseconds, DEFAULT_QUIET_MS)
    .option('--interval-ms <ms>', 'polling interval with --coordinator', milliseconds, 1000)
    .option('--give-up-ms <ms>', 'with --coordinator: fail once it has been unreachable this long, also where nothing listens yet (a run that is starting) (default: 30000; without it, 2 s where nothing listens and the coordinator never answered)', milliseconds)
    .option('--token-file <file>', 'file holding the run token (default: env METATRAIN_TOKEN)')
    .option('--tls-ca <file>', 'CA of the coordinator certificate (mutual TLS)')
    .option('--tls-cert <file>', 'client certificate')
    .option('--tls-key <file>', 'client private key')
    .action(async (run: string, o: { nats?: string; coordinator?: string; next: boolean; quietMs: number; intervalMs: number; giveUpMs?: number; tokenFile?: string; tlsCa?: string; tlsCert?: string; tlsKey?: string }, command: Command) => {
      // Watching holds nothing to save: a signal ends it at once, with 128 + signal like every long-running command.
      onStopSignals((signal) => {
        process.stderr.write(`stopped watching run ${run} (${signal})\n`);
        process.exit(signalExitCode(signal));
      });
      // Its output is all it does: `watch … | head` ends when head has read enough.
      exitWhenReaderLeaves(process.stdout);
      const show = (e: WatchEvent) => process.stdout.write(`${formatWatchEvent(e)}\n`);
      if (o.nats && o.coordinator) throw new Error('give either --nats URL (run events) or --coordinator ADDRESS (status polling), not both');
      if (o.next && o.coordinator) throw new Error('--next needs --nats URL: the coordinator of a run that ended is gone, and polling it cannot wait for the next run of that name');
      // An explicit --coordinator wins over METATRAIN_NATS_URL from the environment.
      const env = process.env.METATRAIN_NATS_URL;
      const nats = o.coordinator ? undefined : (o.nats ?? (env ? natsServersOption('METATRAIN_NATS_URL')(env) : undefined));
      let end: WatchEnd;
      if (nats) {
        end = await watchNats(nats, run, show, {
          onReady: () => process.stderr.write(`watching run ${run} on ${natsUrlShown(nats)}: its events show once the run publishes them (a run with nats.url in its config; RUN is the config's name)\n`),
          quietMs: o.quietMs,
          onQuiet: (recorded) => process.stderr.write(`${quietNotice(run, nats, o.quietMs, recorded)}\n`),
          next: o.next,
          onEndedBefore: (ended) => process.stderr.write(`the last run ${run} had ended (${ended.phase} at ${ended.endedAt}); waiting for the next run of that name (--next)\n`),
        });
      } else if (o.coordinator) {
        const client = await statusClient(o.coordinator, () => readToken(o.tokenFile), tlsFiles(o));
        process.stderr.write(`watching run ${run} at ${client.target}\n`);
        try {
          end = await watchStatus(client, run, show, { intervalMs: o.intervalMs, giveUpMs: o.giveUpMs });
        } finally {
          client.close();
        }
      } else {
        throw new Error('give --nats URL (run events) or --coordinator ADDRESS (status polling)');
      }
      // `stopped` (a graceful stop) is its own end, with how to resume in its reason; not a success (exit 1).
      const when = end.endedAt ? [`it had ended at ${end.endedAt}, before this watch started`] : [];
      const notes = [...when, ...(end.summaryFile ? [`summary: ${end.summaryFile}`] : [])];
      process.stderr.write(`run ${run} ${end.phase}${end.reason ? `: ${end.reason}` : ''}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}\n`);
      if (end.endedAt) process.stderr.write(`to follow the next run of that name instead, from its start: ${commandAgain(command, [run])} --next\n`);
      process.exit(end.phase === 'succeeded' ? EXIT_OK : EXIT_FAILURE);
    });
}
