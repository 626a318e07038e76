/**
 * Dialogs for governing a space: the agreement a member must sign, an invite link to copy, a multi-line
 * text, and the tables of signatures and the audit log.
 */
import { Clipboard, Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import type { AgreementInfo } from '@enclave/shared';
import type { AgreementContext } from '@enclave/shared';

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function tableNode(headers: string[], rows: string[][], className: string): HTMLTableElement {
  const node = element('table', className);
  const head = node.createTHead().insertRow();
  for (const h of headers) head.appendChild(element('th', '', h));
  const body = node.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const cell of row) tr.insertCell().textContent = cell;
  }
  return node;
}

/** The agreement, in full, with Sign / Decline. Resolves true when the person signs. */
export async function askToSignAgreement(context: AgreementContext, agreement: AgreementInfo): Promise<boolean> {
  const node = element('div', 'enclave-agreement');
  const what = context.document ? `${context.space}/${context.document}` : context.space;
  node.appendChild(
    element(
      'p',
      'enclave-agreement-intro',
      `Before the relay sends you anything from ${what}, its leads ask you to read and sign this text ` +
        `(version ${agreement.version}). Signing records your key's signature over its SHA-256 hash.`,
    ),
  );
  node.appendChild(element('pre', 'enclave-agreement-text', agreement.text));
  node.appendChild(element('p', 'enclave-agreement-hash', `sha256 ${agreement.hash}`));
  const result = await showDialog({
    title: `Agreement of ${context.space}`,
    body: new Widget({ node }),
    buttons: [Dialog.cancelButton({ label: 'Decline' }), Dialog.okButton({ label: 'Sign with my key' })],
    hasClose: false,
  });
  return result.button.accept;
}

/** Shows a link with copy buttons (the link itself, and a JupyterLab address that opens it). */
export async function showInviteLink(title: string, summary: string, links: { label: string; url: string }[]) {
  const node = element('div', 'enclave-invite');
  node.appendChild(element('p', '', summary));
  for (const { label, url } of links) {
    const row = element('div', 'enclave-invite-row');
    row.appendChild(element('label', '', label));
    const input = element('input', 'enclave-invite-link');
    input.readOnly = true;
    input.value = url;
    const copy = element('button', 'jp-Button jp-mod-styled jp-mod-reject enclave-copy', 'Copy');
    copy.onclick = () => {
      Clipboard.copyToSystem(url);
      copy.textContent = 'Copied';
    };
    row.append(input, copy);
    node.appendChild(row);
  }
  await showDialog({ title, body: new Widget({ node }), buttons: [Dialog.okButton({ label: 'Done' })] });
}

/** A body widget with a textarea, for the agreement text. */
class TextAreaBody extends Widget implements Dialog.IBodyWidget<string> {
  private readonly area: HTMLTextAreaElement;
  constructor(label: string, value: string) {
    super({ node: element('div', 'enclave-textarea') });
    this.node.appendChild(element('label', '', label));
    this.area = element('textarea', 'enclave-textarea-input');
    this.area.rows = 12;
    this.area.value = value;
    this.node.appendChild(this.area);
  }
  getValue(): string {
    return this.area.value;
  }
}

export async function askMultiline(title: string, label: string, value = ''): Promise<string | undefined> {
  const result = await showDialog({
    title,
    body: new TextAreaBody(label, value),
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Save' })],
  });
  return result.button.accept && result.value !== null ? result.value : undefined;
}

/** A table in a dialog; resolves with the label of the button pressed. */
export async function showTable(
  title: string,
  headers: string[],
  rows: string[][],
  className: string,
  extraButton?: string,
): Promise<string> {
  const node = element('div', 'enclave-table-wrap');
  node.appendChild(rows.length > 0 ? tableNode(headers, rows, className) : element('p', className, 'Nothing yet.'));
  const buttons = extraButton
    ? [Dialog.cancelButton({ label: 'Close' }), Dialog.okButton({ label: extraButton })]
    : [Dialog.okButton({ label: 'Close' })];
  const result = await showDialog({ title, body: new Widget({ node }), buttons });
  return result.button.label;
}
