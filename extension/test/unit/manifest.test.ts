/** Guard: every command the manifest contributes is registered in the source, and the other way round. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RELAY_LIST_SCHEMA } from '@enclave/shared';

const ROOT = new URL('../../../', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('extension manifest', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    contributes: {
      commands: { command: string }[];
      configuration: { properties: Record<string, unknown> };
      keybindings: { command: string; when: string }[];
      menus: Record<string, { command: string; when?: string }[]>;
    };
    activationEvents: string[];
    main: string;
    browser: string;
  };
  const code = sources(join(ROOT, 'src'))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');

  it('registers every contributed command, and contributes every registered one', () => {
    const contributed = manifest.contributes.commands.map((c) => c.command).sort();
    const registered = [...code.matchAll(/registerCommand\(\s*'([^']+)'/g)].map((m) => m[1]!).sort();
    assert.deepEqual(registered, contributed);
  });

  it('reads only settings it contributes, all under enclave.', () => {
    const read = [...code.matchAll(/config\.get<[^>]+>\('([^']+)'/g)].map((m) => `enclave.${m[1]}`);
    for (const key of read) assert.ok(key in manifest.contributes.configuration.properties, `${key} is contributed`);
    for (const key of Object.keys(manifest.contributes.configuration.properties)) assert.match(key, /^enclave\./);
  });

  it("declares the relay list with shared's schema, the one JupyterLab's setting declares too", () => {
    const declared = {
      ...(manifest.contributes.configuration.properties['enclave.relays'] as Record<string, unknown>),
    };
    delete declared['markdownDescription'];
    assert.deepEqual(declared, JSON.parse(JSON.stringify(RELAY_LIST_SCHEMA)));
  });

  it('binds keys only to contributed commands, in shared editors only (a context key the source sets)', () => {
    const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
    const set = new Set([...code.matchAll(/export const \w+_CONTEXT = '([^']+)'/g)].map((m) => m[1]!));
    assert.ok(manifest.contributes.keybindings.length > 0);
    for (const binding of manifest.contributes.keybindings) {
      assert.ok(contributed.has(binding.command), `${binding.command} is contributed`);
      const keys = [...binding.when.matchAll(/enclave\.[A-Za-z]+/g)].map((m) => m[0]);
      assert.ok(keys.length > 0, `${binding.command}'s keybinding is limited to shared editors`);
      for (const key of keys) assert.ok(set.has(key), `the context key ${key} is set by the extension`);
    }
  });

  it("offers own-edit Undo/Redo and Save a Local Copy in a shared editor's menus, and only there", () => {
    // Edit > Undo/Redo and File > Save As are VS Code's own (see README): these are the menus an extension has.
    const menus = manifest.contributes.menus;
    const offered = (menu: string, command: string): string | undefined =>
      menus[menu]?.find((item) => item.command === command)?.when;
    for (const command of ['enclave.undo', 'enclave.redo', 'enclave.saveLocalCopy'])
      assert.match(
        offered('editor/title', command) ?? '',
        /enclave\.sharedEditor/,
        `${command} in the title bar's ... menu`,
      );
    for (const command of ['enclave.undo', 'enclave.redo'])
      assert.match(offered('editor/context', command) ?? '', /enclave\.sharedEditor/, `${command} in the context menu`);
    assert.match(offered('editor/title/context', 'enclave.saveLocalCopy') ?? '', /resourceScheme == enclave/);
  });

  it('activates for enclave: files, so a window reload brings shared documents back', () => {
    assert.ok(manifest.activationEvents.includes('onFileSystem:enclave'));
    assert.match(code, /ENCLAVE_SCHEME = 'enclave'/);
  });

  it('ships one bundle for desktop and web', () => {
    assert.equal(manifest.main, manifest.browser);
  });

  it('keeps Node built-ins out of the shipped code', () => {
    assert.doesNotMatch(code, /from 'node:|require\('(fs|path|os|net|crypto)'\)/);
  });
});
