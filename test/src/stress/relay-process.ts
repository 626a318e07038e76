/**
 * A relay in its own process (so its RSS is its own and SIGKILL kills only it), built with createRelay so
 * that a phase can set limits the `enclave relay` CLI does not expose. Usage (spawned by relay-child.ts):
 * relay-process.js '<json RelayProcessConfig>'. Prints "listening <url>" once ready; SIGTERM closes it.
 */
import { createRelay, jsonLogger, type RelayLimits } from '@enclave/relay';

export interface RelayProcessConfig {
  readonly dataDir: string;
  readonly admins: readonly string[];
  readonly limits?: Partial<RelayLimits>;
}

const config = JSON.parse(process.argv[2] ?? '{}') as RelayProcessConfig;
const relay = createRelay({
  dataDir: config.dataDir,
  admins: config.admins,
  // Every client of the suite connects from 127.0.0.1: the per-address admission limits (sized for a lab
  // behind one NAT address; tested in test/src/security/strangers.test.ts) would turn most of them away
  // before the handshake this suite exists to attack.
  limits: {
    handshakeBurstPerAddress: 1_000_000,
    refusalBurstPerAddress: 1_000_000,
    unadmittedPerAddress: 1_000_000,
    unadmittedTotal: 1_000_000,
    ...config.limits,
  },
  logger: jsonLogger(undefined, 'warn'),
});
const { url } = await relay.listen();
process.stdout.write(`listening ${url}\n`);
const stop = (): void => {
  void relay.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
