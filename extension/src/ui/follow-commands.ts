/**
 * "Enclave: Follow Participant" (a quick pick of the shared document's participants, or the inline action
 * on a participant in the Enclave view) and "Stop Following": one person followed at a time, a status
 * item "Following NAME" that stops on click, and a message when following stops.
 */
import * as vscode from 'vscode';
import type { Presence } from '../session/participants.js';
import type { SessionRegistry } from '../session/session-registry.js';
import type { SharedSession } from '../session/shared-session.js';
import { describeAddress } from '../session/address.js';
import { Following, type StopReason } from './follow.js';

/** Whom to follow: a participant in the Enclave view, or (scripts, tests) a public key. */
export type FollowTarget =
  { readonly session: SharedSession; readonly presence: Presence } | { readonly publicKey: string };

/** Shown for what happened last, and kept for the test suite. */
const STATUS_MESSAGE_MS = 5_000;

export class FollowCommands implements vscode.Disposable {
  private current: Following | undefined;
  private readonly item = vscode.window.createStatusBarItem('enclave.following', vscode.StatusBarAlignment.Left, 90);
  private readonly subscriptions: vscode.Disposable[];
  private said: string | undefined;

  constructor(private readonly sessions: SessionRegistry) {
    this.item.name = 'Enclave: Following';
    this.item.command = 'enclave.stopFollowing';
    this.item.tooltip = 'Click to stop following';
    this.subscriptions = [
      vscode.commands.registerCommand('enclave.follow', (target?: FollowTarget) => this.follow(target)),
      vscode.commands.registerCommand('enclave.stopFollowing', () => this.current?.stop('own-action')),
      // The followed document's session ended (left, closed, removed).
      sessions.onDidChange(() => {
        if (this.current && !sessions.all().includes(this.current.session)) this.current.stop('closed');
      }),
    ];
  }

  /** Whom this window follows now. */
  following(): { readonly name: string; readonly publicKey: string } | undefined {
    const current = this.current;
    return current ? { name: current.name, publicKey: current.publicKey } : undefined;
  }

  /** The latest message about following ("Stopped following Ada"). */
  lastMessage(): string | undefined {
    return this.said;
  }

  private async follow(target?: FollowTarget): Promise<void> {
    const chosen = target ? this.resolve(target) : await this.pick();
    if (!chosen) {
      if (target) void vscode.window.showWarningMessage('Enclave: that participant is not in an open shared document.');
      return;
    }
    this.current?.stop('own-action');
    const { session, presence } = chosen;
    const following = new Following(session, presence.publicKey, presence.name, (reason) =>
      this.stopped(following, reason),
    );
    this.current = following;
    this.item.text = `$(eye) Following ${presence.name}`;
    this.item.show();
    await following.start();
  }

  private stopped(following: Following, reason: StopReason): void {
    if (this.current !== following) return;
    this.current = undefined;
    this.item.hide();
    const where = describeAddress(following.session.address);
    if (reason === 'left') {
      this.say(`Stopped following ${following.name}: they left ${where}`);
      void vscode.window.showInformationMessage(`Enclave: ${following.name} left ${where}; stopped following.`);
    } else {
      this.say(`Stopped following ${following.name}`);
    }
  }

  private say(message: string): void {
    this.said = message;
    vscode.window.setStatusBarMessage(message, STATUS_MESSAGE_MS);
  }

  private resolve(target: FollowTarget): { session: SharedSession; presence: Presence } | undefined {
    if ('presence' in target) return target;
    const sessions = [this.sessions.active(), ...this.sessions.all()].filter((s) => s !== undefined);
    for (const session of sessions) {
      const presence = session.others().find((p) => p.publicKey === target.publicKey);
      if (presence) return { session, presence };
    }
    return undefined;
  }

  /** A quick pick of the active shared document's participants (or of every open one's). */
  private async pick(): Promise<{ session: SharedSession; presence: Presence } | undefined> {
    const active = this.sessions.active();
    const sessions = active ? [active] : this.sessions.all();
    const items = sessions.flatMap((session) =>
      uniqueByKey(session.others()).map((presence) => ({
        label: presence.name,
        description: presence.fingerprint,
        detail: describeAddress(session.address),
        session,
        presence,
      })),
    );
    if (items.length === 0) {
      void vscode.window.showInformationMessage(
        sessions.length === 0
          ? 'Enclave: open a shared document to follow someone in it.'
          : 'Enclave: nobody else is in this shared document.',
      );
      return undefined;
    }
    return vscode.window.showQuickPick(items, { placeHolder: 'Follow whom?', matchOnDescription: true });
  }

  dispose(): void {
    this.current?.stop('closed');
    for (const subscription of this.subscriptions) subscription.dispose();
    this.item.dispose();
  }
}

/** One entry per person: someone with two windows open is still one person to follow. */
function uniqueByKey(presences: readonly Presence[]): Presence[] {
  const seen = new Set<string>();
  return presences.filter((p) => !seen.has(p.publicKey) && seen.add(p.publicKey));
}
