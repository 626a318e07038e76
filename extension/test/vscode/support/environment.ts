/** What the runner prepared: the relay URL and an admin identity, in the workspace's enclave-test.json. */
import * as vscode from 'vscode';
import { type Identity, parseIdentity } from '@enclave/shared';

export interface TestEnvironment {
  readonly relay: string;
  /**
   * Where the tests' own clients (peers, the admin's set-up) connect: the same relay, or with
   * ENCLAVE_TEST_CLUSTER=1 the cluster's other relay.
   */
  readonly peerRelay: string;
  /** The same relay through a proxy that accepts and never answers until `POST <control>/silent/thaw`. */
  readonly silentRelay: string;
  /** `POST <control>/relay/stop` and `/relay/start` take the relay down and bring it back (same data). */
  readonly control: string;
  readonly admin: Identity;
  readonly workspace: vscode.Uri;
  /** Only the tests whose title matches run (the runner's ENCLAVE_VSCODE_GREP); empty: all. */
  readonly grep: string;
}

let cached: Promise<TestEnvironment> | undefined;

export function testEnvironment(): Promise<TestEnvironment> {
  cached ??= (async () => {
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!workspace) throw new Error('the test runner opens a workspace folder');
    const text = new TextDecoder().decode(
      await vscode.workspace.fs.readFile(vscode.Uri.joinPath(workspace, 'enclave-test.json')),
    );
    const value = JSON.parse(text) as {
      relay: string;
      peerRelay?: string;
      silentRelay: string;
      control: string;
      admin: string;
      grep?: string;
    };
    return {
      relay: value.relay,
      peerRelay: value.peerRelay ?? value.relay,
      silentRelay: value.silentRelay,
      control: value.control,
      admin: parseIdentity(value.admin),
      workspace,
      grep: value.grep ?? '',
    };
  })();
  return cached;
}

export async function readWorkspaceText(...path: string[]): Promise<string> {
  const { workspace } = await testEnvironment();
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(workspace, ...path)));
}
