/**
 * The small dialogs Enclave's commands use, on JupyterLab's own dialog widgets.
 */
import { Dialog, InputDialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import type { Member } from '@enclave/shared';
import type { Participant } from '../presence/participants.js';

/** Asks for text; undefined when cancelled. */
export async function askText(title: string, label: string, text = '', placeholder = ''): Promise<string | undefined> {
  const result = await InputDialog.getText({ title, label, text, placeholder });
  return result.button.accept && result.value !== null ? result.value.trim() : undefined;
}

export async function askChoice(
  title: string,
  label: string,
  items: string[],
  current: string,
): Promise<string | undefined> {
  const result = await InputDialog.getItem({ title, label, items, current });
  return result.button.accept && result.value !== null ? result.value : undefined;
}

export async function confirm(title: string, body: string, accept: string): Promise<boolean> {
  const result = await showDialog({
    title,
    body,
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: accept })],
  });
  return result.button.accept;
}

export function reportError(title: string, error: unknown): Promise<void> {
  return showErrorMessage(title, error instanceof Error ? error.message : String(error));
}

/** The relay could not be reached or never answered: says so (URL and why) and offers "Retry". */
export async function askRetry(what: string, error: Error): Promise<boolean> {
  const result = await showDialog({
    title: 'Cannot reach the relay',
    body: `${what}: ${error.message}`,
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Retry' })],
  });
  return result.button.accept;
}

/** A command's arguments, as JupyterLab passes them. */
export interface CommandArgs {
  readonly [key: string]: unknown;
}

/** A command body whose failure is shown to the user under `title` rather than lost in the console. */
export const guarded =
  (title: string, run: (args: CommandArgs) => Promise<unknown>) =>
  async (args: CommandArgs): Promise<unknown> => {
    try {
      return await run(args);
    } catch (error) {
      await reportError(title, error);
      return undefined;
    }
  };

function table(headers: string[], rows: string[][], className: string): Widget {
  const node = document.createElement('table');
  node.className = className;
  const head = node.createTHead().insertRow();
  for (const h of headers) head.appendChild(Object.assign(document.createElement('th'), { textContent: h }));
  const body = node.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const cell of row) tr.insertCell().textContent = cell;
  }
  return new Widget({ node });
}

export async function showParticipants(room: string, participants: Participant[]): Promise<void> {
  const rows = participants.map((p) => [`${p.name}${p.self ? ' (you)' : ''}`, p.fingerprint, String(p.clients.length)]);
  await showDialog({
    title: `People in ${room}`,
    body: table(['Name', 'Fingerprint', 'Connections'], rows, 'enclave-participants'),
    buttons: [Dialog.okButton()],
  });
}

export async function showMembers(space: string, members: readonly Member[]): Promise<void> {
  const rows = members.map((m) => [m.name, m.role, m.fingerprint, m.publicKey]);
  await showDialog({
    title: `Members of ${space}`,
    body: table(['Name', 'Role', 'Fingerprint', 'Public key'], rows, 'enclave-members'),
    buttons: [Dialog.okButton()],
  });
}

export async function showText(title: string, lines: string[]): Promise<void> {
  const node = document.createElement('pre');
  node.className = 'enclave-text';
  node.textContent = lines.join('\n');
  await showDialog({ title, body: new Widget({ node }), buttons: [Dialog.okButton()] });
}

/** Lets the person pick a file and resolves with its text (undefined if they cancel). */
export function pickTextFile(accept: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = accept;
    input.className = 'enclave-file-input';
    input.style.display = 'none';
    input.onchange = () => {
      const file = input.files?.[0];
      input.remove();
      if (!file) resolve(undefined);
      else void file.text().then(resolve);
    };
    input.oncancel = () => {
      input.remove();
      resolve(undefined);
    };
    document.body.appendChild(input);
    input.click();
  });
}

/** Offers text as a file download. */
export function downloadText(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const anchor = Object.assign(document.createElement('a'), { href: url, download: fileName });
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
