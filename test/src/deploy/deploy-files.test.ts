/**
 * What an operator starts the cluster with (deploy/): Docker and systemd are not run here, so these checks
 * read the files and hold them to what the relay really accepts: compose.yaml parses (js-yaml, merge keys
 * resolved) into PostgreSQL, Redis and two relays built from deploy/Dockerfile that share one relay key and
 * reach the engines by service name; every flag the files pass is one `enclave relay --help` lists; every
 * file the Dockerfile copies exists; the systemd units pass `systemd-analyze verify` where it is installed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/paths.js';

// js-yaml is already in node_modules through the dev tooling (npm ls js-yaml); its types are not, so the one
// function used here is typed by hand.
const { load } = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
const DEPLOY = join(REPO_ROOT, 'deploy');

interface Service {
  readonly image?: string;
  readonly build?: { readonly context: string; readonly dockerfile: string };
  readonly command?: readonly string[];
  readonly environment?: Record<string, string>;
  readonly volumes?: readonly string[];
  readonly ports?: readonly string[];
  readonly depends_on?: Record<string, { readonly condition: string }>;
  readonly healthcheck?: unknown;
}

async function relayFlags(): Promise<Set<string>> {
  const help = await runCli(['relay', '--help']);
  return new Set([...help.stdout.matchAll(/--([a-z-]+)/g)].map((m) => m[1]!));
}

describe('deploy/: what an operator starts the cluster with', function () {
  this.timeout(30_000);
  const compose = load(readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8')) as {
    services: Record<string, Service>;
    volumes: Record<string, unknown>;
  };
  const relays = ['relay-1', 'relay-2'].map((name) => compose.services[name]!);

  it('compose.yaml: PostgreSQL, Redis and two relays built from deploy/Dockerfile, waiting for both engines', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['postgres', 'redis', 'relay-1', 'relay-2']);
    for (const engine of ['postgres', 'redis']) assert.ok(compose.services[engine]!.healthcheck, engine);
    for (const relay of relays) {
      assert.deepEqual(relay.build, { context: '..', dockerfile: 'deploy/Dockerfile' });
      assert.ok(existsSync(join(DEPLOY, relay.build!.context, relay.build!.dockerfile)));
      assert.deepEqual(relay.depends_on, {
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
      assert.match(
        relay.environment!['ENCLAVE_STORAGE']!,
        /^postgres:\/\/enclave:\$\{ENCLAVE_PG_PASSWORD[^}]*\}@postgres:5432\/enclave$/,
      );
      assert.equal(relay.environment!['ENCLAVE_REDIS'], 'redis://redis:6379');
    }
    const published = relays.map((relay) => relay.ports![0]!.split(':')[0]);
    assert.equal(new Set(published).size, 2, 'each relay on its own host port');
  });

  it('compose.yaml: both relays read one relay key from one shared volume', () => {
    const keys = relays.map((relay) => relay.environment!['ENCLAVE_RELAY_IDENTITY']!);
    assert.equal(keys[0], keys[1]);
    for (const relay of relays) {
      const mount = relay.volumes!.map((v) => v.split(':')).find(([, inside]) => keys[0]!.startsWith(`${inside}/`));
      assert.ok(mount, `the key file is on a mounted volume: ${relay.volumes}`);
      assert.equal(mount[0], 'relay-identity');
    }
    assert.ok('relay-identity' in compose.volumes);
  });

  it('compose.yaml and the systemd unit pass only flags `enclave relay` accepts, and every required one', async () => {
    const known = await relayFlags();
    const unit = readFileSync(join(DEPLOY, 'systemd', 'enclave-relay@.service'), 'utf8');
    const execStart = /^ExecStart=(.*)$/m.exec(unit)![1]!;
    assert.match(execStart, /enclave\.js relay /);
    for (const args of [relays[0]!.command!.join(' '), execStart]) {
      const used = [...args.matchAll(/(?:^| )--([a-z-]+)/g)].map((m) => m[1]!);
      for (const flag of used) assert.ok(known.has(flag), `--${flag} is not a relay flag`);
      for (const required of ['data', 'admin']) assert.ok(used.includes(required), `--${required} in ${args}`);
    }
    // What the environment file sets is what the unit and the relay read.
    const env = readFileSync(join(DEPLOY, 'systemd', 'relay.env.example'), 'utf8');
    const names = [...env.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]!).sort();
    assert.deepEqual(names, [
      'ENCLAVE_ADMIN',
      'ENCLAVE_HOST',
      'ENCLAVE_PUBLIC_URL',
      'ENCLAVE_REDIS',
      'ENCLAVE_RELAY_IDENTITY',
      'ENCLAVE_STORAGE',
    ]);
    for (const name of ['ENCLAVE_ADMIN', 'ENCLAVE_HOST']) assert.ok(execStart.includes(`\${${name}}`), name);
  });

  it('the Dockerfile copies only files that exist and runs the relay CLI', () => {
    const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    assert.ok(sources.length > 5);
    for (const source of sources) assert.ok(existsSync(join(REPO_ROOT, source)), `COPY ${source}`);
    assert.match(dockerfile, /ENTRYPOINT \["node", "\/app\/relay-server\/bin\/enclave\.js", "relay"\]/);
    assert.match(dockerfile, /^USER node$/m, 'not as root');
  });

  it('the systemd units pass systemd-analyze verify', async function () {
    if (!existsSync('/usr/bin/systemd-analyze')) this.skip();
    const dir = mkdtempSync(join(tmpdir(), 'enclave-units-'));
    try {
      // verify needs an instance of the template.
      copyFileSync(join(DEPLOY, 'systemd', 'enclave-relay@.service'), join(dir, 'enclave-relay@8787.service'));
      copyFileSync(join(DEPLOY, 'systemd', 'enclave-relays.target'), join(dir, 'enclave-relays.target'));
      const { stderr } = await promisify(execFile)('systemd-analyze', [
        'verify',
        '--man=no',
        join(dir, 'enclave-relay@8787.service'),
        join(dir, 'enclave-relays.target'),
      ]);
      assert.equal(stderr.trim(), '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
